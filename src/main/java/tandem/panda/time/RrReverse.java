// rr's own reverse execution, where the side is an rr replay: reverse-continue, reverse-stepi,
// reverse-finish and a watched reverse-continue for origin, answered by rr instead of by forward
// passes (ReverseExecution falls back to those when this gdb cannot reverse).
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Stop;
import tandem.panda.PandaProcess;

import java.util.List;
import java.util.function.Supplier;

final class RrReverse {

    private final PandaProcess side;
    private final Mover mover;
    private final Debugger gdb;
    /** null: not asked yet; rr answers reverse moves itself unless its gdb says it cannot (the stand-in). */
    private Boolean reverses;

    RrReverse(PandaProcess side, Mover mover) {
        this.side = side;
        this.mover = mover;
        this.gdb = side.debugger();
    }

    /** Whether to ask rr first: its gdb target can reverse, and no reverse move was refused yet. */
    boolean available() {
        if (reverses == null) reverses = gdb.target().canReverse() ? null : false;
        return reverses == null || reverses;
    }

    /** rr's reverse move, or null when this gdb cannot reverse (a stand-in rr, or a gdb server without it). */
    <T> T attempt(Supplier<T> move) {
        try {
            T s = move.get();
            reverses = true;
            return s;
        } catch (DebuggerException e) {
            String said = String.valueOf(e.gdbMessage()) + " " + e.getMessage();
            // gdb: "Target native does not support this command." / "Target does not support this operation."
            if (said.contains("does not support")) {
                reverses = false;
                return null;
            }
            throw e;
        }
    }

    /** Where rr's reverse move (its stop, or null for one gdb reports on its console) left the side. */
    ReverseStop stop(Stop stop) {
        long instr = side.instrCount();
        boolean start = stop != null && stop.reason() == Stop.Reason.NO_HISTORY;
        return new ReverseStop(true, new Time(instr, 0), side.pc(), stop == null ? 0 : stop.breakpoint(), gdb.backtrace(),
                start ? "at the start of the recording (rr: no more reverse-execution history)" : "by rr's reverse execution", 1);
    }

    /**
     * The last change of {@code expr} before now by rr's reverse-continue to the watchpoint the caller
     * set; the side comes back to now (a gdb checkpoint). null when this gdb cannot reverse.
     */
    Origin origin(String name, String expr) {
        String now = gdb.evaluate(expr);
        int checkpoint = gdb.checkpoint();
        try {
            Stop stop = attempt(() -> gdb.reverseCont(mover.moveLimit()));
            if (stop == null) return null;
            if (stop.reason() != Stop.Reason.WATCHPOINT_TRIGGER) {
                return new Origin(name, expr, null, 0, List.of(), null, null, "no change of " + expr + " before now in the recording (" + stop + ")");
            }
            // reverse execution stops before the write: the value here is the old one
            return new Origin(name, expr, new Time(side.instrCount(), 0), side.pc(), gdb.backtrace(), gdb.evaluate(expr), now, null);
        } finally {
            gdb.restart(checkpoint);
        }
    }
}
