// tandem's command line: parses arguments, picks the verb, turns failures into exit codes.
// Written in Java (picocli) so that --help, --version and doctor answer without loading Groovy.
package tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tandem.console.Verbs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A console for finding out why a PANDA replay diverges from its recording.",
        subcommands = {Main.Console.class, Main.Demo.class, Main.Run.class, Doctor.class, Main.Warmup.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  tandem demo                      a recording, a replay that fails on a MIPS TLB bug, and the console on both",
                "  tandem console recrep reprep     the console on two rr traces (PANDA recording, PANDA replaying)",
                "  tandem run recipes/regs.groovy   a script with the console's DSL",
                "  tandem doctor --panda ./mips-softmmu/panda-system-mips"})
public final class Main implements Runnable {

    static final String VERSION = "0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        // everything after the script's path is the script's own: `tandem run recipes/07-inspect.groovy --demo`
        cl.getSubcommands().get("run").setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(true);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tandem: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"tandem " + VERSION, "Java " + System.getProperty("java.version")};
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = {"Opens the REPL on two rr traces: `rec` (PANDA taking the recording) and `rep`",
                    "(PANDA replaying it and failing), both run to the first TB after rr_do_begin_record /",
                    "rr_do_begin_replay. The prompt comes at once; the first command waits for the sessions."},
            footer = {"", "Examples:",
                    "  tandem console recrep reprep",
                    "  tandem console --rr /usr/local/bin/rr --arch mips recrep reprep",
                    "  echo 'toInstr 1718780; regs()' | tandem console recrep reprep"})
    static final class Console implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RECTRACE", description = "rr trace of PANDA recording (rr record -o recrep ...)")
        Path rec;
        @Parameters(index = "1", paramLabel = "REPTRACE", description = "rr trace of PANDA replaying (rr record -o reprep ... -replay NAME)")
        Path rep;
        @Option(names = "--rr", paramLabel = "PATH", description = "rr executable (default: rr on the PATH)", defaultValue = "rr")
        Path rr;
        @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: gdb on the PATH)", defaultValue = "gdb")
        Path gdb;
        @Option(names = "--arch", paramLabel = "A", description = "guest arch: mips, i386, x86_64, arm, aarch64, ppc (default: from the PANDA binary's name)")
        String arch;

        @Override
        public Integer call() {
            return Verbs.load().console(new Verbs.Traces(rec, rep, rr, gdb, arch));
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = {"Builds mini-PANDA (the demo target) if needed, records a guest run, replays it with",
                    "an injected bug (the replay fails, as in the notes), then opens the console on both runs."},
            footer = {"", "Examples:",
                    "  tandem demo                              MIPS TLB bug at 1000000 of 2000000 instructions",
                    "  tandem demo --bug reg --at 5000 --instrs 20000",
                    "  tandem demo --run check.groovy           run a script on the pair instead of the REPL"})
    static final class Demo implements Callable<Integer> {
        @Option(names = "--bug", paramLabel = "KIND", description = "tlb, reg, ram or irq (default: ${DEFAULT-VALUE})", defaultValue = "tlb")
        String bug;
        @Option(names = "--at", paramLabel = "N", description = "guest instruction of the bug (default: half of --instrs)")
        Long at;
        @Option(names = "--instrs", paramLabel = "N", description = "guest instructions to record (default: ${DEFAULT-VALUE})", defaultValue = "2000000")
        long instrs;
        @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: gdb on the PATH)", defaultValue = "gdb")
        Path gdb;
        @Option(names = "--run", paramLabel = "FILE.groovy", description = "run this script on the pair instead of opening the REPL")
        Path script;

        @Override
        public Integer call() {
            return Verbs.load().demo(new Verbs.Demo(bug, at, instrs, gdb), script);
        }
    }

    /** Run by the launcher once, to record the classes tandem loads into a class-data archive. */
    @Command(name = "warmup", hidden = true)
    static final class Warmup implements Callable<Integer> {
        @Override
        public Integer call() {
            new CommandLine(new Main()).getUsageMessage();
            Verbs.load().warmup();
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = {"Runs a Groovy script with the console's bindings and DSL. `args` holds the ARGS;",
                    "the script opens its sessions with demo(...) or open(rec: ..., rep: ...).",
                    "Exit code 0 on success; on failure the error is printed and the exit code is 1."},
            footer = {"", "Examples:",
                    "  tandem run recipes/07-inspect.groovy --demo --at 100005",
                    "  tandem run check.groovy recrep reprep 1718780",
                    "", "A script:",
                    "  open(rec: args[0], rep: args[1])      // or: demo(bug: 'tlb', at: 1000000)",
                    "  toInstr args[2] as long",
                    "  println checksums()"})
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE.groovy")
        Path script;
        @Parameters(index = "1..*", paramLabel = "ARGS")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return Verbs.load().run(script, args);
        }
    }
}
