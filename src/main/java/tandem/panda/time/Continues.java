// The search's forward moves of one side, each a single continue on tandem's breakpoints with
// PANDA's end as a stop: to the next debug_counter call (with or without a count condition), to
// the next TB or the first at or past a count, TB by TB in a sweep (with the search's watch
// armed), with gdb-Python's trace armed, or to the end. Part of the side's one forward mover: the
// interrupt, the end stop and the count of stops are the Mover's. Where a move fails to arrive it
// says so in an Arrival, not an exception: a side ending is what the search looks for.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Stop;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.time.Duration;
import java.util.function.BooleanSupplier;

public final class Continues {

    /**
     * Where a continue left the side: the guest instruction count read there (-1: not read, the
     * program exited or could not be asked), and when it did not arrive, whether the side ended and
     * how (in words: PANDA's end of record / replay, a failed replay, the signal it died of), or
     * whether it stopped because the other side asked it to ({@link #yieldNow}).
     */
    public record Arrival(long instr, boolean ended, String how, boolean yielded) {
        static final Arrival YIELDED = new Arrival(-1, false, null, true);

        static Arrival at(long instr) {
            return new Arrival(instr, false, null, false);
        }

        static Arrival ended(long instr, String how) {
            return new Arrival(instr, true, how, false);
        }

        /** Whether the move reached what it went for. */
        public boolean arrived() {
            return !ended && !yielded;
        }
    }

    private final PandaProcess process;
    private final Mover mover;
    private final Debugger gdb;
    private final String name;
    private final Duration limit;
    private Integer counterBp;
    /** counterBp's condition as last set; null until set (a new breakpoint has none, but say it once). */
    private String counterCondition;
    private Integer tbBp;
    private String countLvalue;
    private volatile boolean yielding;

    Continues(PandaProcess process, Mover mover, Duration limit) {
        this.process = process;
        this.mover = mover;
        this.gdb = process.debugger();
        this.name = process.name();
        this.limit = limit;
        try {
            // a breakpoint hit costs gdb far less when it need not lift and re-insert every breakpoint
            gdb.console("set breakpoint always-inserted on");
        } catch (DebuggerException ignored) {
            // an older gdb: slower, not wrong
        }
    }

    /**
     * To the TB boundary of the first debug_counter call at or past period start {@code target}
     * (one stop per 2^17 guest instructions on the way, each a condition gdb evaluates), from
     * where {@link Timeline#readyToMoveTo} left the side.
     */
    public Arrival toCounterCall(long target) {
        counterWhen(countLvalue() + " >= " + target);
        return counterThenTb();
    }

    /** Forward to the next debug_counter call, then to the TB that follows it. */
    public Arrival nextCounterCall() {
        counterWhen("");
        return counterThenTb();
    }

    private Arrival counterThenTb() {
        // debug_counter runs at a TB boundary, right before that TB's cpu_loop_exec_tb; stopping
        // at PANDA's end of record/replay keeps the process (and its checkpoints) alive
        Arrival a = go(counterBp());
        return a.arrived() ? nextTb() : a;
    }

    /** The debug_counter breakpoint, made on first use. */
    private int counterBp() {
        if (counterBp == null) counterBp = gdb.breakAt(PandaNames.DEBUG_COUNTER, null).number();
        return counterBp;
    }

    /** counterBp with this condition ("" for none): set only when it changes. */
    private void counterWhen(String condition) {
        int bp = counterBp();
        if (condition.equals(counterCondition)) return;
        gdb.condition(bp, condition);
        counterCondition = condition;
    }

    private int tbBp() {
        if (tbBp == null) tbBp = gdb.breakAt(PandaNames.EXEC_TB, null).number();
        return tbBp;
    }

    /** Forward exactly one TB. */
    public Arrival nextTb() {
        Arrival a = go(tbBp());
        return a.arrived() ? Arrival.at(process.instrCount()) : a;
    }

    /**
     * Forward to the first TB at or after n in one continue: gdb tests the count at each TB, but
     * tandem sees one stop instead of one per TB.
     */
    public Arrival tbAtOrAfter(long n) {
        int tb = tbBp();
        gdb.condition(tb, countLvalue() + " >= " + n);
        Arrival a;
        try {
            a = go(tb);
        } finally {
            gdb.condition(tb, "");
        }
        return a.arrived() ? Arrival.at(process.instrCount()) : a;
    }

    /** Readies {@link #sweepStep}: the TB breakpoint (and the end one) stay enabled until {@link #endSweep()}. */
    public void beginSweep() {
        int tb = tbBp();
        gdb.condition(tb, "");
        Integer end = mover.endBreakpoint();
        if (end != null) gdb.enable(tb, end);
        else gdb.enable(tb);
    }

    public void endSweep() {
        Integer end = mover.endBreakpoint();
        if (end != null) gdb.disable(tbBp, end);
        else gdb.disable(tbBp);
    }

    /** Between beginSweep and endSweep: forward to the first TB at or after n in one continue. */
    public Arrival sweepTo(long n, boolean watching, BooleanSupplier triggered) {
        gdb.condition(tbBp, countLvalue() + " >= " + n);
        try {
            return sweepStep(watching, triggered);
        } finally {
            gdb.condition(tbBp, "");
        }
    }

    /**
     * Forward exactly one TB between beginSweep and endSweep: one continue and one read of the
     * count. With {@code watching}, each watchpoint stop on the way is handed to
     * {@code triggered}, which says whether the watch is still armed, and the side goes on.
     */
    public Arrival sweepStep(boolean watching, BooleanSupplier triggered) {
        Stop stop = cont();
        while (watching && stop.reason() == Stop.Reason.WATCHPOINT_TRIGGER) {
            watching = triggered.getAsBoolean();
            stop = cont();
        }
        if (stop.reason() == Stop.Reason.INTERRUPTED) throw new PandaException(name + ": interrupted");
        if (stop.breakpoint() == tbBp && !stop.exited()) return Arrival.at(process.instrCount());
        long at = stop.exited() ? -1 : countOrUnknown();
        Integer end = mover.endBreakpoint();
        return Arrival.ended(at, end != null && stop.breakpoint() == end ? atEnd() : stop.toString());
    }

    /**
     * One continue with what is enabled now (gdb-Python's trace) and PANDA's end: where the trace
     * stopped, or the side's end. Interrupted by the other side ({@link #yieldNow}), where it stands.
     */
    public Arrival traced() {
        yielding = false;
        Integer end = mover.endBreakpoint();
        Stop stop = contWithEnd();
        if (stop.reason() == Stop.Reason.INTERRUPTED && !yielding) throw new PandaException(name + ": interrupted");
        boolean exited = stop.exited();
        if (end != null && stop.breakpoint() == end) return Arrival.ended(process.instrCount(), atEnd());
        if (exited || stop.reason() == Stop.Reason.SIGNAL_RECEIVED || stop.reason() == Stop.Reason.NO_HISTORY) {
            // PANDA's abort(): the process is still there to ask
            return Arrival.ended(exited ? -1 : countOrUnknown(), mover.ends().ending(stop));
        }
        return Arrival.at(process.instrCount());
    }

    /**
     * Forward with no breakpoint but PANDA's end of record / replay: to where this side ends (its
     * abort, its exit, or that end), in one continue. The count there is -1 when it exited.
     */
    public Arrival toEnd() {
        Integer end = mover.endBreakpoint();
        Stop stop = contWithEnd();
        if (stop.reason() == Stop.Reason.INTERRUPTED) throw new PandaException(name + ": interrupted");
        if (!stop.exited()) {
            long at = process.instrCount();
            return Arrival.ended(at, end != null && stop.breakpoint() == end ? atEnd() : mover.ends().ending(stop));
        }
        return Arrival.ended(-1, mover.ends().ending(stop));
    }

    /**
     * Stops a move running on this side because the other side ended: its comparisons are over.
     * The move arrives nowhere without this side counting as ended; the next move goes back.
     */
    public void yieldNow() {
        yielding = true;
        gdb.interrupt();
    }

    /** Forgets a yield asked before: a new move of the search's starts (before it readies the side). */
    public void clearYield() {
        yielding = false;
    }

    /** How this side ended, stopped at PANDA's end of record / replay: a failed replay ends there too. */
    private String atEnd() {
        if (mover.ends().replayFailedHere()) return "PANDA's replay failed there";
        return "reached the end of " + (process.replays() ? "replay" : "record");
    }

    private long countOrUnknown() {
        try {
            return process.instrCount();
        } catch (RuntimeException ignored) {
            return -1;   // keep the last count seen
        }
    }

    /** One continue with PANDA's end of record / replay enabled for it, as well as what else is. */
    private Stop contWithEnd() {
        Integer end = mover.endBreakpoint();
        if (end != null) gdb.enable(end);
        try {
            return cont();
        } finally {
            if (end != null) gdb.disable(end);
        }
    }

    /** One continue, counted as the Mover's; refused once the side was interrupted (Ctrl-C), between moves too. */
    private Stop cont() {
        if (mover.interrupted()) throw new PandaException(name + ": interrupted");
        try {
            return gdb.cont(limit);
        } finally {
            mover.countStop();
        }
    }

    /** One continue with tandem's breakpoint {@code bp} and PANDA's end enabled for it only. */
    private Arrival go(int bp) {
        Integer end = mover.endBreakpoint();
        if (end != null) gdb.enable(bp, end);
        else gdb.enable(bp);
        Stop stop;
        try {
            stop = cont();
        } finally {
            if (end != null) gdb.disable(bp, end);
            else gdb.disable(bp);
        }
        if (stop.reason() == Stop.Reason.INTERRUPTED) {
            if (yielding) return Arrival.YIELDED; // stopped for the other side, somewhere mid-TB
            throw new PandaException(name + ": interrupted");
        }
        if (end != null && stop.breakpoint() == end) return Arrival.ended(process.instrCount(), atEnd());
        if (stop.exited() || stop.reason() == Stop.Reason.SIGNAL_RECEIVED || stop.reason() == Stop.Reason.NO_HISTORY) {
            // PANDA's abort(): the process is still there to ask
            return Arrival.ended(stop.exited() ? -1 : countOrUnknown(), mover.ends().ending(stop));
        }
        return Arrival.at(-1);
    }

    /** The count as a plain memory read at a fixed address: cheap for gdb to evaluate at each hit. */
    private String countLvalue() {
        if (countLvalue == null) countLvalue = "*(unsigned long long *) " + process.instrCountAddress();
        return countLvalue;
    }
}
