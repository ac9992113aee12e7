// One item of PANDA's nondet log: its header (guest instruction count, kind, call site) and payload.
package tandem.panda.nondet;

import java.util.Arrays;

/**
 * One item as {@code rr_write_item} wrote it (rr_log.c:280-386).
 *
 * @param index      its position in the log, from 0 (the order a replay consumes items in)
 * @param offset     where it starts in the file, in bytes (the u64 header before the first item included)
 * @param instrCount the guest instruction count it was recorded at ({@code rr_prog_point()}: guest
 *                   instructions executed before it); a replay consumes it at that count
 * @param kind       RR_log_entry_kind
 * @param callsiteId RR_callsite_id as logged ({@link #callsite()} names it)
 * @param call       for RR_SKIPPED_CALL, which call; else null
 * @param value      the value a replay hands on: an input's value (unsigned), the interrupt request,
 *                   exit request, exception index or pending interrupts; for a skipped call, its
 *                   byte (serial calls), {@code now} (RR_TIMER_EXPIRE), the cause (RR_STORE_CAUSE) or
 *                   {@code require}; null when it has none (RR_END_OF_LOG, buffer-carrying calls)
 * @param detail     the other fields of a skipped call's args that mean something across processes
 *                   (addresses, lengths, a region's name); empty otherwise
 * @param bytes      the whole item as it is in the file, header included
 */
public record NondetItem(int index, long offset, long instrCount, NondetKind kind, int callsiteId, SkippedCall call,
                         Long value, String detail, byte[] bytes) {

    /** PANDA's name of the call site. */
    public String callsite() {
        return Callsites.name(callsiteId);
    }

    /** The value in hex, or "-" for an item without one. */
    public String valueText() {
        return value == null ? "-" : String.format("0x%x", value);
    }

    /** The same item byte for byte (its place in the log aside). */
    public boolean sameAs(NondetItem other) {
        return other != null && Arrays.equals(bytes, other.bytes);
    }

    /**
     * As PANDA's rr_spit_log_entry prints it (rr_log.c:160-208), with the position, value and any detail:
     * {@code #12 {guest_instr_count=992112} RR_INPUT_8 from RR_CALLSITE_IO_READ_ALL 0x60}.
     */
    @Override
    public String toString() {
        String what = kind == NondetKind.RR_SKIPPED_CALL ? kind + " (" + call + ")" : kind.toString();
        String from = kind == NondetKind.RR_END_OF_LOG ? "" : " from " + callsite();
        String v = value == null ? "" : " " + valueText();
        String d = detail.isEmpty() ? "" : " " + detail;
        return "#" + index + " {guest_instr_count=" + instrCount + "} " + what + from + v + d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NondetItem i && i.index == index && i.offset == offset && Arrays.equals(i.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(offset) + Arrays.hashCode(bytes);
    }
}
