// The one walk over two sides' trace rows (Side.trace): rows paired in order, at the counts both
// sides have, for the scan, the sampled pass and the traced stretch.
package tandem.bisect;

import java.util.List;

final class TraceRows {
    private TraceRows() {
    }

    /** What a walk does with each pair of rows at one count; false stops the walk at that pair. */
    interface Visit {
        boolean at(long count, Signature rec, Signature rep);
    }

    /**
     * Visits rows {@code a} (rec's) and {@code b} (rep's) in order from {@code at} = {ia, ib},
     * left at the pair the walk stopped at (or past the shorter list). {@code pairwise}: rows pair
     * by position, and a pair whose counts differ is visited at the lower (where both sides are
     * replays, which never chain TBs, cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`,
     * different counts mean different TB boundaries, a divergence at the lower); otherwise a row
     * whose count the other side lacks is passed over, and pairs meet where sync would.
     */
    static void walk(List<Signature> a, List<Signature> b, int[] at, boolean pairwise, Visit visit) {
        while (at[0] < a.size() && at[1] < b.size()) {
            Signature x = a.get(at[0]), y = b.get(at[1]);
            if (!pairwise && x.instr() != y.instr()) {
                at[x.instr() < y.instr() ? 0 : 1]++;
                continue;
            }
            if (!visit.at(Math.min(x.instr(), y.instr()), x, y)) return;
            at[0]++;
            at[1]++;
        }
    }
}
