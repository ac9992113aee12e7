// The calls an RR_SKIPPED_CALL item replays: RR_skipped_call_kind, with each one's payload layout.
package tandem.panda.nondet;

/**
 * {@code RR_skipped_call_kind} in the order of {@code FOREACH_SKIPCALL} (rr_log_all.h of the notes'
 * branch, aa98eab5): the byte after an RR_SKIPPED_CALL item's header. {@code rr_write_item}
 * (rr_log.c:321-380) then writes the call's args struct whole ({@code sizeof} on an x86-64 host, with
 * its padding and its pointer fields, whose values mean nothing in another process) and, for four
 * kinds, a buffer whose length is a field of that struct.
 *
 * <p>Struct layouts (rr_log.h, rr_log_all.h; hwaddr is a u64): offsets in bytes.
 */
public enum SkippedCall {
    /** RR_cpu_mem_rw_args {hwaddr addr @0, uint8_t *buf @8, uint32_t len @16}: then len bytes. */
    RR_CALL_CPU_MEM_RW(24, 16, 4),
    /** RR_mem_region_change_args {addr @0, u64 size @8, char *name @16, u32 len @24, RR_mem_type @28, bool added @32}: then len bytes of name. */
    RR_CALL_MEM_REGION_CHANGE(40, 24, 4),
    /** RR_cpu_mem_unmap {hwaddr addr @0, uint8_t *buf @8, hwaddr len @16}: then len bytes. */
    RR_CALL_CPU_MEM_UNMAP(24, 16, 8),
    /** RR_hd_transfer_args {enum type @0, u64 src_addr @8, u64 dest_addr @16, u32 num_bytes @24}. */
    RR_CALL_HD_TRANSFER(32, -1, 0),
    /** RR_net_transfer_args: the same layout as RR_hd_transfer_args. */
    RR_CALL_NET_TRANSFER(32, -1, 0),
    /** RR_handle_packet_args {uint8_t *buf @0, u32 size @8, u8 direction @12}: then size bytes. */
    RR_CALL_HANDLE_PACKET(16, 8, 4),
    /** RR_serial_receive_args {u64 fifo_addr @0, u8 value @8}. */
    RR_CALL_SERIAL_RECEIVE(16, -1, 0),
    /** RR_serial_read_args {u64 fifo_addr @0, u32 port_addr @8, u8 value @12}. */
    RR_CALL_SERIAL_READ(16, -1, 0),
    /** RR_serial_send_args {u64 fifo_addr @0, u8 value @8}. */
    RR_CALL_SERIAL_SEND(16, -1, 0),
    /** RR_serial_write_args {u64 fifo_addr @0, u32 port_addr @8, u8 value @12}. */
    RR_CALL_SERIAL_WRITE(16, -1, 0),
    /** RR_cpu_reg_write_args {int cpu_index @0, uint8_t *buf @8, int reg @16, int len @20}: then len bytes. */
    RR_CALL_CPU_REG_WRITE(24, 20, 4),
    /** RR_timer_expire_args {u64 now @0} (MIPS). */
    RR_TIMER_EXPIRE(8, -1, 0),
    /** RR_store_cause_args {u32 cause @0} (MIPS). */
    RR_STORE_CAUSE(4, -1, 0),
    /** RR_store_cpu_interrupt_hard_args {char require @0} (MIPS). */
    RR_STORE_CPU_INTERRUPT_HARD(1, -1, 0);

    final int argsBytes;
    /** Where in the args the length of the buffer that follows is, or -1: no buffer. */
    final int bufferLengthAt;
    final int bufferLengthBytes;

    SkippedCall(int argsBytes, int bufferLengthAt, int bufferLengthBytes) {
        this.argsBytes = argsBytes;
        this.bufferLengthAt = bufferLengthAt;
        this.bufferLengthBytes = bufferLengthBytes;
    }

    /** The call numbered {@code id} in the log, or null for a number PANDA does not write. */
    static SkippedCall of(int id) {
        SkippedCall[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }
}
