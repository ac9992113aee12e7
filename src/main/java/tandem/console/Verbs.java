// What the command line asks of the console layer: the Groovy side implements it, the Java
// command line loads it by name so that `tandem doctor` and `--help` never load Groovy.
package tandem.console;

import java.nio.file.Path;
import java.util.List;

public interface Verbs {

    /**
     * Where the two PANDA runs come from: for each side an rr trace directory, or a PANDA command
     * line (recCmd, repCmd: run under gdb in {@code directory}, with gdb commands at the start of
     * record/replay). A side with a command line ignores its trace. {@code recRecordTrace}: rec
     * as the record run's trace NAME in {@code directory} (read-only), rep then a command line.
     */
    record Traces(Path rec, Path rep, Path rr, Path gdb, String arch, String recCmd, String repCmd, Path directory,
                  List<String> recAtBegin, List<String> repAtBegin, String recRecordTrace) {
        public Traces(Path rec, Path rep, Path rr, Path gdb, String arch) {
            this(rec, rep, rr, gdb, arch, null, null, null, List.of(), List.of(), null);
        }
    }

    record Demo(String bug, Long at, long instrs, Path gdb) {
    }

    /** Opens the REPL on two rr traces; returns the process exit code. */
    int console(Traces traces);

    /** Makes a demo recording, replays it with a bug, then opens the REPL (or runs {@code script}). */
    int demo(Demo demo, Path script);

    /** Runs a script with the console's bindings and DSL; {@code args} bound as a list. */
    int run(Path script, List<String> args);

    /** Exercises the console's classes once (for the launcher's class-data archive); prints nothing. */
    void warmup();

    /** The class the command line instantiates. */
    String IMPLEMENTATION = "tandem.console.ConsoleVerbs";

    static Verbs load() {
        try {
            return (Verbs) Class.forName(IMPLEMENTATION).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("tandem's console classes are missing from the classpath: " + e, e);
        }
    }
}
