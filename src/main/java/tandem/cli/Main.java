// tandem's command line: parses arguments, picks the verb, turns failures into exit codes.
// Written in Java (picocli) so that --help, --version and doctor answer without loading Groovy.
package tandem.cli;

import tandem.panda.trace.TraceFile;
import tandem.panda.trace.TracePlugin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tandem.bisect.BisectCommand;
import tandem.bisect.BisectOptions;
import tandem.bisect.Divergence;
import tandem.console.Verbs;
import tandem.panda.Arch;
import tandem.panda.Pair;
import tandem.panda.PandaCommand;
import tandem.panda.PandaSession;
import tandem.panda.PandaSide;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A console for finding out why a PANDA replay diverges from its recording.",
        subcommands = {Main.Record.class, Main.Console.class, Main.Bisect.class, Main.Check.class, Main.Demo.class, Main.Run.class, Doctor.class, Main.Warmup.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  tandem demo                           the console on a demo replay that fails",
                "  tandem console recrep reprep          the console on two rr traces",
                "  tandem console --rec-cmd C --rep-cmd C",
                "                                        the console on two PANDA command lines",
                "  tandem run recipes/07-inspect.groovy  a step of the notes, as a script",
                "  tandem bisect recrep reprep           where the replay first diverges",
                "  tandem check --cmd C                  whether a replay is deterministic",
                "  tandem record --name ls --cmd C --guest-cmd 'ls /etc' --until '# '",
                "                                        PANDA's record run, with a record trace",
                "  tandem doctor --panda ./mips-softmmu/panda-system-mips"})
public final class Main implements Runnable {

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

    /** The two PANDA runs and the tools that run them: what `console` and `bisect` share. */
    static final class TraceArgs {
        @Parameters(index = "0", arity = "0..1", paramLabel = "RECTRACE", description = "rr trace of PANDA recording (rr record -o recrep ...)")
        Path rec;
        @Parameters(index = "1", arity = "0..1", paramLabel = "REPTRACE", description = "rr trace of PANDA replaying (rr record -o reprep ... -replay NAME)")
        Path rep;
        @Option(names = "--rec-cmd", paramLabel = "CMDLINE", description = "instead of RECTRACE: a PANDA command line gdb runs itself (without rr), e.g. a replay of the recording known to be right")
        String recCmd;
        @Option(names = "--rep-cmd", paramLabel = "CMDLINE", description = "instead of REPTRACE: a PANDA command line gdb runs itself, e.g. './mips-softmmu/panda-system-mips -M malta -m 128M -kernel prog.elf -display none -replay ls'")
        String repCmd;
        @Option(names = "--rec-trace", paramLabel = "NAME", description = "instead of RECTRACE: the record trace the record run wrote (NAME-tandem-trace beside NAME-rr-snp in --cwd; `tandem record`); rep must be --rep-cmd")
        String recTrace;
        @Option(names = "--cwd", paramLabel = "DIR", description = "where the command lines run (default: the current directory)")
        Path cwd;
        @Option(names = "--rec-at-begin", paramLabel = "GDBCMD", description = "a gdb command run on rec at the start of record/replay, each time (repeatable)")
        List<String> recAtBegin = new ArrayList<>();
        @Option(names = "--rep-at-begin", paramLabel = "GDBCMD", description = "the same on rep (repeatable)")
        List<String> repAtBegin = new ArrayList<>();
        @Option(names = "--rr", paramLabel = "PATH", description = "rr executable (default: rr on the PATH)", defaultValue = "rr")
        Path rr;
        @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: gdb on the PATH)", defaultValue = "gdb")
        Path gdb;
        @Option(names = "--arch", paramLabel = "A", description = "guest arch: mips, i386, x86_64, arm, aarch64, ppc (default: from each side's PANDA binary)")
        String arch;

        /** Each side needs its trace or its command line; says which is missing. */
        void check() {
            if (recTrace != null) {
                if (rec != null || recCmd != null) throw new IllegalArgumentException("rec is the record trace (--rec-trace); give no RECTRACE or --rec-cmd with it");
                if (repCmd == null) throw new IllegalArgumentException("--rec-trace needs rep as a PANDA command line: --rep-cmd CMDLINE (a replay of the recording)");
                return;
            }
            if (rec == null && recCmd == null) throw new IllegalArgumentException("rec needs RECTRACE (an rr trace directory) or --rec-cmd CMDLINE");
            if (rep == null && repCmd == null) throw new IllegalArgumentException("rep needs REPTRACE (an rr trace directory) or --rep-cmd CMDLINE");
            if (recCmd != null && rec != null && rep == null && repCmd == null) {
                throw new IllegalArgumentException("rep needs REPTRACE or --rep-cmd CMDLINE (the one trace given is taken as RECTRACE)");
            }
        }

        /** The side as opened: a command line when given, else the trace. */
        PandaSide side(String name) {
            boolean isRec = name.equals("rec");
            String cmd = isRec ? recCmd : repCmd;
            // with one side a command line, a single positional trace belongs to the other side
            Path trace = isRec ? rec : (recCmd != null && rep == null ? rec : rep);
            if (cmd != null) {
                return PandaSide.command(name, PandaCommand.parse(cmd, cwd, isRec ? recAtBegin : repAtBegin), program(gdb));
            }
            PandaSide t = PandaSide.trace(name, isRec ? PandaSession.Role.RECORD : PandaSession.Role.REPLAY, program(rr), program(gdb), trace);
            List<String> at = isRec ? recAtBegin : repAtBegin;
            return at.isEmpty() ? t : new PandaSide(name, t.role(), t.target(), at);
        }

        /** `bisect --log`: the nondet log of each side that replays one (read when the divergence is found). */
        tandem.bisect.Explanation explain(tandem.bisect.Divergence d) {
            return tandem.bisect.Explanation.of(d, nondetLog(recCmd, "rec"), nondetLog(repCmd, "rep"));
        }

        private tandem.panda.nondet.NondetLog nondetLog(String cmd, String side) {
            if (cmd == null) {
                System.out.println(side + ": an rr trace: its nondet log is not read (--log reads those of command lines with -replay NAME)");
                return null;
            }
            var path = tandem.panda.nondet.NondetLog.of(PandaCommand.parse(cmd, cwd, List.of()));
            if (path.isEmpty()) return null;
            try {
                return tandem.panda.nondet.NondetLog.cached(path.get());
            } catch (RuntimeException e) {
                System.out.println(side + ": " + e.getMessage());
                return null;
            }
        }

        Verbs.Traces toVerbs() {
            Path recDir = recCmd == null ? rec : null;
            Path repTrace = repCmd == null ? (recCmd != null && rep == null ? rec : rep) : null;
            return new Verbs.Traces(recDir, repTrace, program(rr), program(gdb), arch, recCmd, repCmd, cwd, recAtBegin, repAtBegin, recTrace);
        }

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
            header = "The console on rec and rep: rr traces or PANDA command lines.",
            description = {"Opens the REPL on two rr traces: `rec` (PANDA taking the recording) and `rep`",
                    "(PANDA replaying it and failing), both run to the first TB after",
                    "rr_do_begin_record / rr_do_begin_replay. The prompt comes at once; the first",
                    "command waits for the sessions."},
            footer = {"", "Examples:",
                    "  tandem console recrep reprep",
                    "  tandem console --rr /usr/local/bin/rr --arch mips recrep reprep",
                    "  tandem console --cwd rec/ \\",
                    "      --rec-cmd './panda-system-mips -M malta -kernel k -replay good' \\",
                    "      --rep-cmd './panda-system-mips -M malta -kernel k -replay ls'",
                    "                 (no rr: gdb runs PANDA)",
                    "  tandem console --cwd rec/ --rec-trace ls \\",
                    "      --rep-cmd './panda-system-mips -M malta -kernel k -replay ls'",
                    "                 (rec: the record run's trace, read-only; `tandem record`)",
                    "  echo 'toInstr 1718780; regs()' | tandem console recrep reprep"})
    static final class Console implements Callable<Integer> {
        @Mixin
        TraceArgs traces;

        @Override
        public Integer call() {
            traces.check();
            return Verbs.load().console(traces.toVerbs());
        }
    }

    @Command(name = "bisect", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "Finds the first guest instruction where the replay diverges.",
            description = {"Finds the first guest instruction where the replay (REPTRACE) diverges from the",
                    "recording (RECTRACE), and what differs there: registers, RAM, TLB, both",
                    "backtraces. The last line is `first divergence at guest instruction N`.",
                    "Exit code 0: found; 1: the runs never diverge; 2: an error (bad input, a lost",
                    "debugger)."},
            footer = {"", "Examples:",
                    "  tandem bisect recrep reprep",
                    "  tandem bisect recrep reprep --instr-bounds=1700000,1718780 \\",
                    "      --report divergence.json",
                    "  tandem bisect recrep reprep --resume=bisect.resume",
                    "  tandem bisect --cwd rec/ --rec-cmd '... -replay good' \\",
                    "      --rep-cmd '... -replay ls' --log",
                    "                 (and what the nondet logs hold there, and the cause)",
                    "  tandem bisect --rec-trace ls --rep-cmd 'panda-system-mips ... -replay ls'",
                    "                 (no rr: the record run's own trace is rec)",
                    "                 (again after Ctrl-C: it goes on where it stopped)"})
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
        @Option(names = "--no-traced-replays", description = "between two PANDA replays under gdb, search under gdb only, without first running both with tandem's PANDA plugin (which needs PANDA's source tree beside its build)")
        boolean noTracedReplays;
        @Option(names = "--log", description = "say what PANDA's nondet logs (-replay NAME: NAME-rr-nondet.log) hold at the divergence: the items each side consumed there, where the logs first differ, and the cause")
        boolean log;
        @Option(names = "--host", description = "at the divergence, step the host code of the TB on both sides in lockstep and name the first host function whose result differs, with its backtrace (both sides go back to the last equal count)")
        boolean host;
        @Option(names = "--host-steps", paramLabel = "N", description = "with --host: at most N host instructions and calls per side (default: ${DEFAULT-VALUE})", defaultValue = "" + tandem.bisect.HostLockstep.DEFAULT_MAX_STEPS)
        long hostSteps;

        @Override
        public Integer call() {
            BisectOptions opts;
            Optional<Arch> forced;
            try {
                traces.check();
                opts = BisectOptions.parse(flags());
                if (traces.recTrace != null) return recTrace();
                String arch = traces.arch;
                forced = arch == null ? Optional.empty() : Optional.of(Arch.fromName(arch).orElseThrow(() ->
                        new IllegalArgumentException("unknown arch '" + arch + "': one of " + Arch.knownNames())));
            } catch (RuntimeException e) {
                System.out.println("bisect failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
            Pair opened;
            try {
                // the arch comes from each side's own PANDA binary, so a mismatch shows
                opened = Pair.open(traces.side("rec"), traces.side("rep"), forced);
            } catch (RuntimeException e) {
                System.out.println("bisect failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
            opened.rec().onNotice(text -> System.out.println("rec: " + text));
            opened.rep().onNotice(text -> System.out.println("rep: " + text));
            try (Pair pair = opened) {
                try {
                    pair.both(PandaSession::beginRecordOrReplay);
                } catch (RuntimeException e) {
                    System.out.println("bisect failed: " + e.getMessage());
                    return BisectCommand.ERROR;
                }
                java.util.function.Function<Divergence, tandem.bisect.Explanation> explain = log ? traces::explain : null;
                if (host) {
                    explain = d -> {
                        var h = tandem.bisect.HostLockstep.find(pair, d, hostSteps, t -> System.out.println("host: " + t));
                        return (log ? traces.explain(d) : tandem.bisect.Explanation.withoutLogs()).withHost(h);
                    };
                }
                return BisectCommand.run(pair, opts, System.out, explain);
            }
        }

        /** The search whose rec side is a record trace: tandem.rectrace. */
        private int recTrace() {
            try {
                var o = tandem.rectrace.RecTraceSearch.search(tandem.rectrace.RecTraceSearch.RecTrace.of(traces.recTrace, traces.cwd),
                        traces.repCmd, traces.repAtBegin, TraceArgs.program(traces.gdb), System.out);
                return o.result().divergence() != null ? BisectCommand.FOUND : BisectCommand.NEVER_DIVERGE;
            } catch (RuntimeException e) {
                System.out.println("bisect failed: " + e.getMessage());
                return BisectCommand.ERROR;
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
            if (noTracedReplays) f.add("--no-traced-replays");
            return f;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "Replays one recording twice and says whether the two replays agree.",
            description = {"Runs the PANDA replay CMDLINE twice under gdb, side by side, and searches for",
                    "the first guest instruction where the two runs differ (the search of `tandem",
                    "bisect`, with the same command line on both sides). A PANDA replay must be",
                    "deterministic: two runs that differ mean that something the nondet log does not",
                    "hold reaches the guest. The report then shows what differs there, the nondet",
                    "log at that point, and the cause the evidence points to. The last line is",
                    "`the replays agree ...` or `the replays differ: first at guest instruction N`.",
                    "Exit code 0: they agree; 1: they differ; 2: an error (bad input, a lost",
                    "debugger)."},
            footer = {"", "Examples:",
                    "  tandem check --cwd rec/ --cmd './panda-system-arm -M virt ... -replay ls'",
                    "  tandem check --cmd '... -replay ls' --instr-bounds=0,1000000"})
    static final class Check implements Callable<Integer> {
        public static final int AGREE = 0, DIFFER = 1;
        @Option(names = "--cmd", required = true, paramLabel = "CMDLINE", description = "the PANDA replay to run twice, e.g. './panda-system-arm -M virt -m 256M -kernel vmlinuz ... -replay ls'")
        String cmd;
        @Option(names = "--cwd", paramLabel = "DIR", description = "where the command line runs (default: the current directory)")
        Path cwd;
        @Option(names = "--at-begin", paramLabel = "GDBCMD", description = "a gdb command run on both runs at rr_do_begin_replay (repeatable)")
        List<String> atBegin = new ArrayList<>();
        @Option(names = "--instr-bounds", paramLabel = "LO,HI", description = "compare only between these guest instruction counts")
        String bounds;
        @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: gdb on the PATH)", defaultValue = "gdb")
        Path gdb;
        @Option(names = "--host-steps", paramLabel = "N", description = "at the first difference, step the host code of the TB on both runs in lockstep, at most N host instructions and calls per run, and name the first host function whose result differs (default: ${DEFAULT-VALUE}; 0: don't)", defaultValue = "" + tandem.bisect.HostLockstep.DEFAULT_MAX_STEPS)
        long hostSteps;
        @Option(names = "--report", paramLabel = "FILE", description = "write the difference as JSON to FILE and as Markdown beside it")
        Path report;

        @Override
        public Integer call() {
            PandaCommand command;
            BisectOptions opts;
            try {
                command = PandaCommand.parse(cmd, cwd, atBegin);
                if (command.role() != PandaSession.Role.REPLAY) {
                    throw new IllegalArgumentException("--cmd must replay a recording (-replay NAME): `" + cmd + "` records");
                }
                opts = BisectOptions.parse(bounds == null ? List.of() : List.of("--instr-bounds=" + bounds));
            } catch (RuntimeException e) {
                System.out.println("check failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
            Pair opened;
            try {
                opened = Pair.open(PandaSide.command("rec", command, TraceArgs.program(gdb)),
                        PandaSide.command("rep", command, TraceArgs.program(gdb)), Optional.empty());
            } catch (RuntimeException e) {
                System.out.println("check failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
            opened.rec().onNotice(text -> System.out.println("run 1: " + text));
            opened.rep().onNotice(text -> System.out.println("run 2: " + text));
            try (Pair pair = opened) {
                pair.both(PandaSession::beginRecordOrReplay);
                Divergence d = tandem.bisect.Bisector.search(pair, opts);
                if (!d.diverged()) {
                    d.notes().forEach(n -> System.out.println("note: " + n));
                    System.out.println("the replays agree at every point compared in [" + d.lo() + ", " + d.hi() + "]");
                    return AGREE;
                }
                System.out.println("(rec: the first run, rep: the second)");
                System.out.println(d);
                var log = tandem.panda.nondet.NondetLog.of(command).map(p -> {
                    try {
                        return tandem.panda.nondet.NondetLog.cached(p);
                    } catch (RuntimeException e) {
                        System.out.println(e.getMessage());
                        return null;
                    }
                }).orElse(null);
                var why = tandem.bisect.Explanation.ofOneReplay(d, log);
                if (hostSteps > 0) {
                    why = why.withHost(tandem.bisect.HostLockstep.find(pair, d, hostSteps, t -> System.out.println("host: " + t)));
                }
                System.out.println(why);
                if (report != null) BisectCommand.writeReport(d, why, report, System.out);
                System.out.println("PANDA's replay of this recording is not deterministic");
                System.out.println("the replays differ: first at guest instruction " + d.firstDiverged());
                return DIFFER;
            } catch (RuntimeException e) {
                System.out.println("check failed: " + e.getMessage());
                return BisectCommand.ERROR;
            }
        }
    }

    @Command(name = "record", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "Runs PANDA's record run, writing a record trace beside the recording.",
            description = {"Starts PANDA (--cmd, with tandem's trace plugin loaded) stopped, its monitor",
                    "and serial port on sockets; waits for --wait-for, runs the --monitor commands",
                    "then begin_record NAME, types --guest-cmd, waits for --until (or --seconds),",
                    "end_record, q. Writes NAME-rr-snp, NAME-rr-nondet.log, NAME-tandem-trace and",
                    "PANDA's output NAME-record.out in --cwd. Ctrl-C quits PANDA, which ends the",
                    "recording (and its trace) there. Exit code 0: recorded; 2: an error."},
            footer = {"", "Examples:",
                    "  tandem record --cwd rec/ --name ls \\",
                    "      --cmd './panda-system-mips -M malta -m 1g -kernel k -hda q.qcow' \\",
                    "      --monitor 'loadvm root' --guest-cmd '/bin/ls /etc' --until '# '",
                    "  tandem bisect --cwd rec/ --rec-trace ls \\",
                    "      --rep-cmd './panda-system-mips -M malta ... -replay ls'"})
    static final class Record implements Callable<Integer> {
        @Option(names = "--cmd", paramLabel = "CMDLINE", required = true, description = "PANDA's command line, without -record/-replay, monitor or serial options")
        String cmd;
        @Option(names = "--name", paramLabel = "NAME", required = true, description = "the recording's name (begin_record NAME)")
        String name;
        @Option(names = "--cwd", paramLabel = "DIR", description = "where PANDA runs and the recording is written (default: here)")
        Path cwd;
        @Option(names = "--monitor", paramLabel = "CMD", description = "a monitor command run right before begin_record, the guest stopped (repeatable)")
        List<String> monitor = new ArrayList<>();
        @Option(names = "--wait-for", paramLabel = "TEXT", description = "guest output to wait for, the guest running, before begin_record")
        String waitFor;
        @Option(names = "--guest-cmd", paramLabel = "CMD", description = "typed to the guest's serial port (with a newline) once recording has begun")
        String guestCmd;
        @Option(names = "--until", paramLabel = "TEXT", description = "guest output, after --guest-cmd, that ends the recording")
        String until;
        @Option(names = "--seconds", paramLabel = "N", description = "instead of --until: record for N seconds")
        long seconds;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "the longest wait for guest output (default: ${DEFAULT-VALUE})", defaultValue = "600")
        long timeout;
        @Option(names = "--no-trace", description = "record without tandem's trace plugin")
        boolean noTrace;

        @Override
        public Integer call() {
            try {
                Path dir = (cwd == null ? Path.of("") : cwd).toAbsolutePath().normalize();
                if (!java.nio.file.Files.isDirectory(dir)) throw new IllegalArgumentException("--cwd " + dir + " is not a folder");
                List<String> words = new ArrayList<>(PandaCommand.parse(cmd, dir, List.of()).words());
                for (String w : words) {
                    if (w.equals("-record") || w.equals("-replay") || w.equals("-monitor") || w.equals("-serial")) {
                        throw new IllegalArgumentException("--cmd must not have " + w + ": tandem adds the monitor and serial sockets and runs begin_record itself");
                    }
                }
                Path panda = resolveProgram(words.get(0), dir);
                if (!noTrace) {
                    words.set(0, tandem.panda.trace.TracePlugin.launcherFor(panda, System.out).toString());
                    words.addAll(List.of("-panda", "tandem_trace"));
                }
                var plan = new RecordRun.Plan(words, dir, name, monitor, waitFor, guestCmd == null ? null : guestCmd + "\n", until, seconds, timeout);
                var r = RecordRun.run(plan, System.out);
                System.out.println("recording " + name + ": " + r.snapshot().getFileName() + " (" + java.nio.file.Files.size(r.snapshot())
                        + " bytes), " + r.nondetLog().getFileName() + " (" + java.nio.file.Files.size(r.nondetLog()) + " bytes), in " + dir
                        + " (the guest recorded for " + r.recordingMillis() + " ms, " + r.millis() + " ms in all)");
                if (!noTrace) {
                    var rt = tandem.rectrace.RecTraceSearch.RecTrace.of(name, dir);
                    var t = tandem.panda.trace.TraceFile.read(rt.trace());
                    tandem.rectrace.TraceComparison.checkBelongs(t, dir, name);
                    System.out.println("record trace " + rt.trace() + ": " + t.entryCount() + " TBs, guest instructions "
                            + t.firstCount + ".." + t.lastCount());
                }
                return 0;
            } catch (RuntimeException | java.io.IOException e) {
                System.out.println("record failed: " + e.getMessage());
                return 2;
            }
        }

        /** PANDA's binary as the command line names it (a path from --cwd, or on the PATH); a clear error if there is none. */
        static Path resolveProgram(String program, Path dir) {
            if (program.contains("/")) {
                Path p = dir.resolve(program).normalize();
                if (!java.nio.file.Files.isExecutable(p)) throw new IllegalArgumentException("no PANDA binary at " + p
                        + " (the first word of --cmd; scripts/build-panda prints one as its last line)");
                return p;
            }
            for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path p = Path.of(d.isEmpty() ? "." : d, program);
                if (java.nio.file.Files.isExecutable(p)) return p.toAbsolutePath();
            }
            throw new IllegalArgumentException("no " + program + " on the PATH (the first word of --cmd): name PANDA's binary by its path");
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Version.class,
            header = "The console on mini-PANDA: a recording and its failing replay.",
            description = {"Builds mini-PANDA (the demo target) if needed, records a guest run, replays",
                    "it with an injected bug (the replay fails, as in the notes), then opens the",
                    "console on both runs."},
            footer = {"", "Examples:",
                    "  tandem demo                     MIPS TLB bug at 1000000 of 2000000 instrs",
                    "  tandem demo --bug reg --at 5000 --instrs 20000",
                    "  tandem demo --run check.groovy  run a script on the pair instead of the REPL"})
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
            description = {"Runs a Groovy script with the console's bindings and DSL. `args` holds the",
                    "ARGS; the script opens its sessions with demo(...) or open(rec: ..., rep: ...).",
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
