// PANDA's own names that tandem stops at, reads or writes (functions, fields, the count) and the
// arithmetic of debug_counter's period: the one place for them, as Arch is for per-arch facts.
// Sources: PANDA's cpu-exec.c and rr_log.c (branch mips_serious_rec_attempt), see FIDELITY.md.
package tandem.panda;

import java.util.Set;

public final class PandaNames {
    private PandaNames() {
    }

    /** The function QEMU calls once per translation block executed (cpu-exec.c): a TB boundary. */
    public static final String EXEC_TB = "cpu_loop_exec_tb";
    /** Called at the top of PANDA's exec loop once per period (cpu-exec.c:750-754, 837), in debug builds. */
    public static final String DEBUG_COUNTER = "debug_counter";
    /** debug_counter's period: it fires every 2^17 guest instructions. */
    public static final long DEBUG_COUNTER_PERIOD = 1L << 17;
    /** The most guest instructions one TB holds (QEMU's TCG_MAX_INSNS, tcg/tcg.h). */
    public static final long TCG_MAX_INSNS = 512;
    /** What PANDA's cpu_exec loop calls on its first pass past cpu->temp_rr_bp_instr (cpu-exec.c:856-860). */
    public static final String LOOP_PASS_FUNCTION = "cpu_rr_breakpoint_insert";
    /** The rr breakpoint PANDA's gdbstub set aside, given back by the loop's first pass past it. */
    public static final String LOOP_PASS_FIELD = "cpus->tqh_first->temp_rr_bp_instr";
    /** The guest instruction count of the first CPU: what every move and comparison counts in. */
    public static final String INSTR_COUNT = "cpus->tqh_first->rr_guest_instr_count";
    /** PANDA's failed rr_assert (rr_log.c:238): prints the expression, then abort(). */
    public static final String RR_ASSERT_FAIL = "rr_assert_fail";
    /** A checksum of the CPU's registers, computed in PANDA (debug builds). */
    public static final String RR_CHECKSUM_REGS = "rr_checksum_regs";
    public static final String BEGIN_RECORD = "rr_do_begin_record";
    public static final String END_RECORD = "rr_do_end_record";
    public static final String BEGIN_REPLAY = "rr_do_begin_replay";
    public static final String END_REPLAY = "rr_do_end_replay";

    /** Functions where tandem keeps breakpoints of its own (the timeline of tandem.panda.time, the search). */
    public static final Set<String> TANDEM_STOPS = Set.of(EXEC_TB, DEBUG_COUNTER, LOOP_PASS_FUNCTION,
            BEGIN_RECORD, BEGIN_REPLAY, END_RECORD, END_REPLAY);

    /** The first debug_counter period start at or after n. */
    public static long periodStartAtOrAfter(long n) {
        return ((n + DEBUG_COUNTER_PERIOD - 1) / DEBUG_COUNTER_PERIOD) * DEBUG_COUNTER_PERIOD;
    }

    /**
     * The start of the last debug_counter period at or before n (-1: none). PANDA calls
     * debug_counter at the top of its exec loop, at the first TB it starts there in a new period
     * (cpu-exec.c:750-754, 837): within one TB of the period start when every TB returns to the
     * loop (replay, or a recording with -d nochain), anywhere in a chain of TBs when recording
     * chains them. Either way no TB the loop starts lies between the period start and the call.
     */
    public static long periodStartAtOrBefore(long n) {
        return n < DEBUG_COUNTER_PERIOD ? -1 : (n / DEBUG_COUNTER_PERIOD) * DEBUG_COUNTER_PERIOD;
    }

    /** The start of the period after the one holding n. */
    public static long nextPeriodStart(long n) {
        return (n / DEBUG_COUNTER_PERIOD + 1) * DEBUG_COUNTER_PERIOD;
    }
}
