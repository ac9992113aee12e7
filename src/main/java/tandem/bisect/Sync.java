// Bringing rec and rep to one TB boundary both have: the one loop the probes and the sweep meet
// in, and what a meeting tells of a side that runs its TBs chained.
package tandem.bisect;

import tandem.debugger.OpStats;
import tandem.panda.PandaAdvice;
import tandem.panda.PandaException;
import tandem.panda.PandaSession;

import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

final class Sync {
    /** sync gave up after its most moves: no TB boundary common to both sides within reach. */
    static final long NO_COMMON_BOUNDARY = -2;
    /**
     * Sync moves a bisection probe makes before it gives up on finding a TB boundary both sides
     * have: the sides leapfrog one TB at a time for hundreds of TBs once a divergence has changed
     * their TB boundaries (a TLB flush makes rep take refill exceptions rec never takes), and such
     * a probe is past the divergence anyway. The sweep at the end syncs without a limit: it is
     * what makes the bracket exact.
     */
    static final int PROBE_SYNC_MOVES = 32;
    /** Guest instructions, some 100,000 TBs: as far as a probe's sync looks for a TB boundary both sides have. */
    static final long MAX_SYNC_SPAN = 4_000_000;

    /**
     * How a sync moves a side: one TB on ({@code oneTb}), and on to the first TB at or after a count
     * ({@code toCount}), each false when the side ends. {@code spanLimited}: refused past
     * MAX_SYNC_SPAN; {@code stepEndMeets}: when the extra step at a shared count ends the side, the
     * sides still meet at that count (the sweep compares there) instead of failing.
     */
    record Moves(Predicate<Side> oneTb, BiPredicate<Side, Long> toCount, boolean spanLimited, boolean stepEndMeets) {
    }

    /** A probe's moves: tandem's TB breakpoint, a condition per catch-up (diverge.py's get_closer). */
    static final Moves PROBE = new Moves(s -> OpStats.time("sync step", s::nextTb),
            (s, n) -> OpStats.time("sync move", () -> s.tbAtOrAfter(n)), true, false);
    /** The sweep's moves, between Side.beginSweep and endSweep, with its armed watch. */
    static final Moves SWEEP = new Moves(Side::sweepStep, Side::sweepTo, false, true);

    /** A side that, moved to the first stop at or after one count, landed past the other's: the last sync's, until compared. */
    private record Skip(Side side, long skipped, long landed) {
    }

    private final Side rec;
    private final Side rep;
    private final Consumer<String> note;
    private volatile Skip pendingSkip;
    /** The first TB boundary a side was seen to run through (it chains TBs), or null. */
    private volatile TbBoundaries chained;

    Sync(Side rec, Side rep, Consumer<String> note) {
        this.rec = rec;
        this.rep = rep;
        this.note = note;
    }

    /**
     * Both sides from counts a (rec) and b (rep) to the same TB boundary: the side behind moves to
     * the first TB at or after the other's count, in one continue, until the two meet (after a
     * divergence their TB boundaries can stay apart for hundreds of TBs). Returns the count, -1 if
     * a side ends, NO_COMMON_BOUNDARY after {@code maxMoves} moves without meeting.
     * <p>
     * A side whose TBs are chained (PANDA recording without {@code -d nochain}) stops only where a
     * chain returns to PANDA's loop: the sides meet at the boundaries both have. When they meet at
     * a count whose stops are not the same point (PANDA stops twice at one count when a TB faults
     * at its first instruction, and a chain hides the first of the two), the side that stops at
     * every TB takes one more step.
     */
    long meet(Moves how, long a, long b, int maxMoves) {
        long from = Math.min(a, b);
        // moved to the first stop at or after one count, a side that lands further skipped the other's stop
        Side skipped = a > b ? rec : b > a ? rep : null;
        if (skipped != null) pendingSkip = new Skip(skipped, Math.min(a, b), Math.max(a, b));
        boolean stepped = false;
        for (int moves = 0; ; moves++) {
            if (a == b) {
                Side chained = skipped != null ? skipped : rec.chains() ? rec : rep.chains() ? rep : null;
                if (stepped || chained == null) return a;
                Side full = chained == rec ? rep : rec;
                if (chained.session.pc() == full.session.pc()) return a;
                stepped = true;
                boolean stepOk = how.oneTb().test(full);
                if (!how.stepEndMeets() && chained.chains() && (!stepOk || full.lastSeen() != a)) {
                    // the other side is known to chain, and the side that stops at every TB has no
                    // second stop at this count: the PCs differ at one count, which is a difference
                    // of the states (an interrupt taken on one side only), so that side goes back to
                    // its stop there and the two meet at it. (A side that merely landed further after
                    // a divergence is not known to chain: those sides share no boundary, as before.)
                    return full.moveTo(a, false) && full.lastSeen() == a ? a : -1;
                }
                if (!stepOk) return how.stepEndMeets() ? a : -1;
                if (full == rec) a = rec.lastSeen();
                else b = rep.lastSeen();
                continue;
            }
            if (moves >= maxMoves) return NO_COMMON_BOUNDARY;
            if (how.spanLimited() && Math.max(a, b) - from > MAX_SYNC_SPAN) {
                throw new PandaException("rec and rep share no TB boundary within " + MAX_SYNC_SPAN
                        + " guest instructions of " + from + ": their TB boundaries never meet (are TB chaining or the icount budget different?)");
            }
            Side behind = a < b ? rec : rep;
            long goal = Math.max(a, b);
            // diverge.py's get_closer too: `cpu_loop_exec_tb` if count >= the other's, one continue
            if (!how.toCount().test(behind, goal)) return -1;
            if (behind == rec) a = rec.lastSeen();
            else b = rep.lastSeen();
        }
    }

    /**
     * After a comparison at the count the last sync reached: a side that skipped the other's TB
     * boundary while both states still agree runs its TBs chained. Said once, with what it costs.
     */
    void compared(boolean same) {
        Skip skip = pendingSkip;
        pendingSkip = null;
        if (skip == null || !same) return;
        Side s = skip.side();
        Side other = s == rec ? rep : rec;
        // PANDA chains TBs only while recording (cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`):
        // a replay that lands past the other's boundary stopped twice at one count on the other side
        if (s.chains() || s.session.role() == PandaSession.Role.REPLAY) return;
        s.chains(true);
        String seen = s.name + " runs TBs chained: it stopped at " + skip.landed() + ", past " + other.name + "'s TB boundary at "
                + skip.skipped();
        if (chained == null) chained = new TbBoundaries(s.name, -1, skip.skipped(), skip.landed(), true, seen);
        note.accept(seen + " (" + chainingAdvice(s) + ")");
    }

    /** The first TB boundary of one side the other was seen to run through (it chains TBs), or null. */
    TbBoundaries chained() {
        return chained;
    }

    /** What chaining on a side costs the search, and the fix. */
    static String chainingAdvice(Side s) {
        return s.session.role() == PandaSession.Role.RECORD ? PandaAdvice.NOCHAIN
                : "cpu_loop_exec_tb and debug_counter see only the first TB of each chain on " + s.name
                + ": the divergence found can lie anywhere in a chain of TBs";
    }
}
