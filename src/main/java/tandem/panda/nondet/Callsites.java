// The call sites PANDA's nondet log names: RR_callsite_id, by PANDA's names and numbers.
package tandem.panda.nondet;

import java.util.List;

/**
 * {@code RR_callsite_id} in the order of {@code FOREACH_CALLSITE} (rr_log_all.h of the notes' branch,
 * aa98eab5): the second byte after an item's guest instruction count. A replay consumes an item only
 * at the call site it was recorded at ({@code get_next_entry_checked}, rr_log.c:1002).
 */
public final class Callsites {
    private Callsites() {
    }

    static final List<String> NAMES = List.of(
            "RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE", "RR_CALLSITE_CPU_HANDLE_INTERRUPT_INTNO",
            "RR_CALLSITE_CPU_HANDLE_INTERRUPT_AFTER", "RR_CALLSITE_RDTSC", "RR_CALLSITE_IO_READ_ALL",
            "RR_CALLSITE_IO_WRITE_ALL", "RR_CALLSITE_MAIN_LOOP_WAIT", "RR_CALLSITE_DO_SMM_ENTER",
            "RR_CALLSITE_HELPER_RSM", "RR_CALLSITE_READ_8", "RR_CALLSITE_READ_4", "RR_CALLSITE_READ_2",
            "RR_CALLSITE_READ_1", "RR_CALLSITE_WRITE_8", "RR_CALLSITE_WRITE_4", "RR_CALLSITE_WRITE_2",
            "RR_CALLSITE_WRITE_1", "RR_CALLSITE_END_OF_LOG", "RR_CALLSITE_CPU_PENDING_INTERRUPTS_BEFORE",
            "RR_CALLSITE_CPU_PENDING_INTERRUPTS_AFTER", "RR_CALLSITE_CPU_EXCEPTION_INDEX",
            "RR_CALLSITE_IDE_SECTOR_READ", "RR_CALLSITE_IDE_SECTOR_WRITE", "RR_CALLSITE_IDE_DMA_CB",
            "RR_CALLSITE_IDE_DATA_WRITEW", "RR_CALLSITE_IDE_DATA_WRITEL", "RR_CALLSITE_IDE_DATA_READW",
            "RR_CALLSITE_IDE_DATA_READL", "RR_CALLSITE_E1000_RECEIVE_1", "RR_CALLSITE_E1000_RECEIVE_2",
            "RR_CALLSITE_E1000_RECEIVE_3", "RR_CALLSITE_E1000_RECEIVE_MEMCPY_1", "RR_CALLSITE_E1000_XMIT_SEG_1",
            "RR_CALLSITE_E1000_XMIT_SEG_2", "RR_CALLSITE_E1000_PROCESS_TX_DESC_1",
            "RR_CALLSITE_E1000_PROCESS_TX_DESC_2", "RR_CALLSITE_E1000_PROCESS_TX_DESC_MEMMOVE_1",
            "RR_CALLSITE_E1000_PROCESS_TX_DESC_MEMMOVE_2", "RR_CALLSITE_E1000_TXDESC_WRITEBACK",
            "RR_CALLSITE_E1000_START_XMIT", "RR_CALLSITE_SERIAL_RECEIVE", "RR_CALLSITE_SERIAL_READ",
            "RR_CALLSITE_SERIAL_SEND", "RR_CALLSITE_SERIAL_WRITE", "RR_CALLSITE_CP0_COUNT",
            "RR_CALLSITE_CP0_RANDOM", "RR_CALLSITE_LAST");

    /** PANDA's name of call site {@code id}; a number PANDA has no name for as "callsite N". */
    public static String name(int id) {
        return id >= 0 && id < NAMES.size() ? NAMES.get(id) : "callsite " + id;
    }
}
