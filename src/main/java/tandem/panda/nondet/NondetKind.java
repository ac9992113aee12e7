// The kinds of item in PANDA's nondet log: RR_log_entry_kind, by PANDA's names and numbers.
package tandem.panda.nondet;

/**
 * {@code RR_log_entry_kind} in the order of {@code FOREACH_LOGTYPE} (panda/include/panda/rr/rr_log_all.h
 * of the notes' branch, aa98eab5): the number is the byte after an item's guest instruction count.
 * {@link #payloadBytes} is what {@code rr_write_item} (panda/src/rr/rr_log.c:296-386) writes after the
 * header for each kind, {@code sizeof} of the field on an x86-64 host; -1 for RR_SKIPPED_CALL, whose
 * payload depends on its call kind ({@link SkippedCall}).
 */
public enum NondetKind {
    RR_INPUT_1(1),
    RR_INPUT_2(2),
    RR_INPUT_4(4),
    RR_INPUT_8(8),
    /** {@code int32_t interrupt_request}: cpu->interrupt_request from then on. */
    RR_INTERRUPT_REQUEST(4),
    /** {@code uint16_t exit_request}. */
    RR_EXIT_REQUEST(2),
    RR_SKIPPED_CALL(-1),
    /** No payload: rr_do_end_record writes it once, at the recording's last count. */
    RR_END_OF_LOG(0),
    /** {@code uint32_t pending_interrupts} (PPC). */
    RR_PENDING_INTERRUPTS(4),
    /** {@code int32_t exception_index}. */
    RR_EXCEPTION(4);

    private final int payloadBytes;

    NondetKind(int payloadBytes) {
        this.payloadBytes = payloadBytes;
    }

    int payloadBytes() {
        return payloadBytes;
    }

    /** An input value the guest reads (RR_INPUT_1 to RR_INPUT_8). */
    public boolean isInput() {
        return ordinal() <= RR_INPUT_8.ordinal();
    }

    /** The kind numbered {@code id} in the log, or null for a number PANDA does not write. */
    static NondetKind of(int id) {
        NondetKind[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }
}
