// A program started by gdb itself, with its arguments, working directory and recorded stdin:
// how the demo target runs. Re-running a deterministic program stands in for an rr replay.
package tandem.debugger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public record LiveProgram(Path gdb, Path program, List<String> args, Path workingDirectory, Path stdin)
        implements Target {

    public LiveProgram {
        args = List.copyOf(args);
    }

    @Override
    public String description() {
        return "live " + program.getFileName();
    }

    @Override
    public List<String> commandLine() {
        return List.of(gdb.toString(), "--interpreter=mi3", "--nx", "-q", program.toString());
    }

    @Override
    public List<String> startCommands() {
        // gdb hands `run` arguments to the shell, so the redirection feeds the recorded input
        // and keeps the program off gdb's own stdin (the MI command stream).
        StringBuilder a = new StringBuilder("set args");
        for (String arg : args) a.append(' ').append(Shell.quote(arg));
        a.append(" < ").append(Shell.quote(stdin == null ? "/dev/null" : stdin.toString()));
        List<String> c = new ArrayList<>();
        String tdesc = HostRegisters.gdbCommand();
        if (tdesc != null) c.add(tdesc);
        c.add(a.toString());
        c.add("starti");
        return c;
    }

    @Override
    public boolean canReverse() {
        return false;
    }

    @Override
    public boolean canCheckpoint() {
        return true;
    }

    @Override
    public boolean evaluatesConditions() {
        return false;
    }
}
