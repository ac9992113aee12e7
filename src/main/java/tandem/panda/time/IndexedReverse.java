// rc, reverse-finish and origin at any distance where going back re-executes (real PANDA: gdb
// can't fork its threads): the replay's index (ReplayIndex) names the debug_counter period holding
// the last hit or change before now, and one re-execution stops only inside it. ReverseExecution's
// windows stop gdb at every hit from the start to now, some 20,000 guest instructions a second;
// they answer where the index can't, and on rr (its own reverse execution).
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

final class IndexedReverse {
    private final PandaProcess side;
    private final Mover mover;
    private final ReverseExecution reverse;
    private final Debugger gdb;
    private final ReplayIndex index;
    private final Consumer<Pass> passes;

    /** debug_counter periods before now's that the first index of an rc counts hits in (none before them: no trap per hit). */
    static final int WINDOW_PERIODS = 2;

    IndexedReverse(PandaProcess side, Mover mover, ReverseExecution reverse, Consumer<Pass> passes) {
        this.side = side;
        this.mover = mover;
        this.reverse = reverse;
        this.gdb = side.debugger();
        this.index = new ReplayIndex(side);
        this.passes = passes;
    }

    /**
     * gdb's reverse-continue over the breakpoints enabled now ({@link ReverseExecution#reverseContinue}).
     * By the index where it can answer: one run from the start to now counting their hits per
     * period in the last {@link #WINDOW_PERIODS} periods before now's (a breakpoint costs a trap
     * per hit only where it is counted); with none there, one more counting them from the start to
     * there. None of this when the last answer over the same breakpoints left the side here: it
     * kept what lies before. Then one run to the period of the last hit, stopping only from its
     * start. Else the windows, after a line saying why and what it costs.
     */
    ReverseStop reverseContinue() {
        Set<Integer> stops = BreakpointTable.enabled(gdb);
        String why = stops.isEmpty() ? "" : index.cannotAnswer(stops, mover.ways().kind());
        if (why != null) {
            slowWay(why, "stops at every hit before now");
            return reverse.reverseContinue();
        }
        return lastStopBefore(stops, reverse.here(), "breakpoint", reverse::reverseContinue);
    }

    /**
     * gdb's reverse-finish ({@link ReverseExecution#reverseFinish}): the last stop before now of a
     * breakpoint at the current function's entry with this call's stack pointer, by the index where
     * it can answer (a function called at every TB is hit millions of times before now).
     */
    ReverseStop reverseFinish() {
        return reverse.reverseFinish((stops, now, what) -> {
            String why = index.cannotAnswer(stops, mover.ways().kind());
            if (why != null) {
                slowWay(why, "stops at every call of the function before now");
                return reverse.lastStopBefore(stops, now, what);
            }
            return lastStopBefore(stops, now, what, () -> reverse.lastStopBefore(stops, now, what));
        });
    }

    /** The last stop of {@code stops} before {@code now} by the index; {@code slow}: the windows, when this run disagrees with the index. */
    private ReverseStop lastStopBefore(Set<Integer> stops, Mark now, String what, Supplier<ReverseStop> slow) {
        String key = index.key(stops);
        long from = start(now);
        int runs = 0;
        List<ReplayIndex.Slot> slots = index.kept(key, now);
        long counted = index.keptFrom();
        if (slots == null) {
            // the last hit is most often near now: a window of the last periods first, no trap before it
            long window = Math.max(from, PandaNames.periodStartAtOrBefore(now.instr()) - WINDOW_PERIODS * PandaNames.DEBUG_COUNTER_PERIOD);
            runs++;
            slots = indexed(from, now, () -> index.arm(stops, List.of(), window), "counting the hits of breakpoint " + stops
                    + (window > from ? " from guest instruction " + window : ""));
            counted = window <= from ? from : slots.size() > 1 ? slots.get(0).start() : now.instr();
        }
        if (ReplayIndex.lastHit(slots) == null && counted > from) {
            // none there: the rest, from the start to where the window began (then on to now if none there either)
            long upTo = counted;
            runs++;
            List<ReplayIndex.Slot> rest = new ArrayList<>(indexed(from, new Mark(upTo, 0, null),
                    () -> index.arm(stops, List.of(), from), "counting the hits of breakpoint " + stops + " before " + upTo));
            rest.removeIf(s -> s.start() >= upTo);
            rest.addAll(slots);
            slots = rest;
            counted = from;
            if (ReplayIndex.lastHit(slots) == null) reverse.scan(side.instrCount(), now, Set.of(), () -> { }, (t, stop) -> false);
        }
        ReplayIndex.Hit hit = ReplayIndex.lastHit(slots);
        if (hit == null) {
            index.keep(key, now, slots, counted);
            return new ReverseStop(false, null, 0, 0, List.of(), "no " + what + " stop between guest instruction " + from
                    + " (the first TB after " + side.beginFunction() + ") and now, by the index: " + side.name()
                    + " stays at guest instruction " + now.instr(), runs);
        }
        ReverseExecution.Seen[] found = new ReverseExecution.Seen[1];
        long[] seen = {0};
        runs++;
        reverse.scanQuiet(hit.start() > from ? hit.start() : -1, from, now, stops, () -> { }, (t, stop) -> {
            if (t.instr() < hit.start() || ++seen[0] < hit.ordinal()) return false;
            found[0] = new ReverseExecution.Seen(t, stop.breakpoint());
            return true;
        });
        if (found[0] == null) {
            // this run stopped fewer times in that period than the indexed one did (host timing)
            index.forget();
            slowWay("the index counted " + hit.ordinal() + " stops from guest instruction " + hit.start() + ", this run fewer",
                    "stops at every hit before now");
            return slow.get();
        }
        Mark at = reverse.arrived(found[0].time(), stops);
        index.keep(key, at, ReplayIndex.before(slots, hit), counted);
        return new ReverseStop(true, found[0].time(), side.pc(), found[0].breakpoint(), gdb.backtrace(), null, runs);
    }

    /**
     * The last change of {@code lvalue} before now ({@link ReverseExecution#origin}). By the index
     * where it can answer: one run from the start to now reading the value at each period's start
     * (none when the last origin of it was asked here), then one watched run to now from the start
     * of the last period whose value differs from the next one's; the side ends where it was.
     */
    Origin origin(String lvalue) {
        return reverse.origin(lvalue, this::lastChange);
    }

    private Origin lastChange(String name, String expr, int watch) {
        String why = index.cannotAnswer(Set.of(), mover.ways().kind());
        if (why != null) {
            slowWay(why, "stops at every change before now");
            return null;
        }
        Mark now = reverse.here();
        String key = "value of " + expr;
        long from = start(now);
        List<ReplayIndex.Slot> slots = index.kept(key, now);
        if (slots == null) {
            slots = indexed(from, now, () -> index.arm(Set.of(), List.of(expr), from), "reading " + expr + " at each period");
            index.keep(key, now, slots, from);
        }
        int slot = ReplayIndex.lastValueChange(slots, 0);
        if (slot < 0) {
            slowWay(slot == -1 ? expr + " is the same at every period's start from " + from + " to now"
                    : "gdb can't read " + expr + " where debug_counter runs", "stops at every change before now");
            return null;
        }
        List<Origin> changes = new ArrayList<>();
        String[] value = {slots.get(slot).values().get(0)};
        reverse.scanQuiet(slot == 0 ? -1 : slots.get(slot).start(), from, now, Set.of(watch),
                () -> value[0] = slot == 0 ? gdb.evaluate(expr) : value[0], (t, stop) -> {
                    String before = value[0];
                    value[0] = gdb.evaluate(expr);
                    changes.add(new Origin(name, expr, t, side.pc(), gdb.backtrace(), before, value[0], null));
                    return false;
                });
        if (changes.isEmpty()) {
            index.forget();
            slowWay("this run saw no change of " + expr + " after guest instruction " + slots.get(slot).start(), "stops at every change before now");
            return null;
        }
        return changes.get(changes.size() - 1);
    }

    /** Where a pass from the start begins: the first TB after record/replay began. */
    private long start(Mark now) {
        List<Long> ways = reverse.waysBackBefore(now.instr());
        return ways.get(ways.size() - 1);
    }

    /** One run from {@code from} to {@code now} with the index armed there (progress each second); its slots. */
    private List<ReplayIndex.Slot> indexed(long from, Mark now, Runnable arm, String what) {
        mover.notice("indexing the replay from its start to guest instruction " + now.instr() + ", " + what
                + " in gdb: one run, about a plain replay of the span (Ctrl-C stops it)");
        try {
            index.withProgress(from, now.instr(), passes, () -> reverse.scan(from, now, Set.of(), arm, (t, stop) -> false));
            return index.read(now.instr(), gdb.evaluateUnsigned("$pc"));
        } finally {
            index.disarm();
        }
    }

    /** Says why the index can't answer and what the windows cost, where they re-execute (empty why: nothing to say). */
    private void slowWay(String why, String stops) {
        if (why.isEmpty() || mover.ways().kind() != WaysBack.Rewind.REEXECUTION) return;
        mover.notice("going back without the index (" + why + "): runs from the start that " + stops
                + ", some 20,000 guest instructions a second on real PANDA");
    }
}
