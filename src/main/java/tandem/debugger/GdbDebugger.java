// The Debugger over one gdb speaking GDB/MI: maps each operation onto MI commands and gdb's
// answers onto values, stops and errors.
package tandem.debugger;

import tandem.mi.AsyncRecord;
import tandem.mi.GdbDiedException;
import tandem.mi.GdbErrorException;
import tandem.mi.GdbLauncher;
import tandem.mi.GdbNumber;
import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiException;
import tandem.mi.MiListener;
import tandem.mi.MiParser;
import tandem.mi.MiResult;
import tandem.mi.MiTimeoutException;
import tandem.mi.MiTuple;
import tandem.mi.StreamRecord;
import tandem.mi.TargetLostException;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class GdbDebugger implements Debugger {

    /** How long a command that does not resume the target may take (calls into the program included). */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern CHECKPOINT = Pattern.compile("[Cc]heckpoint (\\d+)");

    private final Target target;
    private final MiChannel mi;
    private final List<Consumer<Stop>> stopListeners = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    private volatile boolean interruptRequested;
    /** Counts the commands that may run the program, so an interrupt knows which one it was for. */
    private final java.util.concurrent.atomic.AtomicLong moves = new java.util.concurrent.atomic.AtomicLong();

    /** The CPU this session claimed for gdb and its program (-1: none, or the target's own). */
    private final int claimedCpu;
    /** The directory of the program's output pipe (null: the program writes on gdb's stdout). */
    private final java.nio.file.Path programOutputDir;

    /** Checkpoints tandem forks itself, for a program behind a gdbserver (null: gdb's or rr's own). */
    private final ServerForks serverForks;

    private GdbDebugger(Target target, MiChannel mi, int claimedCpu, java.nio.file.Path programOutputDir) {
        this.target = target;
        this.mi = mi;
        this.claimedCpu = claimedCpu;
        this.programOutputDir = programOutputDir;
        this.serverForks = target.connection() == Target.Connection.REMOTE && target.canCheckpoint() ? new ServerForks(this::console) : null;
    }

    /** Starts gdb on the target and brings the program to its first stop. */
    public static GdbDebugger open(Target target) {
        Target.Connection how = target.connection();
        List<String> quirk = how == Target.Connection.REMOTE ? List.of() : XsaveQuirk.nativeOptions(target.gdb().toString());
        if (how == Target.Connection.NATIVE) return start(target, quirk);
        GdbDebugger d = start(target, List.of());
        if (!quirk.isEmpty() && d.tracesNatively()) {
            // gdb settles how it moves registers when it first traces a program: start it again
            d.mi.close();
            return start(target, quirk);
        }
        return d;
    }

    private static GdbDebugger start(Target target, List<String> gdbOptions) {
        // the program's output goes to a pipe of its own where the target allows it (gdb's inferior
        // tty for a program gdb starts, rr 5.5+'s --tty): on gdb's stdout, text the program prints
        // without a newline ("(qemu) ") and gdb's next MI record share a line
        java.nio.file.Path outputDir = null;
        java.nio.file.Path fifo = null;
        boolean inferiorTty = target.connection() == Target.Connection.NATIVE;
        if (inferiorTty || target instanceof RrReplay r && r.tty() == null && r.trace().replaysToTty()) {
            try {
                outputDir = java.nio.file.Files.createTempDirectory("tandem-program-");
                fifo = outputDir.resolve("output");
                // close() removes both; this covers a JVM ended before it (Ctrl-C or SIGTERM during
                // start-up): the JVM deletes in the reverse order of registration, the pipe first
                outputDir.toFile().deleteOnExit();
                fifo.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new DebuggerException("could not make a directory for the program's output: " + e.getMessage());
            }
            if (target instanceof RrReplay r) target = r.withTty(fifo);
        }
        // before -ex commands: rr's gdb starts the program before tandem's first MI command
        List<String> options = new ArrayList<>(List.of("-iex", "set mi-async on"));
        options.addAll(gdbOptions);
        List<String> cmd = target.commandLine(options);
        // a program gdb traces runs where gdb does; a local server (gdbserver) chose its CPU already
        int claimed = target.cpu() < 0 && target.connection() == Target.Connection.NATIVE ? CpuPinning.claim() : -1;
        List<String> run = CpuPinning.pinned(target.cpu() >= 0 ? target.cpu() : claimed, cmd);
        MiChannel channel;
        java.nio.file.Path dir = target.workingDirectory();
        if (dir != null && !java.nio.file.Files.isDirectory(dir)) {
            CpuPinning.release(claimed);
            deleteOutputDir(outputDir);
            target.close();
            throw new DebuggerException("the working directory of " + target.description() + ", " + dir
                    + ", is not a directory: give the folder that holds the recording (--cwd DIR)");
        }
        try {
            channel = new GdbLauncher().gdb(run.get(0)).miArgs(List.of()).args(run.subList(1, run.size()))
                    .workingDir(target.workingDirectory() == null ? null : target.workingDirectory().toFile())
                    .timeout(COMMAND_TIMEOUT).startTimeout(START_TIMEOUT).programOutputPipe(fifo).start();
        } catch (IOException | MiException e) {
            CpuPinning.release(claimed);
            deleteOutputDir(outputDir);
            target.close();
            if (target instanceof RrReplay r && e instanceof tandem.mi.GdbDiedException died) {
                // rr ran and ended before the gdb it starts answered: rr refused the trace, in its own words
                throw new DebuggerException(new RrFailure(died.output(), died.exitCode())
                        .describe(r.trace().rr(), "replay " + r.trace().directory()));
            }
            // commons-exec reports a program it could not run as exit value 0xdeadbeef: say it in words
            boolean notRun = e instanceof IOException || String.valueOf(e.getMessage()).contains("-559038737");
            String why = String.valueOf(e.getMessage()).contains("-559038737") ? "no such program, or it is not executable" : e.getMessage();
            throw new DebuggerException("could not start " + cmd.get(0) + " for " + target.description()
                    + ": " + why.replaceAll("\\.+$", "") + (!notRun ? "." : ". Is it installed (Debian package "
                    + (cmd.get(0).endsWith("rr") ? "rr; or give its path with --rr" : "gdb") + "), and is the path right?"));
        }
        GdbDebugger d = new GdbDebugger(target, channel, claimed, outputDir);
        for (long pid : target.processIds()) channel.adoptProcessTree(pid);
        try {
            String tty = fifo == null ? null : fifo.toString();
            if (inferiorTty) d.ask("send the program's output to " + tty, () -> channel.send("inferior-tty-set", tty));
            channel.addListener(new MiListener() {
                @Override
                public void onAsync(AsyncRecord record) {
                    if (record.isStopped()) {
                        Stop s = d.toStop(record);
                        d.stopListeners.forEach(l -> l.accept(s));
                    }
                }
            });
            if (target.evaluatesConditions()) {
                // the target (gdbserver, rr) tests the condition at each hit: no gdb round trip per TB
                d.console("set breakpoint condition-evaluation target");
            }
            for (String c : target.startCommands()) d.console(c, START_TIMEOUT);
            return d;
        } catch (DebuggerException e) {
            // gdb's fork of the program says why it could not start it, on the program's terminal
            String said = (e.gdbMessage() == null ? e.getMessage() : e.gdbMessage()) + childWarnings(channel.takeProgramOutput());
            d.close();
            if (PtraceRefused.said(said)) {
                throw new DebuggerException("gdb could not trace " + target.description() + ": " + PtraceRefused.ADVICE, said, e);
            }
            throw said.equals(e.gdbMessage()) ? e : new DebuggerException("gdb could not start " + target.description(), said, e);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * The warnings gdb's fork of the program printed before it became the program: on the
     * program's terminal (the inferior tty), as MI log records ("warning: Could not trace the
     * inferior process." when PTRACE_TRACEME fails), each on a line of its own; "" for none.
     */
    private static String childWarnings(List<String> programOutput) {
        StringBuilder w = new StringBuilder();
        for (String line : programOutput) {
            if (MiParser.parseLine(line) instanceof StreamRecord r && r.kind() == StreamRecord.Kind.LOG
                    && r.text().startsWith("warning: ")) {
                w.append('\n').append(r.text().strip());
            }
        }
        return w.toString();
    }

    /**
     * rr's checkpoints survive a restart, gdb's own fork checkpoints do not. What counts is who
     * traces the program: a gdb that traces it natively (a live program, or a stand-in for rr that
     * runs gdb directly) has fork checkpoints whatever the target claims.
     */
    @Override
    public boolean restartKeepsCheckpoint() {
        return target.restartKeepsCheckpoint() && !tracesNativelyOnce();
    }

    /** Whether gdb traces the program itself, asked once: the target stack does not change under a session. */
    private Boolean tracesNatively;

    private synchronized boolean tracesNativelyOnce() {
        if (tracesNatively == null) tracesNatively = tracesNatively();
        return tracesNatively;
    }

    private boolean tracesNatively() {
        try {
            return console("maint print target-stack").contains("- native");
        } catch (DebuggerException e) {
            return false;
        }
    }

    @Override
    public Target target() {
        return target;
    }

    /** The MI channel underneath, for transcripts and measurements. */
    public MiChannel channel() {
        return mi;
    }

    // ---- values ----

    @Override
    public String evaluate(String expression) {
        return OpStats.time(OpStats.kindOf(expression), () -> evaluateNow(expression));
    }

    private String evaluateNow(String expression) {
        try {
            return evaluateOnce(expression);
        } catch (DebuggerException e) {
            // The SIGINT of an interrupt that raced the end of its move stays pending in the program
            // and is delivered the next time gdb resumes it, which may be for a call in this
            // expression: gdb undoes the call (unwindonsignal) and the signal is spent, so the call
            // runs once more. Only after an interrupt of this session's: any other signal in a call
            // is the call's own and is reported.
            String said = e.gdbMessage() == null ? "" : e.gdbMessage();
            if (!interruptRequested || !said.contains("signaled while in a function called from GDB")) throw e;
            interruptRequested = false;
            return evaluateOnce(expression);
        }
    }

    private String evaluateOnce(String expression) {
        return ask("evaluate `" + expression + "`",
                () -> mi.send(MiCommand.of("data-evaluate-expression", expression)).record().results().string("value"));
    }

    @Override
    public long evaluateUnsigned(String expression) {
        String text = evaluate("(unsigned long long) (" + expression + ")");
        try {
            return GdbNumber.parse(text);
        } catch (NumberFormatException e) {
            throw new DebuggerException("`" + expression + "` is not a number: gdb printed " + text);
        }
    }

    @Override
    public String call(String expression) {
        String v = evaluate(expression);
        return "void".equals(v) ? "" : v;
    }

    @Override
    public List<Frame> backtrace() {
        return OpStats.time("backtrace", this::backtraceNow);
    }

    private List<Frame> backtraceNow() {
        return ask("backtrace", () -> {
            List<Frame> frames = new ArrayList<>();
            for (MiTuple f : mi.send(MiCommand.of("stack-list-frames")).record().results().list("stack").tuples()) {
                frames.add(new Frame((int) f.number("level"), f.string("func", null),
                        f.has("addr") ? f.number("addr") : 0, f.string("file", null),
                        f.has("line") ? (int) f.number("line") : 0));
            }
            return frames;
        });
    }

    @Override
    public byte[] readMemory(long address, int length) {
        return OpStats.time("read memory", () -> readMemoryNow(address, length));
    }

    private byte[] readMemoryNow(long address, int length) {
        return ask("read " + length + " bytes at 0x" + Long.toHexString(address), () -> {
            MiTuple block = mi.send(MiCommand.of("data-read-memory-bytes", "0x" + Long.toHexString(address),
                    Integer.toString(length))).record().results().list("memory").tuples().get(0);
            return HexFormat.of().parseHex(block.string("contents"));
        });
    }

    // ---- breakpoints ----

    @Override
    public Breakpoint breakAt(String location, String condition) {
        return insert(location, condition, false);
    }

    @Override
    public Breakpoint temporaryBreakAt(String location, String condition) {
        return insert(location, condition, true);
    }

    private Breakpoint insert(String location, String condition, boolean temporary) {
        MiCommand c = MiCommand.of("break-insert");
        if (temporary) c = c.option("-t");
        if (condition != null && !condition.isBlank()) c = c.option("-c", condition);
        MiCommand insert = c.param(location);
        return ask("break at " + location + (condition == null || condition.isBlank() ? "" : " if " + condition), () -> {
            MiTuple bkpt = mi.send(insert).record().results().tuple("bkpt");
            return new Breakpoint(Integer.parseInt(bkpt.string("number")), location, condition, temporary);
        });
    }

    @Override
    public Breakpoint watch(String lvalue) {
        return ask("watch " + lvalue, () -> {
            MiTuple wpt = mi.send(MiCommand.of("break-watch", lvalue)).record().results().tuple(
                    "wpt");
            return new Breakpoint(Integer.parseInt(wpt.string("number")), lvalue, null, false);
        });
    }

    @Override
    public void condition(int breakpoint, String condition) {
        MiCommand c = MiCommand.of("break-condition", Integer.toString(breakpoint));
        MiCommand set = condition != null && !condition.isBlank() ? c.param(condition) : c;
        OpStats.time("break-condition", () -> ask("set the condition of breakpoint " + breakpoint, () -> mi.send(set)));
    }

    @Override
    public void enable(int... breakpoints) {
        breakpointCommand("break-enable", breakpoints);
    }

    @Override
    public void disable(int... breakpoints) {
        breakpointCommand("break-disable", breakpoints);
    }

    @Override
    public void delete(int... breakpoints) {
        breakpointCommand("break-delete", breakpoints);
    }

    private void breakpointCommand(String op, int... numbers) {
        if (numbers.length == 0) return;
        MiCommand c = MiCommand.of(op);
        for (int n : numbers) c = c.param(Integer.toString(n));
        MiCommand command = c;
        OpStats.time(op, () -> ask(op.replace('-', ' ') + " " + java.util.Arrays.toString(numbers), () -> mi.send(command)));
    }

    // ---- moving ----

    @Override
    public Stop cont(Duration limit) {
        return resume(MiCommand.of("exec-continue"), limit);
    }

    @Override
    public Stop reverseCont(Duration limit) {
        requireReverse("reverse-continue");
        return resume(MiCommand.of("exec-continue").option("--reverse"), limit);
    }

    @Override
    public Stop rerun(Duration limit) {
        Stop stop = OpStats.time("run", () -> consoleMove(target.rerunCommand(), limit).stop());
        if (stop == null) throw new DebuggerException("`" + target.rerunCommand() + "` did not start " + target.description());
        // rr stops a replay it restarted where it restarted it (the resume after a restart meets
        // interrupt_pending, GdbServer.cc:1764, 1453-1461); a live run stops only at a breakpoint,
        // a signal or the end
        if (target.rerunStopsAtStart() && !stop.exited() && stop.reason() != Stop.Reason.BREAKPOINT_HIT
                && stop.reason() != Stop.Reason.WATCHPOINT_TRIGGER) {
            stop = cont(limit);
        }
        return stop;
    }

    @Override
    public Stop stepInstruction() {
        return resume(MiCommand.of("exec-step-instruction"), COMMAND_TIMEOUT);
    }

    @Override
    public Stop reverseStepInstruction() {
        requireReverse("reverse-stepi");
        return resume(MiCommand.of("exec-step-instruction").option("--reverse"), COMMAND_TIMEOUT);
    }

    @Override
    public Stop finish() {
        return resume(MiCommand.of("exec-finish"), COMMAND_TIMEOUT);
    }

    @Override
    public void returnFromFrame() {
        // synchronous: ^done with the caller's frame, no *stopped
        ask("return from the current frame", () -> mi.send(MiCommand.of("exec-return")));
    }

    private void requireReverse(String what) {
        if (!target.canReverse()) {
            throw new DebuggerException(what + " needs reverse execution, which " + target.description()
                    + " does not have (rr replays do)");
        }
    }

    private Stop resume(MiCommand command, Duration limit) {
        return OpStats.time(command.text().contains("reverse") ? "reverse-continue" : command.text().contains("step") ? "stepi" : "continue",
                () -> resumeNow(command, limit));
    }

    private Stop resumeNow(MiCommand command, Duration limit) {
        // the SIGINT of an interrupt that raced the end of the last move stays pending in the
        // program and stops it at once the next time it runs
        boolean sigintMayBePending = interruptRequested;
        interruptRequested = false;
        running = true;
        moves.incrementAndGet();
        try {
            MiChannel.Mark before = mi.mark();
            Stop stop = toStop(mi.resume(command, limit));
            if (sigintMayBePending && stop.reason() == Stop.Reason.SIGNAL_RECEIVED && "SIGINT".equals(stop.signal())) {
                // that signal, not this move's stop (gdb keeps SIGINT from the program): the move again
                stop = toStop(mi.resume(command, limit));
            }
            DebuggerException killed = killedWhileTestingCondition(stop, mi.saidSince(before), command.text());
            if (killed != null) throw killed;
            return stop;
        } catch (MiTimeoutException e) {
            throw new DebuggerException(target.description() + " did not stop within " + limit.toSeconds()
                    + " s of " + command.text() + "; " + interruptQuietly());
        } catch (GdbErrorException e) {
            throw new DebuggerException(command.text() + " failed", e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw died(e);
        } catch (TargetLostException e) {
            throw lost(e, command.text());
        } catch (tandem.mi.ProgramLostException e) {
            throw new DebuggerException(target.description() + " ended during " + command.text()
                    + ", killed from outside tandem: gdb said `" + e.gdbWords() + "` and reported no stop; "
                    + "gdb can run it again", null, e);
        } finally {
            running = false;
        }
    }

    @Override
    public int checkpoint() {
        if (serverForks != null) {
            return OpStats.time("checkpoint", () -> {
                try {
                    return serverForks.take();
                } finally {
                    // gdb reported the forked process last: interrupts still go to the one that runs
                    long pid = serverForks.currentPid();
                    if (pid > 0) mi.programSwitched(pid);
                }
            });
        }
        String out = OpStats.time("checkpoint", () -> console("checkpoint"));
        Matcher m = CHECKPOINT.matcher(out);
        if (m.find()) {
            int n = Integer.parseInt(m.group(1));
            lastCheckpoint = Math.max(lastCheckpoint, n);
            return n;
        }
        // gdb's "checkpoint N: fork returned pid P." went missing (seen once in many runs, next to
        // an interrupt): the newest checkpoint gdb lists is the one just taken, if it is new
        int newest = newestListed(console("info checkpoints"));
        if (newest > lastCheckpoint) {
            lastCheckpoint = newest;
            return newest;
        }
        throw new DebuggerException("checkpoint failed on " + target.description(), out.trim(), null);
    }

    /**
     * A checkpoint's line in `info checkpoints`: gdb's "* 0 Thread 0x... (LWP 31335) (main process) at ..."
     * or "  1 process 31340 at ...", or rr's "1\t4242\tWHERE" under its "ID\tWhen\tWhere" header
     * (rr's DebuggerExtensionCommand.cc, invoke_info_checkpoints).
     */
    private static final Pattern LISTED_CHECKPOINT = Pattern.compile("(?m)^([* ] *)?(\\d+)[ \\t]");

    /** The highest checkpoint number in gdb's or rr's `info checkpoints` text; -1 for none ("No checkpoints."). */
    static int newestListed(String infoCheckpoints) {
        java.util.NavigableSet<Integer> all = listed(infoCheckpoints, true);
        return all.isEmpty() ? -1 : all.last();
    }

    /** The checkpoint numbers in an `info checkpoints` text; gdb's current one ("* N ...") only when asked. */
    static java.util.NavigableSet<Integer> listed(String infoCheckpoints, boolean withCurrent) {
        java.util.NavigableSet<Integer> ids = new java.util.TreeSet<>();
        Matcher listed = LISTED_CHECKPOINT.matcher(infoCheckpoints);
        while (listed.find()) {
            boolean current = listed.group(1) != null && listed.group(1).startsWith("*");
            if (withCurrent || !current) ids.add(Integer.parseInt(listed.group(2)));
        }
        return ids;
    }

    @Override
    public java.util.Set<Integer> listedCheckpoints() {
        if (serverForks != null) return serverForks.listed();
        return listed(console("info checkpoints"), false);
    }

    /** The highest checkpoint number this session has seen gdb give. */
    private volatile int lastCheckpoint = -1;

    @Override
    public void restart(int checkpoint) {
        if (serverForks != null) {
            long pid = OpStats.time("restart", () -> serverForks.restart(checkpoint));
            mi.programSwitched(pid);
            return;
        }
        if (!tracesNativelyOnce()) {
            OpStats.time("restart", () -> console("restart " + checkpoint));
            return;
        }
        // gdb restores the fork's file offsets with calls to lseek in it: a SIGINT still pending
        // there (an interrupt that raced the stop it was for) would abort them and the restart
        String saved = signalHandling("SIGINT");
        console("handle SIGINT nostop noprint nopass");
        try {
            OpStats.time("restart", () -> console("restart " + checkpoint));
        } finally {
            console("handle SIGINT " + saved);
        }
    }

    /** How gdb handles a signal now, as `handle` takes it: "stop print nopass" and the like. */
    private String signalHandling(String signal) {
        Matcher m = Pattern.compile("(?m)^" + signal + "\\s+(Yes|No)\\s+(Yes|No)\\s+(Yes|No)").matcher(console("info signals " + signal));
        if (!m.find()) return "stop print nopass"; // gdb's default for SIGINT
        return (m.group(1).equals("Yes") ? "stop" : "nostop") + " " + (m.group(2).equals("Yes") ? "print" : "noprint")
                + " " + (m.group(3).equals("Yes") ? "pass" : "nopass");
    }

    /** gdb's "Switching to Thread 0x7ffff7db3740 (LWP 31335)" or "Switching to process 31335" after a restart. */
    private static final Pattern SWITCHED = Pattern.compile("Switching to (?:Thread \\S+ \\(LWP (\\d+)\\)|process (\\d+))");

    // ---- raw gdb ----

    @Override
    public String console(String command) {
        return console(command, Duration.ofHours(4));
    }

    /**
     * Runs a console command as typed at a gdb prompt. When it resumes the program (continue, rc,
     * stepi, run, an rr restart), waits until gdb has finished it and appends gdb's report of its
     * last stop: "[stopped: REASON in FUNCTION]". A command that goes on after its last stop
     * without a stop of its own (a fork restart after a hook's stepi: "Switching to ...") has
     * gdb's words last.
     */
    public String console(String command, Duration limit) {
        return consoleMove(command, limit).text();
    }

    /** The least wait for gdb to finish a command after its first stop, however little of the limit is left. */
    private static final Duration SETTLE_FLOOR = Duration.ofSeconds(5);

    /** A console command's answer, and the stop it ended on when it resumed the program (else null). */
    private record Answer(String text, Stop stop) {
    }

    private Answer consoleMove(String command, Duration limit) {
        if (mi.targetLost() != null) throw new DebuggerException(gone());
        MiChannel.PendingStop stop = mi.expectStop("*stopped after `" + command + "`");
        boolean resumed = false;
        long started = System.nanoTime();
        MiChannel.Mark before = mi.mark();
        try {
            running = true;
            moves.incrementAndGet();
            interruptRequested = false;
            MiResult r = mi.send(MiCommand.console(command), COMMAND_TIMEOUT);
            // a command gdb answers only on its log stream (`break nosuchfn`: "Function ... not
            // defined." and the pending query it answered itself) says so there, not nothing
            StringBuilder out = new StringBuilder(r.console().isEmpty() && r.log() != null ? r.log() : r.console());
            Stop last = null;
            if ("running".equals(r.resultClass())) {
                resumed = true;
                AsyncRecord first = stop.await(limit);
                // rr's restart steps first (its run hook) and goes on: the first stop is not its end
                long left = Math.max(limit.toNanos() - (System.nanoTime() - started), SETTLE_FLOOR.toNanos());
                MiChannel.Settled after = mi.settle(stop.mark(), Duration.ofNanos(left));
                last = toStop(after.stops() > 0 ? after.lastStop() : first);
                DebuggerException killed = killedWhileTestingCondition(last, mi.saidSince(before), "`" + command + "`");
                if (killed != null) throw killed;
                out.append(after.text());
                if (after.afterLast().isBlank()) {
                    out.append(out.length() == 0 || out.charAt(out.length() - 1) == '\n' ? "" : "\n").append("[stopped: ").append(last).append("]\n");
                }
            }
            if (command.startsWith("restart")) {
                // a fork checkpoint is another process: interrupts must go to it from now on
                Matcher m = SWITCHED.matcher(out);
                if (m.find() && tracesNativelyOnce()) mi.programSwitched(Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)));
            }
            return new Answer(out.toString(), last);
        } catch (GdbErrorException e) {
            throw new DebuggerException("gdb rejected `" + command + "`", e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw died(e);
        } catch (TargetLostException e) {
            throw lost(e, "`" + command + "`");
        } catch (MiTimeoutException e) {
            throw new DebuggerException("`" + command + "` did not finish within " + limit.toSeconds() + " s on "
                    + target.description() + (resumed ? "; " + interruptQuietly() : ""));
        } finally {
            running = false;
            if (!resumed) stop.cancel();
        }
    }

    @Override
    public String consoleAside(String command) {
        return ask("run `" + command + "`", () -> mi.send(MiCommand.console(command), COMMAND_TIMEOUT).console());
    }

    @Override
    public void interrupt() {
        if (!running) return;
        interruptRequested = true;
        long move = moves.get();
        boolean remote = target.connection() == Target.Connection.REMOTE;
        Thread t = new Thread(() -> {
            // the move may have ended before this thread ran: then there is nothing to interrupt,
            // and an -exec-interrupt or SIGINT now would land in the next command
            if (!running || moves.get() != move) return;
            // a server (gdbserver, rr) honours -exec-interrupt; a gdb tracing the program itself
            // gets its follow-ups sooner
            interruptQuietly(remote ? Duration.ofSeconds(5) : Duration.ofMillis(600));
            // gdb can lose an interrupt that comes while it tests a breakpoint condition at every
            // hit of a program it traces itself; SIGINT to the program is always reported as a stop.
            // Only while the same move runs: a signal landing in the next command (a restart's
            // calls into the program) would break that command instead. Often: the signal goes only
            // to a program caught running, and gdb holds it stopped most of the time at each hit.
            for (int i = 0; i < 50 && running && moves.get() == move && !remote; i++) {
                try {
                    Thread.sleep(100);
                    if (running && moves.get() == move) mi.interruptPrograms();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    return; // the program is gone: the waiting caller says so
                }
            }
        }, "tandem-interrupt");
        t.setDaemon(true);
        t.start();
    }

    /** Interrupts, and says how it went: "it was interrupted", or what was tried and what came of it. */
    private String interruptQuietly() {
        return interruptQuietly(Duration.ofSeconds(5));
    }

    private String interruptQuietly(Duration wait) {
        try {
            mi.interrupt(wait);
            return "it was interrupted";
        } catch (RuntimeException e) {
            // the waiting caller reports what happened; an interrupt must never throw at Ctrl-C
            return "the interrupt did not stop it either: " + e.getMessage();
        }
    }

    @Override
    public boolean running() {
        return running;
    }

    @Override
    public List<String> drainProgramOutput() {
        List<String> out = new java.util.ArrayList<>();
        for (String l : mi.takeProgramOutput()) {
            // awaitProgramOutput's mark follows a line the program left unfinished, or is alone
            String text = l.replaceAll(OUTPUT_MARK + "\\d+$", "");
            if (!text.isEmpty() || !l.matches(".*" + OUTPUT_MARK + "\\d+$")) out.add(text);
        }
        return out;
    }

    /** What awaitProgramOutput writes to the stderr gdb and the program share. */
    private static final String OUTPUT_MARK = "tandem-output-mark-";
    private final java.util.concurrent.atomic.AtomicLong outputMarks = new java.util.concurrent.atomic.AtomicLong();

    /**
     * gdb's `shell` writes a mark to the stderr the program inherited from gdb: a pipe keeps its
     * order, so once the mark is read, so is everything the program wrote before it.
     */
    @Override
    public void awaitProgramOutput() {
        String mark = OUTPUT_MARK + outputMarks.incrementAndGet();
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        tandem.mi.MiTranscript watch = (direction, line) -> {
            if (direction == tandem.mi.MiTranscript.Direction.GDB_STDERR && line.endsWith(mark)) seen.countDown();
        };
        mi.addTranscript(watch);
        try {
            mi.console("shell echo " + mark + " >&2");
            // the mark is on its way once gdb answered; a reader thread stalled this long has bigger problems
            seen.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // a gdb without `shell` (built without it, or gone): there is nothing to wait for
        } finally {
            mi.removeTranscript(watch);
        }
    }

    @Override
    public void onStop(Consumer<Stop> listener) {
        stopListeners.add(listener);
    }

    @Override
    public void close() {
        try {
            mi.close();
        } catch (RuntimeException ignored) {
            // closing must not fail: the process tree is destroyed regardless
        } finally {
            CpuPinning.release(claimedCpu);
            deleteOutputDir(programOutputDir);
            target.close();
        }
    }

    private static void deleteOutputDir(java.nio.file.Path dir) {
        if (dir == null) return;
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path f : files.toList()) java.nio.file.Files.deleteIfExists(f);
            java.nio.file.Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // an empty temporary directory left behind holds nothing
        }
    }

    // ---- helpers ----

    private Stop toStop(AsyncRecord r) {
        MiTuple t = r.results();
        Stop.Reason reason = Stop.Reason.fromMi(r.reason());
        String signal = t.string("signal-name", null);
        if (interruptRequested && (reason == Stop.Reason.SIGNAL_RECEIVED || reason == Stop.Reason.OTHER)
                && (signal == null || "SIGINT".equals(signal) || "0".equals(signal))) {
            reason = Stop.Reason.INTERRUPTED;
        }
        Frame frame = null;
        if (t.has("frame")) {
            MiTuple f = t.tuple("frame");
            frame = new Frame(f.has("level") ? (int) f.number("level") : 0, f.string("func", null),
                    f.has("addr") ? f.number("addr") : 0, f.string("file", null),
                    f.has("line") ? (int) f.number("line") : 0);
        }
        int bp = t.has("bkptno") ? Integer.parseInt(t.string("bkptno")) : 0;
        if (bp == 0 && t.has("wpt")) bp = Integer.parseInt(t.tuple("wpt").string("number"));
        // gdb reports exit codes in octal ("01")
        Integer exit = t.has("exit-code") ? Integer.parseInt(t.string("exit-code"), 8) : null;
        if (exit == null && reason == Stop.Reason.EXITED_NORMALLY) exit = 0;
        return new Stop(reason, bp, frame, exit, signal);
    }

    /**
     * gdb's words when it could not test a breakpoint's condition (gdb 13.1's "Error in testing
     * breakpoint condition:", gdb 14's "Error in testing condition for breakpoint N:", breakpoint.c),
     * the error itself on the next line. gdb then stops at that breakpoint as if the condition held.
     */
    private static final Pattern CONDITION_FAILED =
            Pattern.compile("Error in testing (?:breakpoint condition|condition for breakpoint \\d+):\\s*\\n?([^\\n]*)");

    /**
     * gdb's words when it cannot take its breakpoints out of a program whose memory is gone
     * (breakpoint.c, remove_breakpoints_inf's caller in infrun.c).
     */
    private static final String NO_LONGER_WRITABLE = "program is no longer writable";

    /**
     * The error of a breakpoint stop that was in truth the end of the program, else null. A native
     * program killed from outside (SIGKILL) while gdb tests a conditional breakpoint's condition:
     * gdb 13.1 cannot read the condition's memory, says so, stops "at" the breakpoint and reports it
     * hit, with no exit (the zombie is reaped only at the next resume). Only such a stop is checked,
     * and only the program gdb itself names as the one it runs now ({@code -list-thread-groups}: a
     * fork checkpoint gdb switched to is another pid than the one first started), per /proc: a
     * condition that fails on a program that still runs is a stop like any other.
     *
     * @param said what gdb printed during the move, before and with its stop
     */
    private DebuggerException killedWhileTestingCondition(Stop stop, String said, String during) {
        if (stop.reason() != Stop.Reason.BREAKPOINT_HIT) return null;
        Matcher failed = CONDITION_FAILED.matcher(said);
        boolean conditionFailed = failed.find();
        if (!conditionFailed && !said.contains(NO_LONGER_WRITABLE)) return null;
        if (!tracesNativelyOnce()) return null; // a server's pids are not this machine's (rr: the recorded ones)
        List<Long> pids = programPids();
        if (pids.isEmpty() || !pids.stream().allMatch(mi::programEnded)) return null;
        try {
            // gdb holds the program as stopped still: it reaps it now, and says there is none from here on
            mi.console("kill");
        } catch (MiException ignored) {
            // the error below says what happened either way
        }
        String why = conditionFailed && !failed.group(1).isBlank() ? " (gdb said `" + failed.group(1).strip() + "`)" : "";
        return new DebuggerException(target.description() + " ended during " + during
                + ", killed from outside tandem while gdb tested the condition of breakpoint " + stop.breakpoint()
                + why + ": gdb reported the breakpoint hit, but program pid " + joined(pids)
                + " no longer exists; gdb can run it again");
    }

    /** The pids of the programs gdb runs now, by its own {@code -list-thread-groups}; empty when it runs none or does not answer. */
    private List<Long> programPids() {
        List<Long> pids = new ArrayList<>();
        try {
            for (MiTuple g : mi.send(MiCommand.of("list-thread-groups")).record().results().list("groups").tuples()) {
                String pid = g.string("pid", null);
                if (pid != null && pid.matches("\\d{1,18}")) pids.add(Long.parseLong(pid));
            }
        } catch (MiException e) {
            return List.of();
        }
        return pids;
    }

    private static String joined(List<Long> pids) {
        return pids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
    }

    private <T> T ask(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (GdbErrorException e) {
            throw new DebuggerException("gdb could not " + what, e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw died(e);
        } catch (TargetLostException e) {
            throw lost(e, what);
        } catch (MiTimeoutException e) {
            throw new DebuggerException("gdb did not answer in time while trying to " + what + ": " + e.getMessage());
        }
    }

    private DebuggerException died(GdbDiedException e) {
        return new DebuggerException("gdb for " + target.description() + " is gone", e.getMessage(), e);
    }

    /** The sentence of a lost target: the first operation that met the loss names itself, later ones the same words. */
    private volatile String lostSentence;

    private DebuggerException lost(TargetLostException e, String during) {
        synchronized (this) {
            if (lostSentence == null) lostSentence = lostSentence(e.gdbWords(), during);
        }
        return new DebuggerException(lostSentence, null, e);
    }

    private String lostSentence(String gdbWords, String during) {
        return target.description() + " is gone: gdb lost its connection to it during " + during
                + " (gdb said `" + gdbWords + "`), and nothing more can be done on it";
    }

    @Override
    public String gone() {
        if (lostSentence != null) return lostSentence;
        String words = mi.targetLost();
        // lost while no operation waited (gdb said it on its own, an interrupt's stop awaited)
        if (words != null) {
            synchronized (this) {
                if (lostSentence == null) lostSentence = lostSentence(words, "a move");
            }
            return lostSentence;
        }
        if (!mi.isAlive()) return "gdb for " + target.description() + " is gone";
        return null;
    }

    @Override
    public String toString() {
        return "gdb on " + target.description();
    }
}
