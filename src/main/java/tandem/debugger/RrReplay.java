// An rr replay of a trace directory: `rr replay -d GDB TRACE -- <gdb MI options>`. rr starts gdb,
// stops the replay at the program's start, and gives gdb reverse execution and checkpoints that
// can be restarted any number of times.
package tandem.debugger;

import java.nio.file.Path;
import java.util.List;

public record RrReplay(RrTrace trace, Path gdb, Path tty, List<String> gdbOptions) implements Target {

    public RrReplay {
        gdbOptions = List.copyOf(gdbOptions);
    }

    public RrReplay(RrTrace trace, Path gdb, Path tty) {
        this(trace, gdb, tty, List.of());
    }

    /** The same replay with the replayed program's output sent to {@code tty} (rr 5.5+'s {@code --tty}). */
    public RrReplay withTty(Path tty) {
        return new RrReplay(trace, gdb, tty, gdbOptions);
    }

    @Override
    public String description() {
        return "rr replay of " + trace.directory().getFileName();
    }

    @Override
    public List<String> commandLine(List<String> extraGdbOptions) {
        List<String> c = new java.util.ArrayList<>(List.of(trace.rr().toString(), "replay", "-d", gdb.toString()));
        // rr's --tty sends the replayed program's own output to a file instead of rr's stdout
        if (tty != null) c.addAll(List.of("--tty", tty.toString()));
        c.add(trace.directory().toString());
        c.addAll(List.of("--", "--interpreter=mi3", "--nx", "-q"));
        c.addAll(gdbOptions);
        c.addAll(extraGdbOptions);
        return c;
    }

    @Override
    public Path workingDirectory() {
        return trace.directory().getParent();
    }

    @Override
    public List<String> startCommands() {
        return List.of(); // rr has already stopped the replay at the start of the program
    }

    @Override
    public Path program() {
        String cmd = trace.pandaCommand();
        return Path.of(cmd.split(" ", 2)[0]);
    }

    @Override
    public boolean canReverse() {
        return true;
    }

    @Override
    public boolean canCheckpoint() {
        return true;
    }

    @Override
    public boolean acceptsMemoryWrites() {
        return false; // outside a diversion (GdbServer.cc, DREQ_SET_MEM)
    }

    /**
     * rr's `run` without an argument goes back to the checkpoint last restarted to, not to the start
     * (RESTART_FROM_PREVIOUS restores debugger_restart_checkpoint, GdbServer.cc:1750-1751, 1773);
     * `run 0` replays to event 0, the point a replay first stops at (RESTART_FROM_EVENT,
     * GdbServerConnection.cc:1190-1194, GdbServer.cc:1780-1797).
     */
    @Override
    public String rerunCommand() {
        return "run 0";
    }

    /** Every rr restart leaves interrupt_pending set: gdb's resume after it stops at once (GdbServer.cc:1764, 1453-1461). */
    @Override
    public boolean rerunStopsAtStart() {
        return true;
    }

    @Override
    public boolean restartKeepsCheckpoint() {
        return true;
    }

    @Override
    public boolean evaluatesConditions() {
        return true;
    }
}
