// tandem's command line: parses arguments, picks the verb, turns failures into exit codes.
// Written in Java (picocli) so that --help, --version and doctor answer without loading Groovy.
package tandem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tandem.bisect.BisectCommand;
import tandem.bisect.BisectOptions;
import tandem.console.Verbs;
import tandem.debugger.GdbDebugger;
import tandem.debugger.RrReplay;
import tandem.debugger.RrTrace;
import tandem.panda.Arch;
import tandem.panda.Pair;
import tandem.panda.PandaSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A console for finding out why a PANDA replay diverges from its recording.",
        subcommands = {Main.Console.class, Main.Bisect.class, Main.Demo.class, Main.Run.class, Doctor.class, Main.Warmup.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  tandem demo                           the console on a demo replay that fails",
                "  tandem console recrep reprep          the console on two rr traces",
                "  tandem run recipes/07-inspect.groovy  a script (a step of the notes) with the DSL",
                "  tandem bisect recrep reprep           where the replay first diverges",
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

    /** The two rr traces and the tools that replay them: what `console` and `bisect` share. */
    static final class TraceArgs {
        @Parameters(index = "0", paramLabel = "RECTRACE", description = "rr trace of PANDA recording (rr record -o recrep ...)")
        Path rec;
        @Parameters(index = "1", paramLabel = "REPTRACE", description = "rr trace of PANDA replaying (rr record -o reprep ... -replay NAME)")
        Path rep;
        @Option(names = "--rr", paramLabel = "PATH", description = "rr executable (default: rr on the PATH)", defaultValue = "rr")
        Path rr;
        @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: gdb on the PATH)", defaultValue = "gdb")
        Path gdb;
        @Option(names = "--arch", paramLabel = "A", description = "guest arch: mips, i386, x86_64, arm, aarch64, ppc (default: from each trace's PANDA binary)")
        String arch;

        /**
         * A program named as a shell takes it: with a slash, a path from the current directory (gdb
         * and rr run in the trace's directory, where a relative path means something else); without
         * one, looked up on the PATH when started.
         */
        static Path program(Path p) {
            return p.toString().contains("/") ? p.toAbsolutePath().normalize() : p;
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "The console on two rr traces: rec (recording) and rep (replaying).",
            description = {"Opens the REPL on two rr traces: `rec` (PANDA taking the recording) and `rep`",
                    "(PANDA replaying it and failing), both run to the first TB after rr_do_begin_record /",
                    "rr_do_begin_replay. The prompt comes at once; the first command waits for the sessions."},
            footer = {"", "Examples:",
                    "  tandem console recrep reprep",
                    "  tandem console --rr /usr/local/bin/rr --arch mips recrep reprep",
                    "  echo 'toInstr 1718780; regs()' | tandem console recrep reprep"})
    static final class Console implements Callable<Integer> {
        @Mixin
        TraceArgs traces;

        @Override
        public Integer call() {
            return Verbs.load().console(new Verbs.Traces(traces.rec, traces.rep, TraceArgs.program(traces.rr), TraceArgs.program(traces.gdb), traces.arch));
        }
    }

    @Command(name = "bisect", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "Finds the first guest instruction where the replay diverges.",
            description = {"Finds the first guest instruction where the replay (REPTRACE) diverges from the",
                    "recording (RECTRACE), and what differs there: registers, RAM, TLB, both backtraces.",
                    "The last line is `first divergence at guest instruction N`.",
                    "Exit code 0: found; 1: the runs never diverge; 2: an error (bad input, a lost debugger)."},
            footer = {"", "Examples:",
                    "  tandem bisect recrep reprep",
                    "  tandem bisect recrep reprep --instr-bounds=1700000,1718780 --report divergence.json",
                    "  tandem bisect recrep reprep --resume=bisect.resume   (again after Ctrl-C: continues)"})
    static final class Bisect implements Callable<Integer> {
        @Mixin
        TraceArgs traces;
        @Option(names = "--instr-bounds", paramLabel = "LO,HI", description = "search only between these guest instruction counts")
        String bounds;
        @Option(names = "--instr-max", paramLabel = "M", description = "the highest count to search to (default: where a side ends)")
        String instrMax;
        @Option(names = "--skip-bisect-time", description = "trust --instr-bounds as the bracket (LO equal, HI differing)")
        boolean skipBisectTime;
        @Option(names = "--strategy", paramLabel = "S", description = "tandem (default) or diverge (diverge.py's way)")
        String strategy;
        @Option(names = "--resume", paramLabel = "FILE", description = "keep the search's progress here; continue from it when it exists")
        Path resume;
        @Option(names = "--report", paramLabel = "FILE", description = "write the divergence as JSON to FILE and as Markdown beside it")
        Path report;

        @Override
        public Integer call() {
            BisectOptions opts;
            Optional<Arch> forced;
            try {
                opts = BisectOptions.parse(flags());
                String arch = traces.arch;
                forced = arch == null ? Optional.empty() : Optional.of(Arch.fromName(arch).orElseThrow(() ->
                        new IllegalArgumentException("unknown arch '" + arch + "': one of " + Arch.knownNames())));
            } catch (RuntimeException e) {
                System.out.println("bisect failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
            PandaSession recSide = null;
            PandaSession repSide = null;
            try {
                recSide = open("rec", PandaSession.Role.RECORD, traces.rec, forced);
                repSide = open("rep", PandaSession.Role.REPLAY, traces.rep, forced);
            } catch (RuntimeException e) {
                System.out.println("bisect failed: " + e.getMessage());
                if (recSide != null) recSide.close();
                return BisectCommand.ERROR;
            }
            try (Pair pair = new Pair(recSide, repSide)) {
                try {
                    pair.both(PandaSession::beginRecordOrReplay);
                } catch (RuntimeException e) {
                    System.out.println("bisect failed: " + e.getMessage());
                    return BisectCommand.ERROR;
                }
                return BisectCommand.run(pair, opts, System.out);
            }
        }

        private PandaSession open(String name, PandaSession.Role role, Path dir, Optional<Arch> forced) {
            // the arch comes from each trace's own PANDA binary (rr ps), so a mismatch shows
            GdbDebugger d = GdbDebugger.open(new RrReplay(new RrTrace(TraceArgs.program(traces.rr), dir.toAbsolutePath()), TraceArgs.program(traces.gdb), null));
            try {
                return PandaSession.open(name, role, d, forced);
            } catch (RuntimeException e) {
                d.close();
                throw new RuntimeException(name + " (" + dir + "): " + e.getMessage(), e);
            }
        }

        private List<String> flags() {
            List<String> f = new ArrayList<>();
            if (bounds != null) f.add("--instr-bounds=" + bounds);
            if (instrMax != null) f.add("--instr-max=" + instrMax);
            if (skipBisectTime) f.add("--skip-bisect-time");
            if (strategy != null) f.add("--strategy=" + strategy);
            if (resume != null) f.add("--resume=" + resume);
            if (report != null) f.add("--report=" + report);
            return f;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "The console on mini-PANDA: a recording and its failing replay.",
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
            return Verbs.load().demo(new Verbs.Demo(bug, at, instrs, TraceArgs.program(gdb)), script);
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
            header = "Runs a Groovy script (a recipe) with the console's DSL.",
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
