// One side named by its PANDA command line instead of an rr trace: the program gdb starts and
// re-starts itself (real PANDA without rr), where it runs, and gdb commands to give at the start
// of record/replay each time it gets there.
package tandem.panda;

import tandem.debugger.LiveProgram;
import tandem.debugger.Shell;
import tandem.debugger.Target;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * @param words     the command line, program first: {@code ./mips-softmmu/panda-system-mips -M malta ... -replay ls}
 * @param directory where it runs (a recording NAME is found relative to it, as PANDA does)
 * @param atBegin   gdb commands run when the side reaches rr_do_begin_record / rr_do_begin_replay,
 *                  on every run: e.g. {@code set var 'cpu_mips_get_random'::seed = 1234} to give a
 *                  replay the record run's state that PANDA does not log
 */
public record PandaCommand(List<String> words, Path directory, List<String> atBegin) {

    public PandaCommand {
        if (words == null || words.isEmpty()) throw new PandaException("a PANDA command line needs at least the program");
        words = List.copyOf(words);
        atBegin = atBegin == null ? List.of() : List.copyOf(atBegin);
        directory = directory == null ? Path.of("").toAbsolutePath() : directory.toAbsolutePath();
    }

    /** A command line as a shell would split it (quotes and backslashes; no expansion). */
    public static PandaCommand parse(String commandLine, Path directory, List<String> atBegin) {
        return new PandaCommand(Shell.split(commandLine), directory, atBegin);
    }

    /**
     * PANDA replays when given {@code -replay NAME} (qemu-options.hx); otherwise it runs live and
     * takes a recording when the monitor says {@code begin_record}.
     */
    public PandaSession.Role role() {
        return words.contains("-replay") ? PandaSession.Role.REPLAY : PandaSession.Role.RECORD;
    }

    /** The program, resolved as a shell would: relative to the directory when it holds a slash, else on the PATH. */
    public Path program() {
        String p = words.get(0);
        if (p.contains("/")) return directory.resolve(p).normalize();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path c = Path.of(dir.isEmpty() ? "." : dir, p);
            if (Files.isExecutable(c)) return c.toAbsolutePath();
        }
        return Path.of(p);
    }

    /**
     * The program under gdb, first stopped at its {@code main}: PANDA's code and symbols live in
     * libpanda-ARCH.so, which the dynamic loader has mapped by then. Fails when the program is missing.
     */
    public Target target(Path gdb) {
        Path program = program();
        if (!Files.isExecutable(program)) {
            throw new PandaException("no PANDA program at " + program + " (from the command line `" + String.join(" ", words) + "`)");
        }
        return new LiveProgram(gdb, program, words.subList(1, words.size()), directory, null).withFirstStop("main");
    }

    @Override
    public String toString() {
        return String.join(" ", words);
    }
}
