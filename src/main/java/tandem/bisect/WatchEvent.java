// A write one side made to a watched location between the last equal count and the first
// differing one: what was written, by which code, at which guest instruction count.
package tandem.bisect;

import java.util.List;

public record WatchEvent(String side, String what, long instr, long value, List<String> backtrace) {

    /**
     * The frame of the code that wrote: the first that is the program's own, not the C library's
     * (a write by memset or memcpy is made for its caller: mp_tlb_flush, not
     * __memset_avx2_unaligned_erms at ../sysdeps/...).
     */
    public String function() {
        return backtrace.stream().filter(f -> !f.contains("sysdeps/") && !f.contains("libc.so")).findFirst()
                .orElse(backtrace.isEmpty() ? "??" : backtrace.get(0));
    }

    /** Same write on the other side: same location, same value. */
    public boolean sameAs(WatchEvent o) {
        return o != null && what.equals(o.what) && value == o.value;
    }

    @Override
    public String toString() {
        return String.format("%s wrote 0x%x to %s at guest instruction %d in %s", side, value, what, instr,
                tandem.debugger.Frame.brief(function()));
    }
}
