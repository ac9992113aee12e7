// How a search moves through time. TANDEM is this package's search; DIVERGE moves the way PANDA's
// scripts/diverge.py does, kept as a baseline to measure against.
package tandem.bisect;

import java.util.Locale;

public enum Strategy {
    /**
     * Both sides in parallel, every move forward from the nearest checkpoint, RAM hashed as rarely
     * as exactness allows. What a search costs under gdb, measured on mini-PANDA
     * ({@code scripts/bench-bisect}, {@code -Dtandem.bisect.profile=true}): a fork checkpoint ~15 ms,
     * a restart ~20 ms, a crc32 of 128 MiB RAM ~35 ms, a gdb round trip ~0.3 ms, a gdb-evaluated
     * condition on debug_counter ~0.1 ms per 2^17 guest instructions, but on cpu_loop_exec_tb
     * 40-80 us per TB (~29 instructions): TB-level moves are the expensive ones.
     * <ol>
     * <li>Scan: a debug_counter breakpoint with the condition {@code count >= target} to the
     *     counts lo + 2^17 * 2^k, one stop per target (O(log n) stops), regs/TLB compared at each;
     *     a checkpoint from a stride of 16 periods up (shorter ones are cheaper to run again). When a
     *     side ends (a failed replay aborts), the other is interrupted rather than run on.</li>
     * <li>Narrowing on regs/TLB only: first back from the upper end (a failed replay ends soon
     *     after it diverges) at debug_counter period starts, which a conditional debug_counter
     *     reaches exactly and cheaply; then bisection at period starts while the bracket holds one,
     *     TB by TB below that; a bracket of some 70 TBs is swept one TB at a time. An equal probe
     *     gets a checkpoint only when far (16K instructions) from the nearest one.</li>
     * <li>Exactness: RAM is hashed at the final equal count. Equal there, that count agrees in
     *     regs, TLB and RAM and the next common TB boundary differs: the bracket is exact. Different,
     *     RAM diverged earlier with regs and TLB equal: the last count equal in full is found among
     *     the counts the cheap signatures found equal (galloping back, nearest first), and the bracket
     *     above it is bisected again with RAM hashed at every probe.</li>
     * </ol>
     * On rr, moves need not stop at breakpoints at all: rr counts retired conditional branches
     * ("ticks"); `when-ticks` reads them and `seek-ticks N` (rr 5.4+: `define seek-ticks` is in rr 5.4.0's GdbServer.cc) moves a replay to a tick
     * count without gdb seeing a single breakpoint hit. A first pass would map, per side, guest
     * instruction counts to ticks at each debug_counter stop (one `when-ticks` per stop, no extra
     * stops); every later probe then seeks straight to the ticks of the debug_counter period
     * before it and goes TB by TB only for the last few TBs, or, with the ticks of each TB boundary
     * learned once per period, seeks to the TB itself: the TB-level hits, the largest cost left
     * here, go away, and rr's own checkpoints survive a restart, which saves the re-fork. It can't
     * be measured here (no performance counters, so no rr), so it stays a design.
     */
    TANDEM,
    /**
     * diverge.py's way (panda/scripts/diverge.py), kept honest rather than made slow: the upper
     * bound from running rep to its end in one continue (diverge.py reads rr's last event and
     * reverse-continues; without reverse execution rep runs forward with no breakpoint in the
     * way); then a bisection over [lo, hi] with ~log2(hi - lo) probes. Each probe restarts from the
     * nearest checkpoint (every position reached gets one, as diverge.py keeps), hops with a
     * conditional debug_counter to within a period, then goes TB by TB on a conditional
     * cpu_loop_exec_tb. Both conditions are diverge.py's condition_instr,
     * {@code *(uint64_t *)ADDR >= N} with ADDR the address of rr_guest_instr_count (:233-239), left to
     * gdb's default condition evaluation ("auto": the target evaluates them where it can, as rr and
     * gdbserver do; a native gdb tests each hit itself). Both sides move at once, as diverge.py's All
     * dispatches each call through ThreadPool(2) (:400-447); the side behind catches up with one
     * conditional continue to the other's count (get_closer, :533-559). Each probe compares
     * diverge.py's checksum, a crc32 of RAM and rr_checksum_regs(), and the TLB tandem hashes.
     */
    DIVERGE;

    public static Strategy parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown strategy '" + s + "': one of tandem, diverge");
        }
    }
}
