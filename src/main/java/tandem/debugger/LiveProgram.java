// A program started by gdb itself, with its arguments, working directory and recorded stdin:
// how the demo target and a real PANDA command line run. Re-running a deterministic program (a
// PANDA replay) stands in for an rr replay.
package tandem.debugger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * @param firstStop where the program first stops: null for its very first instruction (gdb's
 *     {@code starti}), or a location such as {@code main} for a program whose symbols live in a
 *     shared library gdb knows only once the dynamic loader has mapped it (real PANDA's code is in
 *     {@code libpanda-ARCH.so}, loaded before the launcher's {@code main}).
 */
public record LiveProgram(Path gdb, Path program, List<String> args, Path workingDirectory, Path stdin,
                          List<String> gdbOptions, String firstStop) implements Target {

    public LiveProgram {
        args = List.copyOf(args);
        gdbOptions = List.copyOf(gdbOptions);
    }

    public LiveProgram(Path gdb, Path program, List<String> args, Path workingDirectory, Path stdin) {
        this(gdb, program, args, workingDirectory, stdin, List.of(), null);
    }

    /** The same program with more gdb options, e.g. {@code -iex "set debug-file-directory /nonexistent"}. */
    public LiveProgram withGdbOptions(String... options) {
        List<String> o = new ArrayList<>(gdbOptions);
        o.addAll(List.of(options));
        return new LiveProgram(gdb, program, args, workingDirectory, stdin, o, firstStop);
    }

    /** The same program, first stopped at {@code location} instead of its first instruction. */
    public LiveProgram withFirstStop(String location) {
        return new LiveProgram(gdb, program, args, workingDirectory, stdin, gdbOptions, location);
    }

    @Override
    public String description() {
        return "live " + program.getFileName();
    }

    @Override
    public List<String> commandLine(List<String> extraGdbOptions) {
        List<String> c = new ArrayList<>(List.of(gdb.toString(), "--interpreter=mi3", "--nx", "-q"));
        c.addAll(gdbOptions);
        c.addAll(extraGdbOptions);
        c.add(program.toString());
        return c;
    }

    @Override
    public Connection connection() {
        return Connection.NATIVE;
    }

    @Override
    public List<String> startCommands() {
        // gdb hands `run` arguments to the shell, so the redirection feeds the recorded input
        // and keeps the program off gdb's own stdin (the MI command stream).
        StringBuilder a = new StringBuilder("set args");
        for (String arg : args) a.append(' ').append(Shell.quote(arg));
        a.append(" < ").append(Shell.quote(stdin == null ? "/dev/null" : stdin.toString()));
        List<String> c = new ArrayList<>();
        c.add(a.toString());
        if (firstStop == null) {
            c.add("starti");
        } else {
            c.add("tbreak " + firstStop);
            c.add("run");
        }
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
