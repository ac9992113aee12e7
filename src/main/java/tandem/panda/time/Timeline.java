// One side's time, as rr's ReplayTimeline owns a replay's: where the side stands (a guest
// instruction count at a TB boundary), the forward moves (one Mover), the ways back (WaysBack:
// rr checkpoints, gdb fork checkpoints or re-execution) kept where CheckpointPolicy says, and the
// reverse verbs (ReverseExecution, or rr's own). Everything else that moves a side asks this.
package tandem.panda.time;

import tandem.debugger.Stop;
import tandem.panda.PandaProcess;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

public final class Timeline {
    private final PandaProcess process;
    private final Mover mover;
    private final ReverseExecution reverse;
    private final IndexedReverse indexed;
    private volatile Consumer<Pass> passes = pass -> { };

    /** The timeline of one PANDA process under gdb; nothing moves until a verb is called. */
    public Timeline(PandaProcess process) {
        this.process = process;
        this.mover = new Mover(process);
        this.reverse = new ReverseExecution(process, mover, pass -> passes.accept(pass));
        this.indexed = new IndexedReverse(process, mover, reverse, pass -> passes.accept(pass));
    }

    // ---- forward ----

    /**
     * Runs to rr_do_begin_record (rec) or rr_do_begin_replay (rep), then to the first TB executed
     * after it, and keeps a way back there. Returns that TB's guest instruction count.
     */
    public synchronized long beginRecordOrReplay() {
        return mover.beginRecordOrReplay();
    }

    /** The guest instruction count at the first TB after record or replay began (-1 before). */
    public long begin() {
        return mover.begin();
    }

    /**
     * Stops at the first TB executed at or after guest instruction {@code n} (the notes'
     * {@code break cpu_loop_exec_tb if ...rr_guest_instr_count > n} stops one TB later when a TB
     * starts exactly at n), from here or from the nearest way back at or before n, and keeps a way
     * back there ({@link CheckpointPolicy#EVERY_POSITION}). Long spans are crossed with PANDA's
     * loop-pass hop or debug_counter; the last stretch TB by TB. Returns the count reached;
     * PandaException when another stop or the end of the recording came first, or n is before the
     * first TB.
     */
    public synchronized long toInstr(long n) {
        return mover.toInstr(n, true);
    }

    /** {@link #toInstr(long)}; keep: whether the count reached gets a way back (a fork, some 20 ms). */
    public synchronized long toInstr(long n, boolean keep) {
        return mover.toInstr(n, keep);
    }

    /**
     * To the TB boundary where debug_counter is called for the first period starting at or after
     * n (within one period and one TB past n), from the nearest way back: one stop per period.
     * Keeps no way back. Returns the count reached.
     */
    public synchronized long toCounter(long n) {
        return mover.toCounter(n);
    }

    /** Executes exactly one TB: stops at the next cpu_loop_exec_tb. Returns the count reached. */
    public synchronized long nextTb() {
        return mover.nextTb();
    }

    /**
     * Readies a forward move to n made by the caller's own continues: stays when this is a TB
     * boundary before n past the nearest way back at or before n, else goes back there. Returns
     * the count then.
     */
    public synchronized long readyToMoveTo(long n) {
        return mover.readyToMoveTo(n);
    }

    /**
     * The search's single continues on this side (one stop each, gdb's continues given up after
     * {@code limit}): a new set of tandem's breakpoints for them, made on first use.
     */
    public Continues continues(Duration limit) {
        return new Continues(process, mover, limit);
    }

    // ---- the ways back ----

    /** How this side goes back now (fork checkpoints turn into re-execution when gdb refuses them). */
    public WaysBack.Rewind rewind() {
        return mover.ways().kind();
    }

    /** The checkpoints kept, by guest instruction count (none where going back re-executes). */
    public Checkpoints checkpoints() {
        return mover.ways().checkpoints();
    }

    /** Keeps a way back at the current count (a TB boundary the caller will come back to). */
    public synchronized void keepCheckpointHere() {
        mover.keepCheckpointHere();
    }

    /** Keeps a way back to {@code instr}, where the side stands (nothing where going back re-executes). */
    public synchronized void keepCheckpointAt(long instr) {
        mover.keep(instr);
    }

    /**
     * Keeps a way back here, at {@code instr}, unless one is within {@code distance} guest
     * instructions before it ({@link CheckpointPolicy#WHEN_FAR}, the search's).
     */
    public synchronized void keepCheckpointIfFar(long instr, long distance) {
        long from = checkpoints().atOrBefore(instr).map(Map.Entry::getKey).orElse(-1L);
        if (CheckpointPolicy.WHEN_FAR.keeps(instr, from, distance)) mover.keep(instr);
    }

    /** After the program ended on gdb's fork checkpoints: keeps only the checkpoints gdb still lists. */
    public synchronized void forgetCheckpointsGdbDropped() {
        mover.ways().afterExit();
    }

    /** Times this side ran its program again from the start to go back (each a full pass up to the goal). */
    public int reexecutions() {
        return mover.reexecutions();
    }

    // ---- backward ----

    /**
     * gdb's reverse-continue: back to the last stop before now of the breakpoints and watchpoints
     * enabled now (rr's own on an rr replay; where going back re-executes, by the replay's index
     * over breakpoints: about two runs from the start to now, however often they were hit; else
     * forward passes from the ways back before now). With no stop before now the side stays where
     * it was and the answer says so.
     */
    public synchronized ReverseStop reverseContinue() {
        return indexed.reverseContinue();
    }

    /** reverse-stepi: at a TB boundary, back to the previous one; inside PANDA's host code, one host instruction back. */
    public synchronized ReverseStop reverseStepInstruction() {
        return reverse.reverseStepInstruction();
    }

    /**
     * reverse-finish: back to the first instruction of the current host function's current call
     * (where going back re-executes, by the replay's index: about two runs from the start to now).
     */
    public synchronized ReverseStop reverseFinish() {
        return indexed.reverseFinish();
    }

    /**
     * The last change before now of {@code lvalue} (a gdb lvalue or a guest-state name); the side
     * ends where it was. Where going back re-executes, by the replay's index of its value at each
     * debug_counter period: about two runs from the start to now.
     */
    public synchronized Origin origin(String lvalue) {
        return indexed.origin(lvalue);
    }

    /**
     * Every change of {@code lvalue} from the first TB after the begin function to now, oldest
     * first (the history `origin` on both sides compares); the side ends where it was.
     */
    public synchronized java.util.List<Origin> changes(String lvalue) {
        return reverse.changes(lvalue);
    }

    // ---- how moves run, and what they tell ----

    /** Who hears where a long forward pass of this timeline stands, at each of its stops. */
    public void onPass(Consumer<Pass> listener) {
        this.passes = listener == null ? pass -> { } : listener;
    }

    /**
     * Where this side says what it does that the user should know of, such as a move that runs the
     * program again from its start (a one-line sentence, without the side's name prefix).
     */
    public void onNotice(Consumer<String> listener) {
        mover.onNotice(listener);
    }

    /**
     * gdb commands to run each time this side stops at rr_do_begin_record / rr_do_begin_replay
     * (the first time, and after every re-execution): state the run needs that PANDA does not log.
     */
    public void atBegin(List<String> commands) {
        mover.atBegin(commands);
    }

    /** The gdb commands this side runs at the begin function (see {@link #atBegin(List)}). */
    public List<String> atBeginCommands() {
        return mover.atBeginCommands();
    }

    /** The longest one continue of a move may take before it is given up (4 hours unless set). */
    public void moveLimit(Duration limit) {
        mover.moveLimit(limit);
    }

    public Duration moveLimit() {
        return mover.moveLimit();
    }

    /**
     * Whether toInstr may cover long spans with debug_counter (on by default; it is used only when
     * the build has it). Off, every span is one conditional breakpoint on cpu_loop_exec_tb.
     */
    public void useDebugCounter(boolean use) {
        mover.useDebugCounter(use);
    }

    /** The count expression breakpoint conditions use (null: a plain read of the count at its address). */
    public void countCondition(String expression) {
        mover.countCondition(expression);
    }

    /** The count as breakpoint conditions read it: a plain memory read at a fixed address, or the condition set. */
    public String countExpression() {
        return mover.countExpression();
    }

    /** The count expression diverge.py puts in its breakpoint conditions: {@code *(uint64_t *)ADDR}. */
    public String divergeCountExpression() {
        return mover.divergeCountExpression();
    }

    /** PANDA's end of record / replay as a disabled breakpoint of tandem's; null when the build has none. */
    public synchronized Integer endBreakpoint() {
        return mover.endBreakpoint();
    }

    /** Debugger stops caused by moves so far (a measure of how much a search cost). */
    public int stops() {
        return mover.stops();
    }

    /** Counts a debugger stop of a move the caller made itself. */
    public void countStop() {
        mover.countStop();
    }

    /** Stops the move in progress (Ctrl-C) and every move after it until {@link #clearInterrupt()}. Never blocks. */
    public void interrupt() {
        mover.interrupt();
    }

    /** Lets moves run again after {@link #interrupt()}: the console calls it before each command. */
    public void clearInterrupt() {
        mover.clearInterrupt();
    }

    public boolean interrupted() {
        return mover.interrupted();
    }

    // ---- where, in words ----

    /** Where this side stands, for messages: "at guest instruction N", or before its first TB and what the next move does. */
    public String where() {
        return mover.where();
    }

    /** " (now at guest instruction N)", or nothing when the count can't be read. */
    /** {@link Mover#reexecuting()}. */
    public boolean reexecuting() {
        return mover.reexecuting();
    }

    public String describeWhere() {
        return mover.describeWhere();
    }

    /** Stopped in PANDA's end of replay, whether it is ending a failed replay (is_error set). */
    public boolean replayFailedHere() {
        return mover.ends().replayFailedHere();
    }

    /** A stop that ends this program, in words (a failed rr_assert of a replay, or as gdb said it). */
    public String ending(Stop stop) {
        return mover.ends().ending(stop);
    }
}
