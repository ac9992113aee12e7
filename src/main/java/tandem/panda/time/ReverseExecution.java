// Reverse execution on one side (Timeline's reverse verbs), built from forward execution the way
// rr's ReplayTimeline does it: go back to a way back before now (a checkpoint, or the replay run
// again from its start), run forward remembering the stops, then go back again and forward to the
// last stop before now. On an rr replay, rr's own reverse execution answers instead.
package tandem.panda.time;

import tandem.debugger.Breakpoint;
import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Frame;
import tandem.debugger.Stop;
import tandem.mi.GdbNumber;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class ReverseExecution {

    /** At most this many host instructions are stepped to go one back inside a TB's host code. */
    static final int MAX_HOST_STEPS = 200_000;

    private final PandaProcess side;
    private final Mover mover;
    private final Debugger gdb;
    private final java.util.function.Consumer<Pass> passes;
    private final RrReverse rr;
    private final ForwardPass forward;

    /** passes: who hears where each forward pass stands, at each of its stops. */
    ReverseExecution(PandaProcess side, Mover mover, java.util.function.Consumer<Pass> passes) {
        this.side = side;
        this.mover = mover;
        this.gdb = side.debugger();
        this.passes = passes;
        this.rr = new RrReverse(side, mover);
        this.forward = new ForwardPass(side, mover, passes);
    }

    /**
     * Where this timeline last left the side: a stop's time, and the host state it had there. Host
     * registers alone do not tell two stops of one place and count apart on real PANDA (its other
     * threads and clock reads leave different values in them from one run to the next); the time
     * does, as long as the side has not moved since.
     */
    private Mark arrival;

    /** One stop of a forward pass. */
    record Seen(Time time, int breakpoint) {
    }

    // ---- the user's verbs ----

    /**
     * gdb's reverse-continue: back to the last stop before now of the breakpoints and watchpoints
     * enabled now (their conditions honoured; tandem keeps its own disabled between moves). On an
     * rr replay, rr's own. Elsewhere: from the nearest way back strictly before now (the nearest
     * checkpoint at a smaller count, else the replay run again from its start), forward to now
     * remembering the stops, then again to the last one; with none, an earlier way back, down to
     * the start. With no stop before now at all, the side is put back where it was and the answer
     * says so.
     */
    ReverseStop reverseContinue() {
        synchronized (this) {
            if (rr.available()) {
                Stop stop = rr.attempt(() -> gdb.reverseCont(mover.moveLimit()));
                if (stop != null) return rr.stop(stop);
            }
            return lastStopBefore(BreakpointTable.enabled(gdb), here(), "breakpoint or watchpoint");
        }
    }

    /**
     * reverse-stepi on PANDA: at a TB boundary (cpu_loop_exec_tb, where toInstr, nextTb and
     * checkpoints stop), back to the previous TB boundary, which is the guest's previous step; anywhere
     * else in PANDA's host code, one host instruction back: forward from the TB boundary before now,
     * counting host instructions to now, then again one fewer. On an rr replay, rr's own.
     */
    ReverseStop reverseStepInstruction() {
        synchronized (this) {
            if (rr.available()) {
                Stop stop = rr.attempt(gdb::reverseStepInstruction);
                if (stop != null) return rr.stop(stop);
            }
            Mark now = here();
            boolean atTb = atTbBoundary();
            ReverseStop tb = previousTbBoundary(now);
            if (!tb.found() || atTb) return tb.atOwnBreakpoint();
            // now is inside host code after that boundary: step to now remembering the host state one
            // instruction before it, then back to the boundary and step to that state. Not by counting
            // steps: PANDA's host path from a TB boundary is not the same in every run (QOM's cast
            // cache, locks), so the same number of steps can end in another function
            Mark before = stepsTo(now);
            ReverseStop again = previousTbBoundary(now);
            if (before != null) stepsTo(before);
            return new ReverseStop(true, new Time(now.instr(), 0), guestPc(), 0, gdb.backtrace(),
                    before == null ? "at the TB boundary at " + tb.time().instr() + " (now was its first host instruction)"
                            : "one host instruction back, after the TB boundary at " + tb.time().instr(),
                    tb.passes() + again.passes());
        }
    }

    /**
     * reverse-finish on PANDA: back to the first instruction of the current host function's current
     * call (gdb's own stops one instruction earlier, at the call in the caller; `reverse-stepi` from
     * here gets there). Found as the last stop before now of a breakpoint at the function's entry
     * whose stack pointer is the one this call had there. On an rr replay, rr's own.
     */
    ReverseStop reverseFinish() {
        return reverseFinish(this::lastStopBefore);
    }

    /** How a reverse move finds the last stop of {@code stops} (tandem's own, the user's off) before now. */
    interface LastStop {
        ReverseStop find(Set<Integer> stops, Mark now, String what);
    }

    /** {@link #reverseFinish()}, the entry's last stop found by {@code lastStop} (not on rr). */
    ReverseStop reverseFinish(LastStop lastStop) {
        synchronized (this) {
            if (rr.available() && rr.attempt(() -> gdb.console("reverse-finish")) != null) return rr.stop(null);
            List<Frame> bt = gdb.backtrace();
            if (bt.size() < 2) throw new PandaException(side.name() + ": reverse-finish needs a caller; the outermost frame has none");
            Matcher cfa = FRAME_AT.matcher(gdb.console("info frame"));
            if (!cfa.find()) throw new PandaException(side.name() + ": gdb's `info frame` names no frame address here");
            long entrySp = GdbNumber.parse(cfa.group(1)) - HOST_RETURN_ADDRESS_BYTES;
            Breakpoint entry = gdb.breakAt("*" + gdb.evaluateUnsigned("(unsigned long) " + bt.get(0).function()), "$sp == " + entrySp);
            try {
                return lastStop.find(Set.of(entry.number()), here(), "entry of " + bt.get(0).function()).atOwnBreakpoint();
            } finally {
                gdb.delete(entry.number());
            }
        }
    }

    /** The x86-64 call pushes the return address: at a function's entry, $sp is its frame address minus 8. */
    private static final long HOST_RETURN_ADDRESS_BYTES = 8;
    /** gdb's `info frame`: "Stack level 0, frame at 0x7fffffffe0f0:". */
    private static final Pattern FRAME_AT = Pattern.compile("frame at (0x[0-9a-f]+)");

    /**
     * The last change before now of {@code lvalue} (a gdb lvalue, or a guest-state name {@link
     * Arch#guestState} knows, such as 'EntryHi', 'gpr[5]', 'tlb[3].VPN2'): a hardware watchpoint
     * (`watch -l`) run forward from the way back to now, the user's breakpoints off meanwhile. The
     * side ends where it was. On an rr replay, rr's own: the watchpoint and reverse-continue.
     */
    Origin origin(String lvalue) {
        return origin(lvalue, (name, expr, watch) -> null);
    }

    /** How a faster way finds the last change of {@code expr} (watched by {@code watch}) before now; null: it can't. */
    interface ChangeFinder {
        Origin find(String name, String expr, int watch);
    }

    /** {@link #origin(String)}, asking {@code first} before the windows (not on rr). */
    Origin origin(String lvalue, ChangeFinder first) {
        synchronized (this) {
            String expr = side.guestState(lvalue);
            Set<Integer> user = BreakpointTable.enabled(gdb);
            if (!user.isEmpty()) gdb.disable(BreakpointTable.numbers(user));
            int watch = BreakpointTable.watchLocation(gdb, side.name(), expr);
            try {
                if (rr.available()) {
                    Origin o = rr.origin(lvalue, expr);
                    if (o != null) return o;
                }
                Origin o = first.find(lvalue, expr, watch);
                return o != null ? o : lastChange(lvalue, expr, watch);
            } finally {
                gdb.delete(watch);
                if (!user.isEmpty()) gdb.enable(BreakpointTable.numbers(user));
            }
        }
    }

    /**
     * Every change of {@code lvalue} (as {@link #origin}) from the first TB after the begin function
     * to now, oldest first: the history `origin` on both sides compares (Origin.firstDifference).
     * One watched pass from the farthest way back; the side ends where it was.
     */
    public List<Origin> changes(String lvalue) {
        synchronized (side) {
            String expr = side.guestState(lvalue);
            Set<Integer> user = BreakpointTable.enabled(gdb);
            if (!user.isEmpty()) gdb.disable(BreakpointTable.numbers(user));
            int watch = BreakpointTable.watchLocation(gdb, side.name(), expr);
            try {
                Mark now = here();
                List<Long> ways = waysBackBefore(now.instr());
                List<Origin> changes = new ArrayList<>();
                String[] value = new String[1];
                scan(ways.get(ways.size() - 1), now, Set.of(watch), () -> value[0] = gdb.evaluate(expr), (t, stop) -> {
                    String before = value[0];
                    value[0] = gdb.evaluate(expr);
                    changes.add(new Origin(lvalue, expr, t, guestPc(), gdb.backtrace(), before, value[0], null));
                    return false;
                });
                return changes;
            } finally {
                gdb.delete(watch);
                if (!user.isEmpty()) gdb.enable(BreakpointTable.numbers(user));
            }
        }
    }

    // ---- going back by going forward ----

    /**
     * The last stop of {@code stops} strictly before {@code now}, window by window from the nearest
     * way back; the side ends at it, or back at now when there is none.
     */
    ReverseStop lastStopBefore(Set<Integer> stops, Mark now, String what) {
        if (stops.isEmpty()) {
            throw new PandaException(side.name() + ": reverse-continue needs a breakpoint or watchpoint to stop at (none is enabled):"
                    + " set one (`break ...`, `watch -l ...`), or go back by count with `toInstr N`");
        }
        List<Long> ways = waysBackBefore(now.instr());
        int passes = 0;
        Mark end = now;
        for (long from : ways) {
            List<Seen> seen = new ArrayList<>();
            passes++;
            scan(from, end, stops, (t, stop) -> {
                seen.add(new Seen(t, stop.breakpoint()));
                return false;
            });
            if (!seen.isEmpty()) {
                Seen last = seen.get(seen.size() - 1);
                long prior = seen.stream().mapToLong(s -> s.time().instr()).filter(i -> i < last.time().instr()).max().orElse(from);
                passes++;
                Time reached = seek(Math.max(from, prior), end, stops, last.time());
                arrived(reached, stops);
                String note = reached.equals(last.time()) ? null : "this run of PANDA stopped fewer times at guest instruction "
                        + reached.instr() + " than the one before (host timing): at its last stop there, " + reached;
                return new ReverseStop(true, reached, guestPc(), last.breakpoint(), gdb.backtrace(), note, passes);
            }
            end = new Mark(from, 0, null);
        }
        // nothing before now: back to where the user was (the first pass ended there)
        if (ways.size() > 1) {
            passes++;
            seek(ways.get(0), now, now.time() == null ? Set.of() : now.timeStops(), null);
        }
        return new ReverseStop(false, null, 0, 0, List.of(), "no " + what + " stop between guest instruction " + ways.get(ways.size() - 1)
                + " (the first TB after " + side.beginFunction() + ") and now: " + side.name() + " stays at guest instruction "
                + now.instr(), passes);
    }

    /** While going back to the previous TB boundary: the count before which its breakpoint can't fire (-1: none). */
    private long quietBefore = -1;

    /** The previous TB boundary strictly before now (a TB has at most TCG_MAX_INSNS guest instructions). */
    private ReverseStop previousTbBoundary(Mark now) {
        long lo = Math.max(mover.begin(), now.instr() - PandaNames.TCG_MAX_INSNS);
        Breakpoint tb = gdb.breakAt(PandaNames.EXEC_TB, mover.countExpression() + " >= " + lo);
        Set<Integer> user = BreakpointTable.enabled(gdb);
        user.remove(tb.number());
        if (!user.isEmpty()) gdb.disable(BreakpointTable.numbers(user));
        try {
            quietBefore = lo;
            return lastStopBefore(Set.of(tb.number()), now, "TB boundary");
        } finally {
            quietBefore = -1;
            gdb.delete(tb.number());
            if (!user.isEmpty()) gdb.enable(BreakpointTable.numbers(user));
        }
    }

    /**
     * Single steps from here (a TB boundary) to {@code target} (its place, count and host
     * registers); the side ends there. The host state one step before it, or null when target is
     * the first step's.
     */
    private Mark stepsTo(Mark target) {
        Mark previous = null;
        Mark here = new Mark(side.instrCount(), gdb.evaluateUnsigned("$pc"), HostRegisters.read(gdb));
        for (int i = 1; i <= MAX_HOST_STEPS; i++) {
            if (mover.interrupted()) throw new PandaException(side.name() + ": interrupted while stepping back to " + target.instr() + mover.describeWhere());
            previous = i == 1 ? null : here;
            gdb.stepInstruction();
            long pc = gdb.evaluateUnsigned("$pc");
            long instr = side.instrCount();
            String registers = HostRegisters.read(gdb);
            if (pc == target.hostPc() && instr == target.instr() && registers.equals(target.hostRegisters())) return previous;
            here = new Mark(instr, pc, registers);
        }
        throw new PandaException(side.name() + ": now is more than " + MAX_HOST_STEPS + " host instructions past the TB boundary before it;"
                + " reverse-stepi goes back by stepping that far. Use `rc` with a breakpoint, or `toInstr N`");
    }

    /**
     * Forward from the way back at {@code from} to the stop of {@code stops} at {@code target}, or
     * to {@code end} when target is null; the time reached (null for end). A real PANDA replay may
     * enter one TB a different number of times at one count from one run to the next (three
     * replays of one recording gave 3, 1 and 1 cpu_loop_exec_tb entries at one count: the I/O
     * thread's kick can end a TB before its first instruction), so a stop index this run does not
     * reach at the target's count is taken as the last one it does reach there.
     */
    private Time seek(long from, Mark end, Set<Integer> stops, Time target) {
        if (target == null) {
            scan(from, end, stops, (t, stop) -> false);
            return null;
        }
        Time[] lastAtCount = new Time[1];
        scan(from, end, stops, (t, stop) -> {
            if (t.instr() == target.instr()) lastAtCount[0] = t;
            return t.equals(target) || t.instr() > target.instr();
        });
        if (side.instrCount() == target.instr() && target.equals(lastAtCount[0])) return target;
        if (lastAtCount[0] == null) {
            throw new PandaException(side.name() + " is not deterministic: the stop at guest instruction " + target
                    + " was not found again (at " + side.instrCount() + ")");
        }
        Time fewer = lastAtCount[0];
        scan(from, end, stops, (t, stop) -> t.equals(fewer));
        if (side.instrCount() != fewer.instr()) {
            throw new PandaException(side.name() + " is not deterministic: the stop at guest instruction " + fewer
                    + " was not found again (at " + side.instrCount() + ")");
        }
        return fewer;
    }

    /**
     * Where a pass may start, nearest first: counts of this side's checkpoints strictly before
     * {@code instr}, then the first TB after record/replay began (its checkpoint, or the replay run
     * again from its start).
     */
    List<Long> waysBackBefore(long instr) {
        if (mover.begin() < 0) mover.beginRecordOrReplay();
        NavigableSet<Long> counts = new TreeSet<>(mover.ways().checkpoints().snapshot().headMap(instr, false).keySet());
        counts.add(mover.begin());
        List<Long> ways = new ArrayList<>(counts.descendingSet());
        ways.removeIf(c -> c < mover.begin());
        return ways;
    }

    /**
     * One forward pass: to the TB boundary at {@code from} with the user's stops off, then forward
     * with {@code stops} on until {@code end}, giving each of their stops its {@link Time}. Long
     * spans are crossed with debug_counter (one stop per period) before the end's own breakpoint,
     * which costs a test per hit, is set.
     */
    private void scan(long from, Mark end, Set<Integer> stops, ForwardPass.Visitor visitor) {
        scan(from, end, stops, () -> { }, visitor);
    }

    /**
     * {@link #scan(long, Mark, Set, Runnable, ForwardPass.Visitor)} with {@code stops} off up to the
     * debug_counter period before {@code quiet} (-1: on from the start).
     */
    void scanQuiet(long quiet, long from, Mark end, Set<Integer> stops, Runnable atStart, ForwardPass.Visitor visitor) {
        quietBefore = quiet;
        try {
            scan(from, end, stops, atStart, visitor);
        } finally {
            quietBefore = -1;
        }
    }

    /** {@link #scan(long, Mark, Set, ForwardPass.Visitor)}, running {@code atStart} at the way back. */
    void scan(long from, Mark end, Set<Integer> stops, Runnable atStart, ForwardPass.Visitor visitor) {
        forward.run(from, end, stops, quietBefore, atStart, visitor);
    }

    /** The last change of expr: the triggers of one pass per window, nearest window first. */
    private Origin lastChange(String name, String expr, int watch) {
        Mark now = here();
        List<Long> ways = waysBackBefore(now.instr());
        Mark end = now;
        for (long from : ways) {
            List<Origin> changes = new ArrayList<>();
            String[] value = new String[1];
            scan(from, end, Set.of(watch), () -> value[0] = gdb.evaluate(expr), (t, stop) -> {
                String before = value[0];
                value[0] = gdb.evaluate(expr);
                changes.add(new Origin(name, expr, t, guestPc(), gdb.backtrace(), before, value[0], null));
                return false;
            });
            if (!changes.isEmpty()) {
                if (end != now) seek(ways.get(0), now, now.time() == null ? Set.of() : now.timeStops(), null);
                return changes.get(changes.size() - 1);
            }
            end = new Mark(from, 0, null);
        }
        if (ways.size() > 1) seek(ways.get(0), now, now.time() == null ? Set.of() : now.timeStops(), null);
        return new Origin(name, expr, null, 0, List.of(), null, null, "no change of " + expr + " between guest instruction "
                + ways.get(ways.size() - 1) + " (the first TB after " + side.beginFunction() + ") and now (" + now.instr() + ")");
    }

    // ---- reading ----

    Mark here() {
        if (mover.begin() < 0) mover.beginRecordOrReplay();
        Mark now = new Mark(side.instrCount(), gdb.evaluateUnsigned("$pc"), HostRegisters.read(gdb));
        Mark last = arrival;
        if (last != null && last.instr() == now.instr() && last.hostPc() == now.hostPc() && last.hostRegisters().equals(now.hostRegisters())) {
            return last;
        }
        return now;
    }

    /** Remembers that the side is now at {@code time}, a stop of {@code stops}: the mark of here. */
    Mark arrived(Time time, Set<Integer> stops) {
        arrival = new Mark(time.instr(), gdb.evaluateUnsigned("$pc"), HostRegisters.read(gdb), time, Set.copyOf(stops));
        return arrival;
    }

    private boolean atTbBoundary() {
        List<Frame> bt = gdb.backtrace();
        if (bt.isEmpty() || !PandaNames.EXEC_TB.equals(bt.get(0).function())) return false;
        Breakpoint probe = gdb.breakAt(PandaNames.EXEC_TB, "0");
        try {
            return BreakpointTable.address(gdb, probe.number()) == gdb.evaluateUnsigned("$pc");
        } finally {
            gdb.delete(probe.number());
        }
    }

    private long guestPc() {
        return side.pc();
    }
}
