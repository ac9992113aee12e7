// The narrowing's last stretch, and its every stretch where going back re-executes: forward
// passes that compare evenly spaced counts (moved to, or sampled by a trace), the TB-by-TB sweep
// (with watchpoints armed for the analysis when that saves a run back), and the traced stretch
// that records every TB's signature in one continue per side.
package tandem.bisect;

import tandem.debugger.OpStats;
import tandem.panda.Both;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;

import java.util.List;

final class Sweep {
    /** A bracket this narrow (guest instructions, some 70 TBs) is swept TB by TB rather than bisected. */
    static final long SWEEP_BELOW = 2048;
    /** Compared counts per forward pass over a bracket where going back re-executes. */
    private static final int PASS_PROBES = 64;
    /** Guest instructions at the start of each sample stride whose TBs a sampled pass records. */
    private static final long SAMPLE_WINDOW = 32;
    /** Moves a sweep's sync makes before it gives up on the sides meeting. */
    private static final int MAX_SYNC_STEPS = 100_000;

    /**
     * What a forward pass leaves: the bracket (its {@code differs}: the pass found the states
     * differing at its differ), the upper end past which the pass learnt nothing, and whether
     * both sides stand at the bracket's equal count.
     */
    record Pass(Bracket bracket, long upper, boolean atEqual) {
    }

    private final Search b;
    private final Side rec;
    private final Side rep;

    Sweep(Search b) {
        this.b = b;
        this.rec = b.rec;
        this.rep = b.rep;
    }

    /**
     * Where going back re-executes: one pass forward over the bracket from its equal end, both
     * sides stopping at PASS_PROBES evenly spaced counts and comparing the cheap signatures there.
     * Each move stops once where PANDA's loop passes the count (LoopPassHop, tandem.panda.time), against
     * some 2.7 ms for each TB of a TB-by-TB sweep on real PANDA. The bracket becomes the stretch
     * from the last equal probe to the first differing one (or to a side's end, or to a probe
     * whose sides share no TB boundary nearby): one re-execution then gets the sweep there.
     * Null when the sides can't be brought to the equal count.
     */
    Pass forwardPass(long equal, long differ, long upper, boolean atEqual, boolean upperIsEnd) {
        if (!atEqual) {
            if (!b.bothTo(equal)) return null;
        }
        long step = Math.max(1, (upper - equal) / PASS_PROBES);
        long e = equal;
        long m = equal + step;
        while (m < upper) {
            // a failed replay ends right after it diverges (and nothing past hi is compared): a probe
            // past the end would leave the sides there, and the sweep would run them again from
            // their start to come back; sweep (or trace) from here
            if (upperIsEnd && upper - e <= SWEEP_BELOW) return new Pass(new Bracket(e, differ, false), upper, true);
            long goal = m;
            Both<Boolean> moved = b.both(s -> s.moveTo(goal, false));
            long c = moved.rec() && moved.rep() ? b.sync(Sync.PROBE_SYNC_MOVES) : -1;
            if (c == Sync.NO_COMMON_BOUNDARY) b.upperUnsure = true;
            if (c < 0 || c >= upper) return new Pass(new Bracket(e, differ, false), Math.min(upper, m), false);
            Search.Probe p = b.compareHere(c, s -> b.passSignature(s, true));
            b.compared(p.same());
            if (!p.same()) return new Pass(Bracket.differing(e, c), c, false);
            e = c;
            b.cheapSame.add(c);
            b.progress("narrow", e, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - e)));
            m = Math.max(m + step, c + 1);
        }
        return new Pass(new Bracket(e, differ, false), upper, true);
    }

    /**
     * forwardPass where both sides can trace: one sampled trace per side from the equal count,
     * recording the TBs in the first SAMPLE_WINDOW guest instructions of every stride of about a
     * PASS_PROBES-th of the bracket, instead of a move and a read per probe. Where the target
     * tests conditions (gdbserver, rr) only those hits reach gdb. Where the upper end is the end,
     * it stops SWEEP_BELOW short of it, as forwardPass does, so the sides need not run again from
     * their start to come back.
     */
    Pass sampledPass(long equal, long differ, long upper, boolean atEqual, boolean upperIsEnd) {
        if (!atEqual) {
            if (!b.bothTo(equal)) return null;
        }
        long sample = Math.max(2 * SAMPLE_WINDOW, (upper - equal) / PASS_PROBES);
        long stopAt = upperIsEnd ? Math.max(equal + 1, upper - SWEEP_BELOW) : upper;
        var found = new Object() {
            long e = equal;
            long d = -1;
        };
        try {
            Both<List<Signature>> rows = b.both(s -> s.sampledTrace(stopAt, sample, SAMPLE_WINDOW));
            TraceRows.walk(rows.rec(), rows.rep(), new int[]{0, 0}, false, (c, x, y) -> {
                if (c <= equal) return true;
                if (c > upper) return false;
                b.log.probes++;
                b.log.saw(c, x, y);
                boolean same = x.differences(y).isEmpty();
                b.compared(same);
                if (!same) {
                    found.d = c;
                    return false;
                }
                found.e = c;
                b.cheapSame.add(c);
                return true;
            });
        } finally {
            b.endTraces();
        }
        long e = found.e, d = found.d;
        b.progress("narrow", e, d >= 0 ? d : differ, 64 - Long.numberOfLeadingZeros(Math.max(1, (d >= 0 ? d : upper) - e)));
        if (d >= 0) return new Pass(Bracket.differing(e, d), d, false);
        boolean together = !rec.ended() && !rep.ended() && rec.lastSeen() == e && rep.lastSeen() == e;
        return new Pass(new Bracket(e, differ, false), upper, together);
    }

    /**
     * Both sides TB by TB from the equal count to the upper end, comparing the cheap signatures
     * at each common boundary: cheaper than bisecting a few TBs, each probe of which restarts.
     * Returns the bracket, differing when the sweep found a state difference (otherwise it met an
     * end), or null when the sides can't be brought to the equal count.
     */
    Bracket sweep(long equal, long differ, long upper, boolean atEqual) {
        if (!atEqual) {
            if (!b.bothTo(equal)) return null;
        }
        // the RAM check and the watchpoints come back to the sweep's last equal count: from here,
        // not from a checkpoint hundreds of TBs back
        b.keepCheckpointIfFar(equal, SWEEP_BELOW);
        List<Location> toWatch = b.watchInSweep;
        b.watchInSweep = null;
        b.sweptWatch = null;
        if (toWatch != null && !toWatch.isEmpty()) {
            b.both(s -> {
                s.armWatch(toWatch, rec);
                return null;
            });
        }
        b.both(s -> {
            s.beginSweep();
            return null;
        });
        try {
            long e = equal;
            while (true) {
                // one continue per side per TB; the side behind catches up the same way
                Both<Boolean> moved = b.both(Side::sweepStep);
                long c = moved.rec() && moved.rep() ? b.sync.meet(Sync.SWEEP, rec.lastSeen(), rep.lastSeen(), MAX_SYNC_STEPS) : -1;
                if (c < 0 || c >= differ) return new Bracket(e, differ, false);
                Search.Probe p = b.compareHere(c, s -> b.passSignature(s, true));
                b.compared(p.same());
                if (!p.same()) return Bracket.differing(e, c);
                e = c;
                // an upper end set by a probe that found no common boundary is no end: go on to differ
                if (c >= upper && !b.upperUnsure) return new Bracket(e, differ, false);
            }
        } finally {
            for (Side s : List.of(rec, rep)) {
                try {
                    s.endSweep();
                } catch (RuntimeException ignored) {
                    // a side that exited has no breakpoints to disable
                }
            }
            ArmedWatch r = rec.disarmWatch(), q = rep.disarmWatch();
            if (r != null && q != null) b.sweptWatch = new Both<>(r, q);
        }
    }

    /**
     * Where going back re-executes (a failed replay's last stretch, hi's, or a stretch whose
     * end {@code differ} is known to differ, when {@code differKnown}; the sides at
     * {@code equal}): instead of the TB-by-TB sweep, one continue per side to the upper end
     * with every TB's cheap signature recorded by gdb's Python (Trace), some 0.35 ms per TB
     * against some 4 ms, the sides running apart. The rows are compared at the counts both sides
     * have (where their TB boundaries part, at the next one they share, as the sweep's sync does).
     * At the first that differs, what differs (read by the trace) becomes the analysis' watch, and
     * the sides run again to the last equal TB: the one run back the analysis would take anyway.
     * Returns the bracket, differing when a state difference was found (the sides at its equal
     * TB then); otherwise with the sides past it.
     */
    Bracket traceStretch(long equal, long differ, long upper, boolean differKnown) {
        OpStats.phase("4 narrow: trace");
        var found = new Object() {
            long e = equal;
            long d = -1;
            int[] at;
        };
        try {
            Both<List<Signature>> rows = b.both(s -> b.endsStopOther(s, s.trace(PandaNames.EXEC_TB, upper, 0, true)));
            int[] walked = {0, 0};
            TraceRows.walk(rows.rec(), rows.rep(), walked, false, (c, x, y) -> {
                // a count known to differ is compared too: it may be the first TB that does
                if (c > differ || c == differ && !differKnown) return false;
                b.log.probes++;
                b.log.saw(c, x, y);
                if (!x.differences(y).isEmpty()) {
                    found.d = c;
                    found.at = walked.clone();
                    return false;
                }
                found.e = c;
                // as the sweep: an upper end set by a probe that found no common boundary is no end
                return !(c >= upper && !b.upperUnsure);
            });
            b.progress("narrow", found.e, found.d >= 0 ? found.d : differ, 1);
            if (found.d < 0) return new Bracket(found.e, differ, false);
            int ri = found.at[0], qi = found.at[1];
            Both<byte[][]> bytes = b.both(s -> s.tracedBytes(s == rec ? ri : qi));
            b.watchFromEqual = new Analysis(b).watchLocationsFrom(bytes.rec(), bytes.rep());
        } finally {
            b.endTraces();
        }
        long lastEqual = found.e;
        if (!b.bothTo(lastEqual)) {
            throw new PandaException("can't get both sides back to guest instruction " + lastEqual + " (" + b.endedSides() + ")");
        }
        return Bracket.differing(lastEqual, found.d);
    }
}
