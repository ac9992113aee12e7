// How a search moves through time. TANDEM is this package's search; DIVERGE moves the way PANDA's
// scripts/diverge.py does, kept as a baseline to measure against.
package tandem.bisect;

import java.util.Locale;

public enum Strategy {
    /**
     * Both sides in parallel; a forward scan that stops only at debug_counter (every 2^17 guest
     * instructions) comparing cheap signatures (rr_checksum_regs/tlb), then full signatures with
     * RAM crc32 only inside the bracket it found, moving forward from checkpoints.
     */
    TANDEM,
    /**
     * diverge.py's way: the upper bound from a run of rep to its end, then a bisection over
     * [lo, hi], each probe moved by debug_counter then per-TB conditional breakpoints that gdb
     * evaluates, one side after the other, with every checksum taken at every probe.
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
