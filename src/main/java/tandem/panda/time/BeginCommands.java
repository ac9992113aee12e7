package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.panda.PandaException;
import tandem.panda.PandaProcess;

import java.util.List;

/**
 * The gdb commands one side runs each time it stops at rr_do_begin_record / rr_do_begin_replay
 * (the first time, and after every re-execution): state the run needs that PANDA does not log.
 */
final class BeginCommands {
    private final PandaProcess process;
    private final String name;
    private final Debugger gdb;
    private volatile List<String> commands = List.of();

    BeginCommands(PandaProcess process, String name, Debugger gdb) {
        this.process = process;
        this.name = name;
        this.gdb = gdb;
    }

    void set(List<String> commands) {
        this.commands = List.copyOf(commands);
    }

    List<String> commands() {
        return commands;
    }

    /** Runs each command where the side stands (at the begin function); the first refused one fails the move. */
    void run() {
        for (String c : commands) {
            try {
                gdb.console(c);
            } catch (DebuggerException e) {
                // rr (GdbServer.cc): "Attempt to write memory outside diversion session", which gdb shows as
                // "Cannot access memory at address ..."
                String why = !gdb.target().acceptsMemoryWrites() && String.valueOf(e.getMessage()).contains("Cannot access memory")
                        ? " (rr refuses memory writes outside a call into the program; an rr trace replays the recorded run as it was, so it needs no state set at its start)"
                        : "";
                throw new PandaException(name + ": the command `" + c + "` given for " + process.beginFunction() + " failed: " + e.getMessage() + why, e);
            }
        }
    }
}
