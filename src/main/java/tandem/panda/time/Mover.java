// The forward moves of one PANDA process under gdb: to a guest instruction count (toInstr), past
// PANDA's loop pass (temp_rr_bp_instr) and debug_counter's periods, on tandem's own breakpoints,
// with PANDA's end of record / replay as the stop that keeps the process; and the ways back it
// keeps for them (WaysBack, or a run from the start). The one forward mover of a side: Timeline
// hands it every move, and the search's single continues (Continues) share its end stop, its
// interrupt and its count of stops.
package tandem.panda.time;

import tandem.debugger.Breakpoint;
import tandem.debugger.DebuggerException;
import tandem.debugger.Debugger;
import tandem.debugger.Frame;
import tandem.debugger.Stop;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;
import tandem.panda.time.WaysBack.Rewind;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

final class Mover {
    private final PandaProcess process;
    private final String name;
    private final Debugger gdb;
    private volatile WaysBack ways;
    private final EndStop ends;
    private final LoopPassHop loopPass;
    /** Goal count -> the count of the first TB at or after it, as found by earlier moves. */
    private final Map<Long, Long> firstTbAtOrAfter = new HashMap<>();
    private volatile Duration moveLimit = Duration.ofHours(4);
    private volatile boolean useDebugCounter = true;
    private Integer execTbBreakpoint;
    private Integer debugCounterBreakpoint;
    private Integer endBreakpoint;
    private String countLvalue;
    private long begin = -1;
    private int stops;
    private volatile boolean interrupted;
    private int reexecutions;
    private volatile java.util.function.Consumer<String> notices = text -> { };

    Mover(PandaProcess process) {
        this.process = process;
        this.name = process.name();
        this.gdb = process.debugger();
        // the kind the debugger offers: rr's checkpoints where a restart keeps them, gdb's forks
        // where the target can fork, else re-execution
        this.ways = !gdb.target().canCheckpoint() ? new Reexecution()
                : gdb.restartKeepsCheckpoint() ? new RrCheckpoints(gdb, this::countStop)
                : new ForkCheckpoints(gdb, this::countStop, text -> notices.accept(text));
        this.ends = new EndStop(process);
        this.loopPass = new LoopPassHop(process);
        this.atBegin = new BeginCommands(process, name, gdb);
    }

    EndStop ends() {
        return ends;
    }

    synchronized int reexecutions() {
        return reexecutions;
    }

    void onNotice(java.util.function.Consumer<String> listener) {
        this.notices = listener == null ? text -> { } : listener;
    }

    /** Tells whoever listens what this side does that the user should know of (one line). */
    void notice(String text) {
        notices.accept(text);
    }

    synchronized int stops() {
        return stops;
    }

    synchronized void countStop() {
        stops++;
    }

    Duration moveLimit() {
        return moveLimit;
    }

    /** The recording's snapshot as the begin function named it (see EndStop.snapshotFileHere); null until then. */
    private String snapshotFile;
    private final BeginCommands atBegin;

    /** See {@link BeginCommands}. */
    void atBegin(List<String> commands) {
        atBegin.set(commands);
    }

    List<String> atBeginCommands() {
        return atBegin.commands();
    }

    private void requireTarget() {
        String why = process.gone();
        if (why != null) throw new PandaException(why);
    }

    void moveLimit(Duration limit) {
        this.moveLimit = limit;
    }

    /**
     * Whether toInstr may cover long spans with debug_counter (on by default; it is used only when
     * the build has it). Off, every span is one conditional breakpoint on cpu_loop_exec_tb.
     */
    void useDebugCounter(boolean use) {
        this.useDebugCounter = use;
    }

    /** The guest instruction count at the first TB after record or replay began (-1 before). */
    long begin() {
        return begin;
    }

    // ---- moving ----

    /**
     * Runs to {@code rr_do_begin_record} (rec) or {@code rr_do_begin_replay} (rep), then to the
     * first TB executed after it, and keeps a checkpoint there. Returns that TB's instruction count.
     */
    long beginRecordOrReplay() {
        requireTarget();
        // an earlier call stopped (Ctrl-C) after the begin function and its start commands: the
        // function does not come again in this run, so go on from there to the first TB
        if (!pastBeginFunction) toBeginFunction(() -> go(null, process.beginFunction()), "");
        begin = runToTb(null);
        keep(begin);
        return begin;
    }

    /**
     * Stops at the first TB executed at or after guest instruction {@code n} (the notes'
     * {@code break cpu_loop_exec_tb if ...rr_guest_instr_count > n} stops one TB later when a TB
     * starts exactly at n). Moves forward from here or from the nearest checkpoint at or before n,
     * using debug_counter to cover long spans with few stops when the build has it; the last stretch
     * (at most two debug_counter periods, 2^18 instructions) goes TB by TB on a conditional
     * breakpoint. A goal reached before, or the count of a TB boundary, costs no move when the
     * session is already there. Returns the count reached.
     */
    long toInstr(long n) {
        return toInstr(n, true);
    }

    /**
     * {@link #toInstr(long)}; keep: whether the count reached gets a checkpoint (a fork, some
     * 20 ms): a search that knows it will not come back here saves it.
     */
    long toInstr(long n, boolean keep) {
        if (n < 0) throw new PandaException("instruction counts start at 0, not " + n);
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        if (n < begin) {
            throw new PandaException(name + ": instruction " + n + " is before the first TB after "
                    + process.beginFunction() + " (" + begin + ")");
        }
        long cur = here();
        Long known = firstTbAtOrAfter.get(n);
        // counts only grow, so a count at a TB boundary names that boundary; below n, where the
        // side stands in its TB does not matter (fromNearest goes forward from anywhere)
        if ((cur == n || (known != null && cur == known)) && atExecTb()) return cur;
        if (known != null && ways.checkpoints().has(known)) return ways.restartAtOrBefore(known);
        cur = fromNearest(n, cur);
        if (cur == n) return cur;
        long bucket = PandaNames.periodStartAtOrBefore(n);
        // where the loop-pass hop works it crosses any span in one stop; debug_counter's condition
        // stops gdb once a period on the way (about 0.4 ms each, a third of a period on mini-PANDA)
        boolean oneHop = canHopToLoopPass() && cur + LoopPassHop.MIN_SPAN <= n;
        if (useDebugCounter && !oneHop && bucket > cur && process.hasSymbol(PandaNames.DEBUG_COUNTER)) {
            // the hop stops at the first pass through PANDA's loop at or past the period start,
            // where debug_counter is called; no TB boundary the loop sees lies between the period
            // start and that call, so when it comes past n (TBs chained while recording can run
            // thousands of instructions beyond the period start) it is n's first TB itself
            hopToCounter(bucket, n);
            cur = -1; // moved: read it again where it matters
        }
        long reached = runToTb(n, cur);
        if (reached < n) {
            // another stop came first: this side is not at n, and must never be reported as if it were
            throw new PandaException(name + " stopped before reaching " + n + ", in " + functionHere() + describeWhere());
        }
        firstTbAtOrAfter.put(n, reached);
        firstTbAtOrAfter.put(reached, reached);
        if (keep) keep(reached);
        return reached;
    }

    /**
     * The count here, or Long.MAX_VALUE when the program can't be asked (it ran to its end, by a
     * move of this session or by a command typed at gdb): only a checkpoint brings it back.
     */
    private long here() {
        // a run from the start that did not reach its first TB after the begin function: what the
        // count says there (0 before PANDA's replay began) is no place to go on from
        if (reexecuting) return Long.MAX_VALUE;
        try {
            return process.instrCount();
        } catch (DebuggerException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Restarts from the nearest checkpoint at or before n unless going forward from here is
     * nearer (we are before n, past that checkpoint: at a TB boundary or inside a TB). Returns the count then.
     */
    private long fromNearest(long n, long cur) {
        Optional<Map.Entry<Long, Integer>> from = ways.checkpoints().atOrBefore(n);
        // inside a TB (at a breakpoint of the user's, after rc) the count is that TB's or one of its
        // instructions'; every TB boundary still ahead comes later, so below n forward is as good
        boolean forwardFromHere = cur < n && (from.isEmpty() || cur >= from.get().getKey());
        if (forwardFromHere) return cur;
        long back = ways.restartAtOrBefore(n);
        return back >= 0 ? back : reexecute(n, cur);
    }

    /**
     * Runs the program again from its start to the first TB after record/replay began: the way
     * back where no checkpoint is at or before n. Only a replay may be run again (it reaches the
     * same state at the same counts); a live PANDA record run is a new execution each time.
     */
    private long reexecute(long n, long cur) {
        String from0 = reexecuting ? "a run from its start stopped before its first TB after " + process.beginFunction()
                : cur == Long.MAX_VALUE ? "the end of the program" : "instruction " + cur;
        if (!process.replays()) {
            throw new PandaException(name + ": can't go back from " + from0 + " to " + n + ": " + gdb.target().description()
                    + " runs PANDA recording live, and running it again is a new execution, not the same recording"
                    + " (use an rr trace of the record run, or a replay of a recording known to be right as " + name + ")");
        }
        if (ways.kind() != Rewind.REEXECUTION && !ways.checkpoints().snapshot().isEmpty()) {
            throw new PandaException(name + ": can't go back from " + from0 + " to " + n + ": its first checkpoint is at "
                    + ways.checkpoints().snapshot().firstKey() + ", after it");
        }
        notices.accept("re-executing " + gdb.target().description() + " from its start to go back to " + n
                + " (from " + from0 + (cur == n ? ", inside the TB there" : "") + ")");
        synchronized (this) {
            reexecutions++;
        }
        // until the run reaches its first TB after the begin function, this side is nowhere it can
        // go on from: a move after an interrupted one runs it from the start again (see here())
        reexecuting = true;
        toBeginFunction(() -> {
            // only the begin breakpoint may stop the run from the start
            if (execTbBreakpoint != null) gdb.disable(execTbBreakpoint);
            if (debugCounterBreakpoint != null) gdb.disable(debugCounterBreakpoint);
            return move(gdb.rerun(moveLimit), process.beginFunction());
        }, " when run again");
        // host addresses come from the new process: same as before without address randomization,
        // which gdb turns off, but asked again rather than trusted
        countLvalue = null;
        process.forgetHostAddresses();
        long again = runToTb(null);
        if (begin >= 0 && again != begin) {
            throw new PandaException(name + " is not deterministic: its first TB after " + process.beginFunction() + " was at "
                    + begin + " and is at " + again + " when run again");
        }
        begin = again;
        reexecuting = false;
        return again;
    }

    /**
     * Runs the program ({@code run}: on from where it stands, or again from its start) to the begin
     * function on a temporary breakpoint, and runs the start commands there. {@code when} ends the
     * error of a run that stopped elsewhere ("" or " when run again").
     */
    private void toBeginFunction(java.util.function.Supplier<Stop> run, String when) {
        pastBeginFunction = false;
        // an earlier run reached the begin function, so PANDA has it; this run, interrupted before the
        // dynamic loader mapped libpanda-ARCH.so, may not know it yet (gdb: Function "..." not defined)
        Breakpoint bp = begin >= 0 ? gdb.temporaryBreakAtOnceLoaded(process.beginFunction())
                : gdb.temporaryBreakAt(process.beginFunction(), null);
        boolean hit = false;
        try {
            Stop stop = run.get();
            if (stop.breakpoint() != bp.number()) {
                throw new PandaException(name + " stopped (" + stop + ") before reaching " + process.beginFunction() + when);
            }
            hit = true;
            if (process.replays()) snapshotFile = ends.snapshotFileHere();
        } finally {
            // a temporary breakpoint left armed would stop the next run at the begin function, which
            // a move would then take for its goal, or, next to a new one there, for another stop
            if (!hit && process.gone() == null) {
                try {
                    gdb.delete(bp.number());
                } catch (DebuggerException e) {
                    // gdb has it no more (it was hit as the run ended): nothing armed
                }
            }
        }
        atBegin.run();
        pastBeginFunction = true;
    }

    /** A run from the start (reexecute) is under way or was stopped before its first TB after the begin function. */
    private volatile boolean reexecuting;

    /** Whether a run from the start stands before its first TB after the begin function (Ctrl-C stopped it there). */
    boolean reexecuting() {
        return reexecuting;
    }

    /**
     * This run of the program stopped at the begin function and ran the start commands there: it
     * does not pass that function again, and a move stopped (Ctrl-C) before the first TB after it
     * goes on from where it is.
     */
    private volatile boolean pastBeginFunction;

    /** PANDA's loop-pass hop past temp_rr_bp_instr (see {@link LoopPassHop}), where it is open. */
    private boolean canHopToLoopPass() {
        return countCondition == null && loopPass.open();
    }

    /** {@link LoopPassHop#hop}: true when the move went on to the pass at or past n, or this way is not open. */
    private boolean hopToLoopPass(long n, long from) {
        if (countCondition != null) return true;
        return loopPass.hop(n, from, this::loopPassBreakpoint, this::go);
    }

    /** PANDA's loop pass (see {@link LoopPassHop}) for a pass that continues itself; null where that way is not open. */
    LoopPassHop loopPass() {
        return canHopToLoopPass() ? loopPass : null;
    }

    private Integer loopPassBreakpoint;

    int loopPassBreakpoint() {
        if (loopPassBreakpoint == null) loopPassBreakpoint = offBreakpoint(PandaNames.LOOP_PASS_FUNCTION);
        return loopPassBreakpoint;
    }

    /** Forward to the first debug_counter call at or past count `at`: one gdb-evaluated condition per period. */
    private void hopToCounter(long at, long goal) {
        int counter = debugCounterBreakpoint();
        gdb.condition(counter, countLvalue() + " >= " + at);
        go(counter, goal);
    }

    /**
     * To the TB boundary where debug_counter is called for the first period starting at or after
     * n (within one period and one TB past n; where PANDA chains TBs, while recording, up to a
     * chain further), from the nearest checkpoint: the cheap move, one stop per period rather
     * than per TB. Without debug_counter, {@link #toInstr(long, boolean)}.
     * Keeps no checkpoint. Returns the count reached.
     */
    long toCounter(long n) {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        if (!useDebugCounter || !process.hasSymbol(PandaNames.DEBUG_COUNTER)) return toInstr(n, false);
        long target = PandaNames.periodStartAtOrAfter(n);
        long cur = here();
        cur = fromNearest(target, cur);
        hopToCounter(target, n);
        // debug_counter runs at a TB boundary, right before that TB's cpu_loop_exec_tb
        long reached = runToTb(null);
        firstTbAtOrAfter.put(reached, reached);
        return reached;
    }

    /**
     * Readies a forward move to n: stays when this is a TB boundary before n past the nearest
     * checkpoint at or before n, else restarts from that checkpoint. Returns the count then.
     */
    long readyToMoveTo(long n) {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        long cur = here();
        return fromNearest(n, cur);
    }

    /** Keeps a checkpoint at the current count (a TB boundary the caller will come back to). */
    void keepCheckpointHere() {
        keep(process.instrCount());
    }

    /** Keeps a way back to {@code instr}, where the side stands (see {@link WaysBack#keep}). */
    synchronized void keep(long instr) {
        ways = ways.keep(instr);
    }

    WaysBack ways() {
        return ways;
    }

    /** Executes exactly one TB: stops at the next cpu_loop_exec_tb. Returns the count reached. */
    long nextTb() {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        // a run from the start stopped before its first TB after the begin function: going on would
        // pass the begin function without its start commands, so run it again to that TB first
        else if (reexecuting) fromNearest(begin, here());
        return runToTb(null);
    }

    /** To the next TB executed (at or after count n when n is not null); the count there. */
    private long runToTb(Long n) {
        return runToTb(n, -1);
    }

    /** runToTb; from: the count where the side stands (-1: to be read), at or below n. */
    private long runToTb(Long n, long from) {
        if (n != null && !hopToLoopPass(n, from)) return process.instrCount();   // stopped elsewhere on the way
        int tb = execTbBreakpoint();
        gdb.condition(tb, n == null ? "" : countLvalue() + " >= " + n);
        go(tb, n == null ? PandaNames.EXEC_TB : n);
        return process.instrCount();
    }

    /**
     * Stops the move in progress (Ctrl-C) and every move after it until {@link #clearInterrupt()}:
     * a move of several continues must not carry on with the next one. Never blocks.
     */
    void interrupt() {
        interrupted = true;
        gdb.interrupt();
    }

    /** Lets moves run again after {@link #interrupt()}: the console calls it before each command. */
    void clearInterrupt() {
        interrupted = false;
    }

    boolean interrupted() {
        return interrupted;
    }

    /**
     * Continues to the next stop on the way to {@code goal}, unless interrupted, with tandem's
     * breakpoint {@code bp} (null: none) and PANDA's end enabled for this continue only: one gdb
     * command enables both, one disables them, so tandem's breakpoints are off between moves.
     */
    private Stop go(Integer bp, Object goal) {
        if (interrupted) throw new PandaException(name + ": interrupted on the way to " + goal + describeWhere());
        requireTarget();
        Integer end = endBreakpoint();
        int[] on = java.util.stream.Stream.of(bp, end).filter(java.util.Objects::nonNull).mapToInt(Integer::intValue).toArray();
        if (on.length > 0) gdb.enable(on);
        Stop stop;
        try {
            stop = gdb.cont(moveLimit);
        } catch (DebuggerException e) {
            String why = process.gone();
            if (why != null) throw new PandaException(name + " did not reach " + goal + ": " + gdb.gone(), e);
            throw e;
        } finally {
            if (on.length > 0 && process.gone() == null) gdb.disable(on);
        }
        if (end != null && stop.breakpoint() == end) {
            synchronized (this) {
                stops++;
            }
            throw new PandaException(name + " did not reach " + goal + ": " + ends.endedHere(goal, here()));
        }
        return move(stop, goal);
    }

    /**
     * PANDA's end of record / replay: a move stops there rather than letting the program exit,
     * so the process, and with it gdb's fork checkpoints, stays for the next move. Disabled
     * between moves; null when the build has no such function. Callers that move the program
     * themselves (the divergence search) enable it around their own continues.
     */
    Integer endBreakpoint() {
        if (endBreakpoint == null && process.hasSymbol(process.endFunction())) {
            endBreakpoint = offBreakpoint(process.endFunction());
        }
        return endBreakpoint;
    }

    /** Counts the stop and turns "the program ended" into an error saying where. */
    private Stop move(Stop stop, Object goal) {
        synchronized (this) {
            stops++;
        }
        if (stop.reason() == Stop.Reason.INTERRUPTED) {
            throw new PandaException(name + ": interrupted on the way to " + goal + describeWhere());
        }
        if (stop.exited()) ways.afterExit();
        if (EndStop.killedFromOutside(stop)) {
            throw new PandaException(name + " did not reach " + goal + ": its PANDA (" + gdb.target().description()
                    + ") was killed with SIGKILL from outside tandem during the move; "
                    + (ways.kind() != Rewind.REEXECUTION ? "`toInstr N` goes on from a checkpoint"
                    : process.replays() ? "`toInstr N` runs the replay again from its start"
                    : "a live record run cannot be run again") + ends.lastWords(gdb.drainProgramOutput()));
        }
        if (stop.exited() || stop.reason() == Stop.Reason.SIGNAL_RECEIVED || stop.reason() == Stop.Reason.NO_HISTORY) {
            if (begin < 0) throw ends.notBegun(stop, goal, snapshotFile);
            throw new PandaException(name + " did not reach " + goal + ": " + ends.ending(stop)
                    + (stop.exited() ? " (the recording ends before it)" : describeWhere()) + ends.lastWords(gdb.drainProgramOutput()));
        }
        return stop;
    }

    /** " (now at guest instruction N)" (or before the first TB, see {@link #where()}), or nothing when the count can't be read. */
    String describeWhere() {
        try {
            return " (now " + where() + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /**
     * Where this side stands, for messages: "at guest instruction N"; before the first TB after the
     * begin function of this run (a first move or a run from the start, stopped by Ctrl-C) what the
     * count reads there (0 before PANDA's replay began) is no place, and this says so and what the
     * next move does. Throws DebuggerException when the program can't be asked.
     */
    String where() {
        if (reexecuting) {
            return "before the first TB after " + process.beginFunction() + " of a run from its start that was stopped;"
                    + " the next move runs it from its start again";
        }
        if (begin < 0) return "before the first TB after " + process.beginFunction() + "; the next move goes on from there";
        return "at guest instruction " + process.instrCount();
    }

    /** The function the program stands in, for messages; "an unknown function" when gdb can't say. */
    private String functionHere() {
        try {
            List<Frame> bt = gdb.backtrace();
            return bt.isEmpty() || bt.get(0).function() == null ? "an unknown function" : bt.get(0).function();
        } catch (RuntimeException e) {
            return "an unknown function";
        }
    }

    /** Whether the program stands at the start of cpu_loop_exec_tb (a TB boundary). */
    boolean atExecTb() {
        List<Frame> bt = gdb.backtrace();
        return !bt.isEmpty() && PandaNames.EXEC_TB.equals(bt.get(0).function());
    }

    private int execTbBreakpoint() {
        if (execTbBreakpoint == null) execTbBreakpoint = offBreakpoint(PandaNames.EXEC_TB);
        return execTbBreakpoint;
    }

    private int debugCounterBreakpoint() {
        if (debugCounterBreakpoint == null) debugCounterBreakpoint = offBreakpoint(PandaNames.DEBUG_COUNTER);
        return debugCounterBreakpoint;
    }

    /**
     * A breakpoint of tandem's at {@code location}, disabled: {@link #go} enables it for its one
     * continue. Left enabled, a move stopped (Ctrl-C) before that continue would leave it armed to
     * stop the next move, which would take that stop for its goal or end short of it.
     */
    private int offBreakpoint(String location) {
        int n = gdb.breakAt(location, null).number();
        gdb.disable(n);
        return n;
    }

    /**
     * The count expression diverge.py puts in its breakpoint conditions: {@code *(uint64_t *)ADDR},
     * ADDR the address of {@code cpus->tqh_first->rr_guest_instr_count} (diverge.py's
     * condition_instr, panda/scripts/diverge.py:233-239). Not QEMU's icount fields: PANDA updates
     * timers_state.qemu_icount, icount_decr and icount_extra only under -icount (cpus.c:1185-1213),
     * which record/replay does not use, so they read 0.
     */
    String divergeCountExpression() {
        return "*(uint64_t *) " + gdb.evaluateUnsigned("&" + PandaNames.INSTR_COUNT);
    }

    private volatile String countCondition;

    /** The count expression breakpoint conditions use (null: a plain read of the count at its address). */
    void countCondition(String expression) {
        this.countCondition = expression;
    }

    /**
     * The count as a plain memory read at a fixed address: cheaper for gdb to evaluate per hit than
     * the pointer chain, and compilable to an agent expression for target-side evaluation.
     */
    String countExpression() {
        return countLvalue();
    }

    private String countLvalue() {
        if (countCondition != null) return "(" + countCondition + ")";
        if (countLvalue == null) countLvalue = "*(unsigned long long *) " + process.instrCountAddress();
        return countLvalue;
    }
}
