// What a Debugger session runs on: how to start the process that speaks GDB/MI, what to tell gdb
// once it is up, and which gdb features the target supports.
package tandem.debugger;

import java.nio.file.Path;
import java.util.List;

public interface Target {

    /** A short description for messages: "rr replay of recrep", "live panda-system-mips". */
    String description();

    /** How gdb reaches the program: it traces it itself, or talks to a server (gdbserver, rr). */
    enum Connection {
        /** gdb ptraces the program: inferior calls save and restore registers through the host kernel. */
        NATIVE,
        /** gdb speaks the remote protocol to a server that owns the program. */
        REMOTE,
        /** Not known until gdb is up (rr is a server; a test stand-in for rr runs gdb natively). */
        UNKNOWN
    }

    /** The command line of the process that speaks GDB/MI on its stdio (gdb itself, or rr replay running gdb). */
    default List<String> commandLine() {
        return commandLine(List.of());
    }

    /**
     * The same with extra gdb options (such as {@code -iex "set debug-file-directory /x"}) placed
     * where gdb reads them before it loads the program.
     */
    List<String> commandLine(List<String> extraGdbOptions);

    /** The gdb that debugs the program (rr runs it; otherwise tandem does). */
    Path gdb();

    default Connection connection() {
        return Connection.UNKNOWN;
    }

    /** Working directory for that process. */
    Path workingDirectory();

    /** gdb console commands that bring the program to its first stop once gdb is up. */
    List<String> startCommands();

    /** The program being debugged (used to check its debug symbols and name its arch). */
    Path program();

    /** Reverse execution (rc, reverse-stepi): rr has it, a live program or gdbserver do not. */
    boolean canReverse();

    /** gdb {@code checkpoint} / {@code restart}: rr and a live Linux program have it; gdbserver does not. */
    boolean canCheckpoint();

    /** rr's checkpoints can be restarted any number of times; gdb's fork checkpoints are used up by restart. */
    default boolean restartKeepsCheckpoint() {
        return false;
    }

    /**
     * Whether gdb may write the program's memory outside a call into it. rr refuses such writes
     * with an error ("Attempt to write memory outside diversion session", GdbServer.cc; only an
     * inferior call's diversion may write); gdbserver and a live program take them.
     */
    default boolean acceptsMemoryWrites() {
        return true;
    }

    /** Breakpoint conditions evaluated by the target (gdbserver, rr) rather than by gdb per hit. */
    boolean evaluatesConditions();

    /** The gdb console command that starts the program again from its beginning. */
    default String rerunCommand() {
        return "run";
    }

    /**
     * Whether {@link #rerunCommand()} leaves the program stopped at its beginning rather than
     * running it to a breakpoint: rr stops a replay it restarts where it restarts it.
     */
    default boolean rerunStopsAtStart() {
        return false;
    }

    /**
     * The CPU this target's own server process runs on, for gdb to join it (see CpuPinning); -1
     * when it has none, and then gdb picks one for a program it traces natively.
     */
    default int cpu() {
        return -1;
    }

    /**
     * Process ids of the processes besides gdb that this target started (gdbserver): they and their
     * descendants are tandem's, to interrupt and to end with the session. A server started elsewhere
     * is not.
     */
    default List<Long> processIds() {
        return List.of();
    }

    /**
     * Whether the program pids gdb names (as {@code -list-thread-groups} gives them) are processes
     * of this machine, to look up in /proc, although gdb talks to a server: a gdbserver tandem
     * started here. False for a server started elsewhere (under rr they are the recorded pids);
     * a program gdb traces itself is found out from gdb's target stack instead.
     */
    default boolean serverPidsLocal() {
        return false;
    }

    /**
     * The last error the server this target started printed of its own before it ended
     * (gdbserver's "gdbserver: ..." lines), for the words of a lost target; null while it runs,
     * when it said none, or when this target started no server.
     */
    default String serverLastError() {
        return null;
    }

    /** Processes besides gdb that this target started and that must end with the session. */
    default void close() {
    }
}
