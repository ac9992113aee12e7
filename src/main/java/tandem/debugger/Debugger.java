// A gdb session over one target: the operations tandem needs, each answering with a value or a
// DebuggerException carrying gdb's message. Knows gdb semantics; knows nothing of PANDA.
package tandem.debugger;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

public interface Debugger extends AutoCloseable {

    /** What this session debugs (an rr trace, a live program, a gdb server). */
    Target target();

    /** gdb's display text of an expression, e.g. {@code "0x80001234"} or {@code "{a = 1}"}. */
    String evaluate(String expression);

    /**
     * The expression's value as an unsigned 64-bit number (read it with Long.toUnsignedString).
     * The one place that turns a gdb answer into a number: pointers, enums, chars and negative
     * values (two's complement) are all accepted.
     */
    long evaluateUnsigned(String expression);

    /** Calls a function in the program ({@code rr_checksum_regs()}); its value as text, "" when void. */
    String call(String expression);

    Breakpoint breakAt(String location, String condition);

    Breakpoint temporaryBreakAt(String location, String condition);

    /**
     * A temporary breakpoint at a function of a shared library that this run of the program may not
     * have loaded yet, though an earlier run did (gdb's {@code -break-insert -f}): gdb forgets a
     * library's symbols when the program starts again and reads them when the dynamic loader maps
     * it, so a run stopped before that (Ctrl-C early in it) knows no such function. gdb keeps the
     * breakpoint pending and sets it when the library is loaded. A name no library has stays
     * pending without a word: only for a function the program is known to have.
     */
    Breakpoint temporaryBreakAtOnceLoaded(String location);

    /** A hardware watchpoint on an lvalue such as {@code *(uint32_t *) 0x7f0012340000}. */
    Breakpoint watch(String lvalue);

    void condition(int breakpoint, String condition);

    void enable(int... breakpoints);

    void disable(int... breakpoints);

    void delete(int... breakpoints);

    /** Continues until the next stop. Waits at most {@code limit}; interrupt() ends the wait early. */
    Stop cont(Duration limit);

    /** Reverse-continues; only where {@link Target#canReverse()}. */
    Stop reverseCont(Duration limit);

    /**
     * Starts the program again from its beginning and runs it to the first stop: a breakpoint, a
     * signal, the end. gdb's {@code run}; for rr {@code run 0} and a continue (its plain {@code run}
     * goes back to the checkpoint last restarted to, and stops there).
     */
    Stop rerun(Duration limit);

    Stop stepInstruction();

    Stop reverseStepInstruction();

    Stop finish();

    /**
     * Pops the innermost frame without running the rest of its function (gdb's {@code return},
     * MI {@code -exec-return}): the caller goes on as if it had returned; its value is whatever
     * the return register holds, so only for functions whose value the caller ignores.
     */
    void returnFromFrame();

    /** Takes a checkpoint of the current state; its number, for {@link #restart(int)}. */
    int checkpoint();

    void restart(int checkpoint);

    /**
     * The checkpoints gdb lists now, by number, the one it runs in left out: after the program
     * exits, gdb carries on in one of its fork checkpoints, which is then no checkpoint any more.
     */
    java.util.Set<Integer> listedCheckpoints();

    /** Whether a checkpoint can be restarted again after a restart to it. */
    default boolean restartKeepsCheckpoint() {
        return target().restartKeepsCheckpoint();
    }

    byte[] readMemory(long address, int length);

    List<Frame> backtrace();

    /** A raw gdb console command, as typed at a gdb prompt; returns what gdb printed. */
    String console(String command);

    /**
     * A console command that neither moves the program nor waits for it to stop, safe while a move
     * runs on another thread (gdb takes it in the background, mi-async): for gdb's own state, such
     * as a variable of its Python. Returns what gdb printed.
     */
    String consoleAside(String command);

    /** Stops a running continue: the waiting call returns with Reason.INTERRUPTED. Safe from any thread; never blocks. */
    void interrupt();

    /** True while a continue or step is in progress. */
    boolean running();

    /** Lines the debugged program printed since the last call (its stdout and stderr, in order). */
    List<String> drainProgramOutput();

    /**
     * Waits until everything the program wrote so far is among {@link #drainProgramOutput}'s lines.
     * Its stderr reaches tandem on a pipe of its own, read apart from gdb's answers: without this, a
     * call that printed to stderr (cpu_dump_state) can return before its text has been read.
     */
    default void awaitProgramOutput() {
    }

    /**
     * Why this session can do nothing more, in one sentence (its remote server went away, or gdb
     * itself ended), or null while it can. Once gone, every operation fails at once with it.
     */
    default String gone() {
        return null;
    }

    /** Receives every stop, in order, including those of commands run through {@link #console}. */
    void onStop(Consumer<Stop> listener);

    /** Ends gdb and every process it started (the program, a gdb server, rr). Never throws. */
    @Override
    void close();
}
