// The first host-level difference: at the last equal count both sides run the same TB from the
// same guest state and come out different, so some host code read something that differs. Both
// PANDA processes are stepped in lockstep through the host code of that TB (HostStep, one per
// side; gdb runs PANDA with ASLR off, so code and static data share addresses) and compared event
// by event. A first pass runs every helper the TB's host code calls whole (a breakpoint at its
// return) and compares what it returned and the guest state it left: one stop per helper. When a
// helper's result differs, a second pass (the same TB, reached again) steps into that helper and
// everything it calls, down to the innermost function whose result differs.
package tandem.bisect;

import tandem.panda.Both;
import tandem.panda.Pair;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

public final class HostLockstep {
    /** Events read from a side at a time: between chunks the lockstep compares, and stops when asked. */
    static final int CHUNK = 2000;
    /** The default bound on host instructions and calls stepped per side and pass. */
    public static final long DEFAULT_MAX_STEPS = 100_000;
    /** Regions one side may drop for a TB the other did not have (an exit request cut it before its first instruction). */
    private static final int MAX_DROPS = 16;

    private final Pair pair;
    /** The TB stepped from: its guest instruction count, equal state on both sides. */
    private final long lastEqual;
    /** Where the pass stops looking: the first count at which the sides differ (or the next TB's). */
    private final long firstDiverged;
    private final long maxSteps;
    private final Consumer<String> progress;

    private HostLockstep(Pair pair, long lastEqual, long firstDiverged, long maxSteps, Consumer<String> progress) {
        this.pair = pair;
        this.lastEqual = lastEqual;
        this.firstDiverged = firstDiverged;
        this.maxSteps = maxSteps;
        this.progress = progress;
    }

    /**
     * The first host difference in the TB at {@code d.lastEqual()}: moves both sides there (going
     * back as their timelines do: a run from the start on a live PANDA), steps, and leaves them
     * at wherever the stepping ended. At most {@code maxSteps} host instructions and calls per
     * side and pass; Ctrl-C (the sessions' interrupt) stops it between chunks. Never throws for
     * what it cannot do: the answer then says why it found nothing.
     */
    public static HostDifference find(Pair pair, Divergence d, long maxSteps, Consumer<String> progress) {
        if (!d.diverged()) return HostDifference.none("none: the runs never diverge", 0);
        if (d.lastEqual() < 0) {
            return HostDifference.none("not looked for: the sides differ already at the first TB, no TB ran from equal state", 0);
        }
        String unlike = unlike(pair);
        if (unlike != null) return HostDifference.none("not looked for: " + unlike, 0);
        return run(pair, d.lastEqual(), d.firstDiverged(), maxSteps, progress);
    }

    /**
     * The first host difference in the TB both sides stand at now (the console's `hostDiff()`):
     * both stopped at cpu_loop_exec_tb at one guest instruction count and guest PC. Steps that TB
     * alone, helpers run whole, then into the helper whose result differs (going back to the TB:
     * a run from the start on a live PANDA), and brings both sides back to it (or says in
     * {@code progress} why it could not). Throws a
     * PandaException saying what to do when the sides are not so: a record run against a replay,
     * other counts or PCs, not at a TB; an answer of nothing found says why (a bound, Ctrl-C).
     */
    public static HostDifference atCurrentTb(Pair pair, long maxSteps, Consumer<String> progress) {
        String unlike = unlike(pair);
        if (unlike != null) throw new PandaException("hostDiff compares like with like: " + unlike);
        Both<Long> at = pair.both(PandaSession::instrCount);
        if (!at.rec().equals(at.rep())) {
            throw new PandaException("rec is at guest instruction " + at.rec() + ", rep at " + at.rep() + ": hostDiff steps one TB"
                    + " on both sides from one count (toInstr N brings both to the first TB at or after N)");
        }
        long n = at.rec();
        Both<String> fn = pair.both(s -> {
            List<tandem.debugger.Frame> bt = s.backtrace();
            String f = bt.isEmpty() || bt.get(0).function() == null ? "an unknown function" : bt.get(0).function();
            return f.equals(PandaNames.EXEC_TB) ? null : s.name() + " stands in " + f;
        });
        if (fn.rec() != null || fn.rep() != null) {
            throw new PandaException((fn.rec() != null ? fn.rec() : fn.rep()) + ", not at a TB (" + PandaNames.EXEC_TB
                    + "): hostDiff steps a TB from its start (toInstr " + n + " brings both to the first TB at or after it)");
        }
        Both<Long> pc = pair.both(PandaSession::pc);
        if (!pc.rec().equals(pc.rep())) {
            throw new PandaException(String.format("rec and rep are both at guest instruction %d, but rec's TB is at pc 0x%x and rep's at"
                    + " 0x%x: they ran apart before it, and hostDiff compares one TB run from equal state (bisect finds the last"
                    + " count where they agree)", n, pc.rec(), pc.rep()));
        }
        HostDifference h = run(pair, n, n + 1, maxSteps, progress);
        // the stepping ended inside the TB's host code or past it: back to where the user stood;
        // what was found is shown even when that fails (Ctrl-C again, a side gone)
        try {
            pair.both(s -> s.toInstr(n));
        } catch (RuntimeException e) {
            progress.accept("could not bring both sides back to guest instruction " + n + ": " + e.getMessage());
        }
        return h;
    }

    /** Why the sides can't be compared host instruction by host instruction, or null when they can. */
    private static String unlike(Pair pair) {
        if (pair.rec().role() == pair.rep().role()) return null;
        // the record run and the replay run other host code by design (PANDA's rr_record_* and
        // rr_replay_* paths): like is compared with like only
        return "rec " + (pair.rec().role() == PandaSession.Role.RECORD ? "records" : "replays")
                + " and rep " + (pair.rep().role() == PandaSession.Role.RECORD ? "records" : "replays")
                + ", and PANDA's host code differs between recording and replaying by design: it compares two replays";
    }

    private static HostDifference run(Pair pair, long lastEqual, long firstDiverged, long maxSteps, Consumer<String> progress) {
        try {
            return new HostLockstep(pair, lastEqual, firstDiverged, maxSteps, progress).find();
        } catch (Interrupted e) {
            return HostDifference.none("not found: stopped by Ctrl-C after " + e.steps + " host instructions and calls", e.steps);
        } catch (RuntimeException e) {
            return HostDifference.none("not found: " + e.getMessage(), 0);
        }
    }

    private static final class Interrupted extends RuntimeException {
        final long steps;

        Interrupted(long steps) {
            super("interrupted");
            this.steps = steps;
        }
    }

    /**
     * Where the two sides first did something different: a region (by its advancing index), and
     * the index of the call, return or end in it (recEvents, repEvents: those of each side).
     */
    private record Found(int region, int index, List<HostEvent> recEvents, List<HostEvent> repEvents, List<String> recBacktrace,
                         List<String> repBacktrace, long steps) {
        HostEvent rec() {
            return recEvents.get(index);
        }

        HostEvent rep() {
            return repEvents.get(index);
        }
    }

    /** What a pass ends with: where the sides first did something different, or (found null) why nothing was. */
    private record Outcome(Found found, HostDifference none) {
        static Outcome of(Found f) {
            return new Outcome(f, null);
        }

        static Outcome nothing(HostDifference why) {
            return new Outcome(null, why);
        }
    }

    private HostDifference find() {
        progress.accept("stepping the host code of the TB at guest instruction " + lastEqual + " on both sides, helpers run whole");
        Outcome first = pass(-1, -1);
        if (first.found() == null) return first.none();
        Found f = first.found();
        int ordinal = calledAt(f);
        if (ordinal < 0) return describe(f, null);
        String helper = f.rec().name();
        progress.accept(helper + "'s result differs (its value or the guest state it left): stepping into it, at the TB again");
        Outcome second = pass(ordinal, f.region);
        if (second.found() == null) {
            HostDifference none = second.none();
            HostDifference outer = describe(f, null);
            return new HostDifference(true, outer.function(), outer.summary() + " (stepping into it found nothing finer: "
                    + none.summary() + ")", List.of(), outer.recBacktrace(), outer.repBacktrace(), none.steps());
        }
        return describe(second.found(), helper);
    }

    /** The ordinal of the call run whole whose return is the difference, or -1 (the difference is something else). */
    private static int calledAt(Found f) {
        if (f.rec().kind() != 'r' || f.rep().kind() != 'r' || f.index == 0) return -1;
        // a call run whole: its 'c' event just before its return, on both sides alike
        HostEvent c = f.recEvents.get(f.index - 1);
        return c.kind() == 'c' && c.sameAs(f.repEvents.get(f.index - 1)) && c.name().equals(f.rec().name()) ? c.ordinal() : -1;
    }

    /** The report of a Found; {@code helper}: the call stepped into (the chain ends at its return), or null. */
    private static HostDifference describe(Found f, String helper) {
        HostEvent x = f.rec(), y = f.rep();
        String at = location(f.recBacktrace);
        if (x.kind() == 'r' && y.kind() == 'r' && x.name().equals(y.name())) {
            String what = !x.sameValue(y) ? "returned " + x.shownValue() + " on rec, " + y.shownValue() + " on rep"
                    : "the guest state it left differs: crc32 0x" + x.state() + " on rec, 0x" + y.state() + " on rep";
            List<String> chain = new ArrayList<>();
            for (int j = f.index + 1; j < f.recEvents.size() && j < f.repEvents.size(); j++) {
                HostEvent p = f.recEvents.get(j), q = f.repEvents.get(j);
                if (!p.aligned(q)) break;
                if (p.kind() == 'r' && !p.sameAs(q) && !chain.contains(p.name()) && !p.name().equals(x.name())) chain.add(p.name());
                if (helper != null && p.kind() == 'r' && p.name().equals(helper)) break;
            }
            return new HostDifference(true, x.name(), x.name() + " (" + what + ")" + at, chain, f.recBacktrace, f.repBacktrace, f.steps);
        }
        String fn = f.recBacktrace.isEmpty() ? "??" : function(f.recBacktrace.get(0));
        return new HostDifference(true, fn, "the host code took another path in " + fn + at + ": rec's next was the "
                + x + ", rep's the " + y, List.of(), f.recBacktrace, f.repBacktrace, f.steps);
    }

    /** " at FILE:LINE" of a backtrace's first frame ("#0 NAME at FILE:LINE ..."), or "". */
    private static String location(List<String> frames) {
        if (frames.isEmpty()) return "";
        String f = frames.get(0);
        int at = f.indexOf(" at ");
        if (at < 0) return "";
        String rest = f.substring(at);
        int paren = rest.indexOf(" (");
        return paren < 0 ? rest : rest.substring(0, paren);
    }

    private static String function(String frame) {
        String f = frame.replaceFirst("^#\\d+ ", "");
        int at = f.indexOf(" at ");
        return at < 0 ? f.split(" ")[0] : f.substring(0, at);
    }

    /**
     * One lockstep pass from the TB at lastEqual: both sides there, stepped region by region (a
     * region: one cpu_loop_exec_tb to the next), until the first event that differs (Found), or
     * the regions passed firstDiverged alike, or a bound was hit (a HostDifference saying so).
     */
    private Outcome pass(int into, int intoRegion) {
        Both<Long> at = pair.both(s -> s.toInstr(lastEqual, false));
        if (at.rec() != lastEqual || at.rep() != lastEqual) {
            return Outcome.nothing(HostDifference.none("not found: the sides came back to guest instructions " + at.rec() + " and " + at.rep()
                    + ", not both to " + lastEqual, 0));
        }
        Both<HostStep> st;
        try {
            st = pair.both(s -> HostStep.begin(s, maxSteps));
        } catch (tandem.panda.SideFailed e) {
            // the side that began gives its breakpoints back before the error is told
            e.answers().values().forEach(v -> ((HostStep) v).end());
            throw e;
        }
        HostStep a = st.rec(), b = st.rep();
        try {
            int region = 0, drops = 0;
            begin(a, b, region == intoRegion ? into : -1);
            while (true) {
                // the sides compare their calls and returns (and the region's end); instructions
                // may differ between them where a function's result does not (the vDSO's clock
                // read takes another branch on another reading), which is no result of its own
                int k = 0;
                Integer differs = null;
                while (differs == null) {
                    fill(a, b, k);
                    HostEvent x = a.mark(k), y = b.mark(k);
                    if (!x.sameAs(y)) {
                        differs = k;
                    } else if (x.kind() == 'x') {
                        break;
                    } else {
                        k++;
                    }
                }
                if (differs != null) {
                    // a TB one side entered and left before its first instruction (the I/O thread's
                    // kick: PANDA.md) is not the difference: drop it, compare the next region
                    finishRegion(a, b);
                    if (limited(a) || limited(b)) return Outcome.nothing(gaveUp(a, b));
                    boolean cutA = cut(a), cutB = cut(b);
                    if (cutA != cutB && drops++ < MAX_DROPS) {
                        HostStep dropped = cutA ? a : b;
                        dropped.region(region == intoRegion ? into : -1);
                        continue;
                    }
                    return Outcome.of(found(region, differs, a, b));
                }
                HostEvent end = a.mark(k);
                if (end.name().equals("limit")) return Outcome.nothing(gaveUp(a, b));
                if (!end.name().equals("tb")) {
                    return Outcome.nothing(HostDifference.none("not found: both sides ran the same host code until " + end, steps(a, b)));
                }
                if (end.count() > a.regionStart()) region++;
                if (end.count() >= firstDiverged) {
                    return Outcome.nothing(HostDifference.none("none found: the host code of the TBs from guest instruction " + lastEqual
                            + " to " + end.count() + " called the same functions with the same results on both sides (a difference in"
                            + " guest RAM alone, or one made by another thread, is not seen here)", steps(a, b)));
                }
                begin(a, b, region == intoRegion ? into : -1);
            }
        } finally {
            pair.both(s -> {
                (s == pair.rec() ? a : b).end();
                return null;
            });
        }
    }

    private void begin(HostStep a, HostStep b, int into) {
        pair.both(s -> {
            (s == pair.rec() ? a : b).region(into);
            return null;
        });
    }

    /** Steps the sides until both have their k-th call, return or end (a done region ends in an 'x' event, so one always comes). */
    private void fill(HostStep a, HostStep b, int k) {
        while (a.marks.size() <= k || b.marks.size() <= k) {
            if (pair.rec().interrupted() || pair.rep().interrupted()) throw new Interrupted(steps(a, b));
            boolean needA = a.marks.size() <= k && !a.done(), needB = b.marks.size() <= k && !b.done();
            if (!needA && !needB) {
                throw new PandaException("hoststep.py ended a region without its end event");
            }
            pair.both(s -> {
                HostStep h = s == pair.rec() ? a : b;
                if (h == a ? needA : needB) h.step(CHUNK);
                return null;
            });
        }
    }

    private void finishRegion(HostStep a, HostStep b) {
        while (!a.done() || !b.done()) {
            if (pair.rec().interrupted() || pair.rep().interrupted()) throw new Interrupted(steps(a, b));
            pair.both(s -> {
                HostStep h = s == pair.rec() ? a : b;
                h.step(CHUNK);
                return null;
            });
        }
    }

    private static boolean limited(HostStep h) {
        HostEvent last = h.events.get(h.events.size() - 1);
        return last.kind() == 'x' && last.name().equals("limit");
    }

    private HostDifference gaveUp(HostStep a, HostStep b) {
        return HostDifference.none("not found: gave up after " + maxSteps + " host instructions and calls on a side"
                + " (--host-steps) in the TB at guest instruction " + a.regionStart() + " before the sides did anything different",
                steps(a, b));
    }

    /** A region that ended at the next TB without the guest instruction count moving. */
    private static boolean cut(HostStep h) {
        HostEvent last = h.events.get(h.events.size() - 1);
        return last.kind() == 'x' && last.name().equals("tb") && last.count() == h.regionStart();
    }

    private static long steps(HostStep a, HostStep b) {
        return Math.max(a.steps(), b.steps());
    }

    private Found found(int region, int k, HostStep a, HostStep b) {
        Both<List<String>> bt = pair.both(s -> {
            HostStep h = s == pair.rec() ? a : b;
            return h.backtrace(h.marks.get(k));
        });
        List<HostEvent> x = new ArrayList<>(), y = new ArrayList<>();
        for (int i = 0; i < a.marks.size(); i++) x.add(a.mark(i));
        for (int i = 0; i < b.marks.size(); i++) y.add(b.mark(i));
        return new Found(region, k, x, y, bt.rec(), bt.rep(), steps(a, b));
    }
}
