// PANDA's nondet log (NAME-rr-nondet.log), read item by item, and copies of it with one input
// value changed: how the real-PANDA specs inject a fault whose place they know.
package tandem.real

import groovy.transform.CompileStatic

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path

/**
 * The layout is PANDA's (branch mips_serious_rec_attempt, aa98eab5), panda/src/rr/rr_log.c:
 * rr_create_record_log writes a u64 header (the last guest instruction count), then
 * rr_write_item writes every item as u64 guest instruction count, u8 kind, u8 callsite, and the
 * kind's payload, in the host's byte order (little-endian on x86-64). Payload sizes are the
 * sizeof of the C fields on x86-64 (structs with their padding and pointer fields, read with gdb
 * `ptype /o` from the debug build); RR_SKIPPED_CALL adds a u8 call kind, the call's args struct
 * and, for four call kinds, a buffer whose length is a field of that struct.
 */
@CompileStatic
class NondetLog {
    /** RR_log_entry_kind (panda/include/panda/rr/rr_log_all.h, FOREACH_LOGTYPE). */
    static final List<String> KINDS = ['RR_INPUT_1', 'RR_INPUT_2', 'RR_INPUT_4', 'RR_INPUT_8',
            'RR_INTERRUPT_REQUEST', 'RR_EXIT_REQUEST', 'RR_SKIPPED_CALL', 'RR_END_OF_LOG',
            'RR_PENDING_INTERRUPTS', 'RR_EXCEPTION'].asImmutable()

    /** Payload bytes of each kind but RR_SKIPPED_CALL (rr_write_item's RR_WRITE_ITEM fields). */
    static final Map<String, Integer> PAYLOAD = [RR_INPUT_1: 1, RR_INPUT_2: 2, RR_INPUT_4: 4, RR_INPUT_8: 8,
            RR_INTERRUPT_REQUEST: 4, RR_EXIT_REQUEST: 2, RR_END_OF_LOG: 0, RR_PENDING_INTERRUPTS: 4,
            RR_EXCEPTION: 4].asImmutable()

    /** RR_callsite_id (rr_log_all.h, FOREACH_CALLSITE), in order. */
    static final List<String> CALLSITES = ['CPU_HANDLE_INTERRUPT_BEFORE', 'CPU_HANDLE_INTERRUPT_INTNO',
            'CPU_HANDLE_INTERRUPT_AFTER', 'RDTSC', 'IO_READ_ALL', 'IO_WRITE_ALL', 'MAIN_LOOP_WAIT',
            'DO_SMM_ENTER', 'HELPER_RSM', 'READ_8', 'READ_4', 'READ_2', 'READ_1', 'WRITE_8', 'WRITE_4',
            'WRITE_2', 'WRITE_1', 'END_OF_LOG', 'CPU_PENDING_INTERRUPTS_BEFORE',
            'CPU_PENDING_INTERRUPTS_AFTER', 'CPU_EXCEPTION_INDEX', 'IDE_SECTOR_READ', 'IDE_SECTOR_WRITE',
            'IDE_DMA_CB', 'IDE_DATA_WRITEW', 'IDE_DATA_WRITEL', 'IDE_DATA_READW', 'IDE_DATA_READL',
            'E1000_RECEIVE_1', 'E1000_RECEIVE_2', 'E1000_RECEIVE_3', 'E1000_RECEIVE_MEMCPY_1',
            'E1000_XMIT_SEG_1', 'E1000_XMIT_SEG_2', 'E1000_PROCESS_TX_DESC_1', 'E1000_PROCESS_TX_DESC_2',
            'E1000_PROCESS_TX_DESC_MEMMOVE_1', 'E1000_PROCESS_TX_DESC_MEMMOVE_2', 'E1000_TXDESC_WRITEBACK',
            'E1000_START_XMIT', 'SERIAL_RECEIVE', 'SERIAL_READ', 'SERIAL_SEND', 'SERIAL_WRITE',
            'CP0_COUNT', 'CP0_RANDOM', 'LAST'].collect { 'RR_CALLSITE_' + it }.asImmutable()

    /**
     * RR_skipped_call_kind (rr_log_all.h, FOREACH_SKIPCALL) → [args struct bytes, offset and
     * width of the struct's buffer length field, or null when no buffer follows].
     */
    static final Map<String, List<Integer>> SKIPPED_CALLS = (Map<String, List<Integer>>) [
            RR_CALL_CPU_MEM_RW         : [24, 16, 4],   // RR_cpu_mem_rw_args {addr, buf, u32 len}
            RR_CALL_MEM_REGION_CHANGE  : [40, 24, 4],   // RR_mem_region_change_args {.., char *name, u32 len, ..}
            RR_CALL_CPU_MEM_UNMAP      : [24, 16, 8],   // RR_cpu_mem_unmap {addr, buf, hwaddr len}
            RR_CALL_HD_TRANSFER        : [32, null, null],
            RR_CALL_NET_TRANSFER       : [32, null, null],
            RR_CALL_HANDLE_PACKET      : [16, 8, 4],    // RR_handle_packet_args {buf, u32 size, u8 direction}
            RR_CALL_SERIAL_RECEIVE     : [16, null, null],
            RR_CALL_SERIAL_READ        : [16, null, null],
            RR_CALL_SERIAL_SEND        : [16, null, null],
            RR_CALL_SERIAL_WRITE       : [16, null, null],
            RR_CALL_CPU_REG_WRITE      : [24, 20, 4],   // RR_cpu_reg_write_args {cpu_index, buf, reg, int len}
            RR_TIMER_EXPIRE            : [8, null, null],
            RR_STORE_CAUSE             : [4, null, null],
            RR_STORE_CPU_INTERRUPT_HARD: [1, null, null],
    ].asImmutable()
    static final List<String> SKIPPED_CALL_KINDS = SKIPPED_CALLS.keySet() as List

    /** One item: where it is in the file, its header, and (for RR_INPUT_*) its value. */
    static final class Item {
        final long offset
        final long instrCount
        final String kind
        final String callsite
        final String skippedCall
        final int length
        final Long value

        Item(long offset, long instrCount, String kind, String callsite, String skippedCall, int length, Long value) {
            this.offset = offset; this.instrCount = instrCount; this.kind = kind; this.callsite = callsite
            this.skippedCall = skippedCall; this.length = length; this.value = value
        }

        boolean isInput() { kind.startsWith('RR_INPUT_') }

        /** Where the value of an RR_INPUT_* item is: after the 10-byte header. */
        long valueOffset() { offset + 10 }

        String toString() {
            "{guest_instr_count=$instrCount} $kind from $callsite" + (skippedCall ? " $skippedCall" : '') +
                    (value != null ? String.format(' value 0x%x', value) : '') + " @$offset"
        }
    }

    final Path file
    /** The header: the guest instruction count of the last item written. */
    final long lastInstrCount
    final List<Item> items

    private NondetLog(Path file, long lastInstrCount, List<Item> items) {
        this.file = file; this.lastInstrCount = lastInstrCount; this.items = items.asImmutable()
    }

    /** Reads every item of {@code file}; an unknown kind or a short file is an error naming the offset. */
    static NondetLog read(Path file) {
        def buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN)
        if (buf.remaining() < 8) throw new IllegalArgumentException("$file: ${buf.remaining()} bytes, not a nondet log")
        long last = buf.getLong()
        List<Item> items = []
        while (buf.hasRemaining()) {
            int start = buf.position()
            try {
                items << readItem(buf)
            } catch (java.nio.BufferUnderflowException ignored) {
                throw new IllegalArgumentException("$file: item at byte $start is cut short")
            }
        }
        new NondetLog(file, last, items)
    }

    private static Item readItem(ByteBuffer buf) {
        int start = buf.position()
        long count = buf.getLong()
        int kindId = buf.get() & 0xff
        int callsiteId = buf.get() & 0xff
        if (kindId >= KINDS.size()) throw new IllegalArgumentException("unknown item kind $kindId at byte $start")
        String kind = KINDS[kindId]
        String callsite = callsiteId < CALLSITES.size() ? CALLSITES[callsiteId] : "callsite $callsiteId"
        String call = null
        Long value = null
        if (kind == 'RR_SKIPPED_CALL') {
            int callId = buf.get() & 0xff
            if (callId >= SKIPPED_CALL_KINDS.size()) throw new IllegalArgumentException("unknown skipped call $callId at byte $start")
            call = SKIPPED_CALL_KINDS[callId]
            List<Integer> layout = SKIPPED_CALLS[call]
            int size = layout[0]
            Integer lenAt = layout[1], lenWidth = layout[2]
            int argsAt = buf.position()
            long extra = lenAt == null ? 0 : (lenWidth == 8 ? buf.getLong(argsAt + lenAt) : buf.getInt(argsAt + lenAt) & 0xffffffffL)
            buf.position(Math.toIntExact(argsAt + size + extra))
        } else {
            int size = PAYLOAD[kind]
            switch (size) {
                case 1: value = buf.get() & 0xffL; break
                case 2: value = buf.getShort() & 0xffffL; break
                case 4: value = kind.startsWith('RR_INPUT') ? buf.getInt() & 0xffffffffL : (long) buf.getInt(); break
                case 8: value = buf.getLong(); break
                default: buf.position(buf.position() + size)
            }
            if (!kind.startsWith('RR_INPUT')) value = null
        }
        new Item(start, count, kind, callsite, call, buf.position() - start, value)
    }

    /**
     * Writes a copy of this log to {@code to} with the value of {@code item} (an RR_INPUT_* item
     * of this log) replaced by {@code newValue}; everything else byte for byte the same.
     */
    Path copyWithValue(Item item, long newValue, Path to) {
        if (!item.input) throw new IllegalArgumentException("$item is not an input item")
        if (!items.contains(item)) throw new IllegalArgumentException("$item is not an item of $file")
        byte[] bytes = Files.readAllBytes(file)
        int width = PAYLOAD[item.kind]
        def value = ByteBuffer.wrap(bytes, Math.toIntExact(item.valueOffset()), width).order(ByteOrder.LITTLE_ENDIAN)
        switch (width) {
            case 1: value.put((byte) newValue); break
            case 2: value.putShort((short) newValue); break
            case 4: value.putInt((int) newValue); break
            default: value.putLong(newValue)
        }
        Files.write(to, bytes)
        to
    }

    /** Number of items of each kind, for messages and checks. */
    Map<String, Integer> countByKind() {
        Map<String, Integer> counts = [:]
        for (Item it : items) counts[it.kind] = (counts[it.kind] ?: 0) + 1
        counts
    }
}
