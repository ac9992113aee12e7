// PANDA's own way to stop at the first pass of its cpu_exec loop at or past a guest instruction
// count (temp_rr_bp_instr), which a forward move uses to cross a long span in one stop.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Stop;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.util.function.BiFunction;
import java.util.function.IntSupplier;

/**
 * PANDA's cpu_exec loop gives back an rr breakpoint its gdbstub set aside: at the first pass with
 * {@code rr_get_guest_instr_count() > cpu->temp_rr_bp_instr} it calls cpu_rr_breakpoint_insert
 * and clears the field (cpu-exec.c:856-860, right before that pass's cpu_loop_exec_tb). PANDA
 * makes that test itself on every pass, so with the field set to n - 1 and a breakpoint on
 * cpu_rr_breakpoint_insert the program stops once, on the first pass at or past n, where a
 * conditional breakpoint on cpu_loop_exec_tb stops gdb at every TB to test its condition (about
 * 0.3 ms a TB on a real PANDA). The call is popped before it runs: it would insert an rr
 * breakpoint, flush the TB cache and print. True when the move went on to that pass, or when
 * this way is not open (then the caller's conditional breakpoint does it all); false when
 * another stop came first (a user's breakpoint). Not on rr, which refuses memory writes outside
 * a diversion (nor on a server tandem did not start, which may be rr), nor for a strategy with
 * its own count expression (the diverge strategy's: Mover asks).
 */
final class LoopPassHop {
    private final PandaProcess process;
    private final Debugger gdb;

    LoopPassHop(PandaProcess process) {
        this.process = process;
        this.gdb = process.debugger();
    }

    /** Whether this way is open: memory writes allowed (not rr) and the build has the loop's saved rr breakpoint. */
    boolean open() {
        return gdb.target().acceptsMemoryWrites() && hasLoopPassStop();
    }

    /**
     * The hop to the first loop pass at or past n, from count {@code from} (-1: to be read); breakpoint gives
     * tandem's disabled breakpoint on cpu_rr_breakpoint_insert, go continues with it enabled.
     */
    boolean hop(long n, long from, IntSupplier breakpoint, BiFunction<Integer, Object, Stop> go) {
        if (n < 2 || !open()) return true;
        // a short span is cheaper TB by TB than the gdb commands of this way
        if ((from >= 0 ? from : process.instrCount()) + MIN_SPAN > n) return true;
        String field = PandaNames.LOOP_PASS_FIELD;
        int bp = breakpoint.getAsInt();
        gdb.evaluate(field + " = " + (n - 1));
        boolean ours = false;
        try {
            Stop stop = go.apply(bp, n);
            ours = stop.breakpoint() == bp;
            // popped before it runs: the loop's next statement, `cpu->temp_rr_bp_instr = 0`, clears the
            // field when the program goes on (cpu-exec.c:856-860)
            if (ours) gdb.returnFromFrame();
        } finally {
            if (!ours) {
                try {
                    gdb.evaluate(field + " = 0");   // the pass never came: leave it as PANDA would
                } catch (DebuggerException e) {
                    // the program is gone: nothing left to clear
                }
            }
        }
        return ours;
    }

    /**
     * Arms the loop pass at or past guest instruction {@code n} (n at least 2) for a caller that
     * continues itself with other stops on (a reverse pass's last stretch): the program stops at
     * {@code bp}, enabled here, on the first pass at or past n. The caller pops that call
     * ({@link Debugger#returnFromFrame}) and calls {@link #disarm} whatever stops first. Once per
     * stop of it: the loop's statement after the popped call clears the field (cpu-exec.c:859), so
     * arming it again at that stop is undone as the program goes on.
     */
    void arm(long n, int bp) {
        gdb.evaluate(PandaNames.LOOP_PASS_FIELD + " = " + (n - 1));
        gdb.enable(bp);
    }

    /** Takes back {@link #arm}: the breakpoint off, and the field cleared as PANDA leaves it when the pass never came. */
    void disarm(int bp) {
        try {
            gdb.disable(bp);
            gdb.evaluate(PandaNames.LOOP_PASS_FIELD + " = 0");
        } catch (DebuggerException e) {
            // the program is gone: nothing left to clear
        }
    }

    private Boolean loopPassStop;

    /** Whether this PANDA has the cpu_exec loop's saved rr breakpoint (PANDA's gdbstub time travel, 2019 on). */
    private boolean hasLoopPassStop() {
        if (loopPassStop == null) {
            boolean field;
            try {
                gdb.evaluate(PandaNames.LOOP_PASS_FIELD);
                field = true;
            } catch (DebuggerException e) {
                field = false;
            }
            loopPassStop = field && process.hasSymbol(PandaNames.LOOP_PASS_FUNCTION);
        }
        return loopPassStop;
    }

    /**
     * Guest instructions a move must span for {@link #hop} to pay: its six gdb commands
     * cost about as much as a conditional breakpoint's stops over some ten TBs of a real PANDA.
     */
    static final long MIN_SPAN = 512;
}
