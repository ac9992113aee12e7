// The Debugger over one gdb speaking GDB/MI: maps each operation onto MI commands and gdb's
// answers onto values, stops and errors. Its parts: GdbMoves (what runs the program, and the
// interrupt), GdbBreakpoints, GdbCheckpoints, GdbErrors (the words of failures), GdbStops.
package tandem.debugger;

import tandem.mi.AsyncRecord;
import tandem.mi.GdbLauncher;
import tandem.mi.GdbNumber;
import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiException;
import tandem.mi.MiListener;
import tandem.mi.MiParser;
import tandem.mi.MiValue.MiTuple;
import tandem.mi.StreamRecord;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

public final class GdbDebugger implements Debugger {

    /** How long a command that does not resume the target may take (calls into the program included). */
    public static final Duration COMMAND_TIMEOUT = GdbMoves.COMMAND_TIMEOUT;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Target target;
    private final MiChannel mi;
    private final List<Consumer<Stop>> stopListeners = new CopyOnWriteArrayList<>();
    private final GdbErrors errors;
    private final GdbMoves moves;
    private final GdbBreakpoints breakpoints;
    private final GdbCheckpoints checkpoints;

    /** The CPU this session claimed for gdb and its program (-1: none, or the target's own). */
    private final int claimedCpu;
    /** The directory of the program's output pipe (null: the program writes on gdb's stdout). */
    private final java.nio.file.Path programOutputDir;

    private GdbDebugger(Target target, MiChannel mi, int claimedCpu, java.nio.file.Path programOutputDir) {
        this.target = target;
        this.mi = mi;
        this.claimedCpu = claimedCpu;
        this.programOutputDir = programOutputDir;
        this.errors = new GdbErrors(target, mi);
        this.moves = new GdbMoves(target, mi, errors);
        this.breakpoints = new GdbBreakpoints(mi, errors);
        this.checkpoints = new GdbCheckpoints(target, mi, moves);
    }

    /** Starts gdb on the target and brings the program to its first stop. */
    public static GdbDebugger open(Target target) {
        Target.Connection how = target.connection();
        List<String> quirk = how == Target.Connection.REMOTE ? List.of() : XsaveQuirk.nativeOptions(target.gdb().toString());
        if (how == Target.Connection.NATIVE) return start(target, quirk);
        GdbDebugger d = start(target, List.of());
        if (!quirk.isEmpty() && d.moves.tracesNatively()) {
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
            if (inferiorTty) d.errors.ask("send the program's output to " + tty, () -> channel.send("inferior-tty-set", tty));
            channel.addListener(new MiListener() {
                @Override
                public void onAsync(AsyncRecord record) {
                    if (record.isStopped()) {
                        Stop s = GdbStops.of(record, d.moves.interruptRequested());
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
        return target.restartKeepsCheckpoint() && !moves.tracesNatively();
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
            // runs once more. Only while an interrupt of this session's may have left one: any
            // other signal in a call is the call's own and is reported.
            String said = e.gdbMessage() == null ? "" : e.gdbMessage();
            if (!said.contains("signaled while in a function called from GDB") || !moves.spendLeftoverSigint()) throw e;
            return evaluateOnce(expression);
        }
    }

    private String evaluateOnce(String expression) {
        return errors.ask("evaluate `" + expression + "`",
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
        return errors.ask("backtrace", () -> {
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
        return errors.ask("read " + length + " bytes at 0x" + Long.toHexString(address), () -> {
            MiTuple block = mi.send(MiCommand.of("data-read-memory-bytes", "0x" + Long.toHexString(address),
                    Integer.toString(length))).record().results().list("memory").tuples().get(0);
            return HexFormat.of().parseHex(block.string("contents"));
        });
    }

    // ---- breakpoints ----

    @Override
    public Breakpoint breakAt(String location, String condition) {
        return breakpoints.insert(location, condition, false);
    }

    @Override
    public Breakpoint temporaryBreakAt(String location, String condition) {
        return breakpoints.insert(location, condition, true);
    }

    @Override
    public Breakpoint temporaryBreakAtOnceLoaded(String location) {
        return breakpoints.insert(location, null, true, true);
    }

    @Override
    public Breakpoint watch(String lvalue) {
        return breakpoints.watch(lvalue);
    }

    @Override
    public void condition(int breakpoint, String condition) {
        breakpoints.condition(breakpoint, condition);
    }

    @Override
    public void enable(int... numbers) {
        breakpoints.command("break-enable", numbers);
    }

    @Override
    public void disable(int... numbers) {
        breakpoints.command("break-disable", numbers);
    }

    @Override
    public void delete(int... numbers) {
        breakpoints.command("break-delete", numbers);
    }

    // ---- moving ----

    @Override
    public Stop cont(Duration limit) {
        return moves.cont(limit);
    }

    @Override
    public Stop reverseCont(Duration limit) {
        return moves.reverseCont(limit);
    }

    @Override
    public Stop rerun(Duration limit) {
        return moves.rerun(limit);
    }

    @Override
    public Stop stepInstruction() {
        return moves.stepInstruction();
    }

    @Override
    public Stop reverseStepInstruction() {
        return moves.reverseStepInstruction();
    }

    @Override
    public Stop finish() {
        return moves.finish();
    }

    @Override
    public void returnFromFrame() {
        // synchronous: ^done with the caller's frame, no *stopped
        errors.ask("return from the current frame", () -> mi.send(MiCommand.of("exec-return")));
    }

    @Override
    public void interrupt() {
        moves.interrupt();
    }

    @Override
    public boolean running() {
        return moves.running();
    }

    // ---- checkpoints ----

    @Override
    public int checkpoint() {
        return checkpoints.checkpoint();
    }

    @Override
    public java.util.Set<Integer> listedCheckpoints() {
        return checkpoints.listedCheckpoints();
    }

    @Override
    public void restart(int checkpoint) {
        checkpoints.restart(checkpoint);
    }

    // ---- raw gdb ----

    @Override
    public String console(String command) {
        return moves.console(command);
    }

    /**
     * Runs a console command as typed at a gdb prompt. When it resumes the program (continue, rc,
     * stepi, run, an rr restart), waits until gdb has finished it and appends gdb's report of its
     * last stop: "[stopped: REASON in FUNCTION]". A command that goes on after its last stop
     * without a stop of its own (a fork restart after a hook's stepi: "Switching to ...") has
     * gdb's words last.
     */
    public String console(String command, Duration limit) {
        return moves.console(command, limit);
    }

    @Override
    public String consoleAside(String command) {
        return errors.ask("run `" + command + "`", () -> mi.send(MiCommand.console(command), COMMAND_TIMEOUT).console());
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

    @Override
    public String gone() {
        return errors.gone();
    }

    @Override
    public String toString() {
        return "gdb on " + target.description();
    }
}
