package tandem.mi;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A conversation with one gdb over GDB/MI (the controller of the mi layer). Start it with
 * {@link GdbLauncher}. Thread-safe: any number of threads may {@link #send} at once; each
 * command gets a token and its caller gets the result record carrying that token.
 *
 * <p>Async records, stream records and program output go, in gdb's order, to the
 * {@link MiListener}s on one dispatcher thread. Every wait has a timeout that names what was
 * awaited; if gdb dies, every waiter promptly gets a {@link GdbDiedException}; if gdb loses its
 * remote target (the server went away), every waiter gets a {@link TargetLostException} and so
 * does every command sent after it.
 *
 * <p>The parts: {@link MiDispatcher} (the listeners' thread), {@link PendingCommands} (the
 * command round trip), {@link StopWaiters} (waits for {@code *stopped}), {@link GdbLosses} (what
 * was lost, in words), {@link UnansweredText} (what gdb said between answers), {@link
 * ProgramProcesses} (the processes tandem may signal).
 */
public final class MiChannel implements AutoCloseable {

    /** Sent at start: async execution (needed by -exec-interrupt), no prompts or paging, calls undone on a signal. */
    public static final List<MiCommand> SETTINGS = List.of(
            MiCommand.of("gdb-set", "mi-async", "on"),
            MiCommand.of("gdb-set", "pagination", "off"),
            MiCommand.of("gdb-set", "confirm", "off"),
            MiCommand.of("gdb-set", "width", "0"),
            MiCommand.of("gdb-set", "height", "0"),
            MiCommand.of("gdb-set", "print", "pretty", "off"),
            // a call into the program that gets a signal (`call (int) puts(0)`: SIGSEGV) is undone:
            // gdb pops its frame, so the program is where it was, not stopped inside the crash
            MiCommand.of("gdb-set", "unwindonsignal", "on"));

    /** How long {@link #interrupt} waits after -exec-interrupt before sending SIGINT. */
    public static final Duration INTERRUPT_GRACE = Duration.ofMillis(300);

    private static final int PROGRAM_OUTPUT_LINES = 10_000;
    private static final Set<MiChannel> OPEN = ConcurrentHashMap.newKeySet();

    static {
        // no gdb, debugged program or gdbserver may outlive tandem
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (MiChannel c : OPEN) c.kill();
        }, "mi-channel-shutdown"));
    }

    private final Duration defaultTimeout;
    /** Guards the parts' state that must change together: a command or a wait taken, against a loss that fails them all. */
    private final Object lock = new Object();
    private final GdbLosses losses = new GdbLosses(this::gdbPid);
    private final PendingCommands commands = new PendingCommands(lock, losses);
    private final StopWaiters stopWaiters = new StopWaiters(lock, losses, this::gdbPid);
    private final UnansweredText unanswered = new UnansweredText(lock);
    private final ProgramProcesses programs = new ProgramProcesses();
    private final List<MiTranscript> transcripts = new CopyOnWriteArrayList<>();
    private final ArrayDeque<String> programOutput = new ArrayDeque<>();
    private final MiParser parser = new MiParser(); // used by the stdout reader thread only
    private final MiDispatcher events;
    private volatile GdbProcess gdb;
    private volatile boolean closing;
    /** Where the debugged program writes its output instead of gdb's stdout, when the target allows it. */
    private volatile ProgramOutputPipe programPipe;

    private MiChannel(Duration defaultTimeout, List<MiListener> listeners, List<MiTranscript> transcripts) {
        this.defaultTimeout = defaultTimeout;
        this.transcripts.addAll(transcripts);
        this.events = new MiDispatcher(listeners);
    }

    static MiChannel start(List<String> command, File dir, Map<String, String> env, Duration timeout,
                           Duration startTimeout, List<MiListener> listeners, List<MiTranscript> transcripts,
                           java.nio.file.Path programOutputPipe)
            throws IOException {
        MiChannel channel = new MiChannel(timeout, listeners, transcripts);
        channel.events.start();
        if (programOutputPipe != null) {
            channel.programPipe = ProgramOutputPipe.open(programOutputPipe, channel::onProgramPipe);
        }
        try {
            channel.gdb = GdbProcess.start(command, dir, env, channel::onStdout, channel::onStderr,
                    channel::onExit, startTimeout.toMillis());
        } catch (IOException | RuntimeException e) {
            if (channel.programPipe != null) channel.programPipe.close();
            channel.events.stop();
            throw e;
        }
        channel.programs.addRoot(channel.gdb.pid());
        OPEN.add(channel);
        try {
            for (MiCommand setting : SETTINGS) {
                try {
                    channel.send(setting, startTimeout);
                } catch (GdbErrorException e) {
                    // gdb refuses to change mi-async once a program runs, and rr's gdb has started
                    // one (-ex starti, -ex target extended-remote) before reading MI: it must then
                    // have come on from the command line (-iex "set mi-async on")
                    if (!setting.parameters().get(0).equals("mi-async")
                            || !"on".equals(channel.send(MiCommand.of("gdb-show", "mi-async"), startTimeout).record().results().string("value"))) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    // ---- sending ------------------------------------------------------------------------

    /** Sends with the default timeout; see {@link #send(MiCommand, Duration)}. */
    public MiResult send(MiCommand command) {
        return send(command, defaultTimeout);
    }

    /** Sends {@code -operation params...}, e.g. {@code send("-data-evaluate-expression", "x + 1")}. */
    public MiResult send(String operation, String... parameters) {
        return send(MiCommand.of(operation, parameters), defaultTimeout);
    }

    /**
     * Sends a command and waits for its result record ({@code ^done}, {@code ^running},
     * {@code ^connected}, {@code ^exit}).
     *
     * @throws GdbErrorException on {@code ^error}, with gdb's message verbatim
     * @throws MiTimeoutException naming the command when no answer came in time
     * @throws GdbDiedException when gdb is or goes away
     * @throws TargetLostException when gdb has lost its remote target, or loses it now
     */
    public MiResult send(MiCommand command, Duration timeout) {
        PendingCommands.Pending p = write(command);
        MiResult result = MiWait.await(p.answer, timeout, timeout, "the answer to " + p.line, gdbPid(),
                () -> commands.forget(p.token));
        if (result.isError()) {
            // a server that went away while gdb stood still is found by the next command that needs it
            String said = result.string("msg", "");
            if (GdbLosses.isLossOfTarget(said)) {
                targetLost(said);
                throw losses.lost("the answer to " + p.line);
            }
            throw new GdbErrorException(command, result);
        }
        return result;
    }

    /** Runs a CLI command through {@code -interpreter-exec console}; its text is {@link MiResult#console()}. */
    public MiResult console(String cliCommand) {
        return send(MiCommand.console(cliCommand), defaultTimeout);
    }

    public MiResult console(String cliCommand, Duration timeout) {
        return send(MiCommand.console(cliCommand), timeout);
    }

    // ---- execution and stops ------------------------------------------------------------

    /**
     * Arms a wait for the next {@code *stopped}: call before the command that resumes the
     * target, so a stop that comes quickly is not missed.
     */
    public PendingStop expectStop(String awaited) {
        return stopWaiters.expect(awaited);
    }

    /**
     * Sends a command that resumes the target ({@code -exec-continue}, {@code -exec-next},
     * {@code -exec-run}, {@code -exec-finish}, a console {@code reverse-continue} ...), expects
     * {@code ^running}, and waits for the {@code *stopped} that follows.
     *
     * @return the {@code *stopped} record: {@code reason()}, {@code tuple("frame")}, ...
     * @throws MiTimeoutException saying "*stopped after N-exec-continue" when the target does not stop in time
     */
    public AsyncRecord resume(MiCommand command, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        StopWaiters.Waiter stop = stopWaiters.expect("*stopped after " + command.text());
        try {
            send(command, timeout);
        } catch (RuntimeException e) {
            stop.cancel();
            throw e;
        }
        return stop.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), timeout);
    }

    /** {@code -exec-continue}, then waits for {@code *stopped}. */
    public AsyncRecord continueToStop(Duration timeout) {
        return resume(MiCommand.of("exec-continue"), timeout);
    }

    /**
     * Stops a running target: {@code -exec-interrupt}, and if no {@code *stopped} comes within
     * {@link #INTERRUPT_GRACE}, SIGINT to gdb and to the debugged processes it reported that are
     * tandem's own (started by it, or descendants). A timeout's message says what was sent to whom
     * and which reported pids were left alone.
     *
     * @return the {@code *stopped} record (reason {@code signal-received}, signal-name {@code SIGINT}, usually)
     */
    public AsyncRecord interrupt(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PendingStop stop = expectStop("*stopped after -exec-interrupt");
        try {
            send(MiCommand.of("exec-interrupt"), timeout);
        } catch (GdbErrorException e) {
            stop.cancel();
            throw e;
        }
        try {
            return stop.await(INTERRUPT_GRACE);
        } catch (MiTimeoutException notYet) {
            // -exec-interrupt needs mi-async; a gdb that ignores it (or an rr that swallows it) still honours SIGINT
            StopWaiters.Waiter again = stopWaiters.expect("*stopped after -exec-interrupt");
            stop.cancel();
            GdbProcess.sigint(gdb.pid());
            String sent = "SIGINT to gdb (pid " + gdb.pid() + ")";
            String signalled = interruptPrograms();
            again.awaited = "*stopped after -exec-interrupt and " + sent + (signalled.isEmpty() ? "" : "; " + signalled);
            return again.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), timeout);
        }
    }

    /**
     * Waits until gdb has finished every command sent so far, and says what happened after
     * {@code since} (a resumed command's first stop). A console command can resume more than
     * once and go on after its first {@code *stopped}: a user-defined command or a hook does, as
     * rr's {@code restart N} does ({@code run cN} after its run hook's {@code stepi},
     * launch_debugger.cc). gdb reads the next command only once such a command has ended, so the
     * answer to a command sent now comes after all of it. Text gdb wrote while no command awaited
     * an answer is kept (the last {@value UnansweredText#LIMIT} characters) for this.
     *
     * @throws MiTimeoutException when gdb does not answer within {@code timeout}
     */
    public Settled settle(MiMark since, Duration timeout) {
        MiResult barrier = send(MiCommand.of("gdb-show", "confirm"), timeout);
        return unanswered.settled(since, barrier.console() + barrier.log());
    }

    /** Where gdb's output stands now: the stops so far and the unanswered text's length. */
    public MiMark mark() {
        return unanswered.mark();
    }

    /**
     * The console and log text gdb wrote after {@code since} while no command awaited an answer
     * (what it said during a move: after {@code ^running}, with its stop), up to now.
     */
    public String saidSince(MiMark since) {
        return unanswered.since(since);
    }

    // ---- listeners, transcript, program output, process ---------------------------------

    public void addListener(MiListener listener) {
        events.addListener(listener);
    }

    public void removeListener(MiListener listener) {
        events.removeListener(listener);
    }

    public void addTranscript(MiTranscript transcript) {
        transcripts.add(transcript);
    }

    public void removeTranscript(MiTranscript transcript) {
        transcripts.remove(transcript);
    }

    /**
     * Output of the debugged program so far (non-MI text on gdb's stdout and stderr, {@code @}
     * target stream text, and the lines of its own output pipe when it has one), oldest first, at
     * most the last 10000 entries.
     */
    public List<String> programOutput() {
        synchronized (programOutput) {
            return new ArrayList<>(programOutput);
        }
    }

    /** Returns and forgets the program output collected so far. */
    public List<String> takeProgramOutput() {
        synchronized (programOutput) {
            List<String> out = new ArrayList<>(programOutput);
            programOutput.clear();
            return out;
        }
    }

    /** gdb's process id. */
    public long pid() {
        return gdb.pid();
    }

    /**
     * Sends SIGINT to the debugged program gdb runs now (else to every one it reported), if it is
     * tandem's own and running. Returns what it did, for messages: "SIGINT to program pid 123",
     * "program pid 4242 that gdb reported is not a process tandem started: not signalled", or "".
     */
    public String interruptPrograms() {
        return programs.interruptPrograms();
    }

    /**
     * How many SIGINTs wait, sent but not yet taken, in the debugged programs that are tandem's own
     * (see {@link ProgramProcesses#sigintsPending}): each surfaces as a SIGINT stop once the
     * program runs again. Per /proc, at the time asked.
     */
    public int programSigintsPending() {
        return programs.sigintsPending();
    }

    /**
     * Whether a program gdb names as the one it runs (a pid of gdb's own {@code -list-thread-groups},
     * for a program gdb traces itself) has ended under it: a zombie gdb has not reaped yet, gone, or
     * no longer a process tandem started (its pid taken by another). Per /proc, at the time asked.
     */
    public boolean programEnded(long pid) {
        return programs.ended(pid);
    }

    /**
     * The same for a program gdb reports stopped, waiting up to {@code wait} for one that is not
     * held stopped but on its way out (killed, its memory already gone): see
     * {@link ProgramProcesses#ended(long, Duration)}.
     */
    public boolean programEnded(long pid, Duration wait) {
        return programs.ended(pid, wait);
    }

    /**
     * Tells the channel which process gdb runs now, when gdb switched to another one without
     * starting it (gdb's {@code restart N} to a fork checkpoint): interrupts go to it, and it is
     * ended with the rest at close.
     */
    public void programSwitched(long pid) {
        programs.reported(pid);
    }

    /**
     * A process tandem started for this session besides gdb (a target's own server, such as
     * gdbserver): it and its descendants are tandem's to signal and end.
     */
    public void adoptProcessTree(long pid) {
        programs.addRoot(pid);
    }

    /**
     * Process ids of the debugged programs gdb reported ({@code =thread-group-started,pid=...})
     * that are tandem's own: started by it or descending from what it started, per /proc.
     */
    public Set<Long> inferiorPids() {
        return programs.inferiorPids();
    }

    /** Pids gdb reported that are not tandem's processes (under rr: the recorded ones); never signalled. */
    public Set<Long> foreignPids() {
        return programs.foreignPids();
    }

    /** The last ~20 lines gdb printed (stdout and stderr), oldest first. */
    public List<String> lastOutput() {
        return gdb.tail();
    }

    public boolean isAlive() {
        return !losses.dead() && gdb.isAlive();
    }

    private long gdbPid() {
        GdbProcess g = gdb;
        return g == null ? -1 : g.pid();
    }

    // ---- shutting down ------------------------------------------------------------------

    /**
     * Ends gdb: {@code -gdb-exit}, a short wait, then kills whatever is left of its process
     * tree (the debugged program, gdbserver, rr). Idempotent.
     */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        List<ProcessHandle> started = new ArrayList<>(gdb.descendants());
        started.addAll(programs.ownPrograms());
        try {
            if (isAlive()) {
                try {
                    send(MiCommand.of("gdb-exit"), Duration.ofSeconds(1));
                } catch (MiException ignored) {
                    // gdb busy or gone: it is killed below
                }
                gdb.waitFor(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            gdb.destroyTree(started);
            try {
                gdb.waitFor(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeProgramPipe();
            OPEN.remove(this);
            events.stop();
        }
    }

    private void closeProgramPipe() {
        ProgramOutputPipe pipe = programPipe;
        if (pipe != null) pipe.close();
    }

    /** Kills gdb and its tree at once, for the JVM shutdown hook. */
    private void kill() {
        closing = true;
        gdb.destroyTree(programs.ownPrograms());
    }

    // ---- reading (stdout reader thread) --------------------------------------------------

    private void onStdout(String line) {
        for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.FROM_GDB, line);
        List<MiRecord> records = parser.parseRecovering(line);
        if (records.size() == 2 && records.get(0) instanceof ProgramOutput o && records.get(1) instanceof ResultRecord r) {
            records = commands.withTokenOfPending(o, r);
        }
        for (MiRecord record : records) onRecord(record);
    }

    private void onRecord(MiRecord record) {
        ProgramOutputPipe pipe = programPipe;
        if (pipe != null && (record instanceof ResultRecord || record instanceof AsyncRecord a && a.isStopped())) {
            // what the program wrote before gdb's answer or stop comes before it; a stopped
            // program's unfinished line (a prompt) is complete as far as it goes
            boolean stopped = !(record instanceof ResultRecord r && "running".equals(r.resultClass()));
            pipe.drain(stopped);
        }
        if (record instanceof ResultRecord r) {
            commands.answer(r);
        } else if (record instanceof StreamRecord s) {
            if (s.kind() == StreamRecord.Kind.TARGET) {
                collectProgramOutput(s.text());
            } else {
                if (s.kind() == StreamRecord.Kind.LOG && GdbLosses.isLossOfTarget(s.text())) targetLost(s.text().strip());
                if (s.kind() == StreamRecord.Kind.LOG && GdbLosses.isLossOfProgram(s.text())) programLost(s.text().strip());
                synchronized (lock) {
                    if (!commands.collect(s)) unanswered.append(s.text());
                }
            }
            events.add(s);
        } else if (record instanceof AsyncRecord a) {
            if (a.isStopped()) {
                List<StopWaiters.Waiter> waiters;
                MiMark at;
                synchronized (lock) {
                    waiters = stopWaiters.takeAll();
                    at = unanswered.stopped(a);
                }
                StopWaiters.stopped(waiters, a, at);
            } else if (a.kind() == AsyncRecord.Kind.NOTIFY && "thread-group-started".equals(a.asyncClass())) {
                String pid = a.string("pid", null);
                if (pid != null && pid.matches("\\d{1,18}")) programs.reported(Long.parseLong(pid));
            }
            events.add(a);
        } else if (record instanceof ProgramOutput o) {
            collectProgramOutput(o.line());
            events.add(o);
        }
    }

    /** A line the program wrote to its own output pipe. */
    private void onProgramPipe(String line) {
        // gdb's own child, before it becomes the program, warns there in MI form
        // (`&"warning: GDB: Failed to set controlling terminal: ..."`: the pipe is no terminal):
        // gdb's words, not the program's
        if (line.startsWith("&\"warning: GDB: ") && MiParser.parseLine(line) instanceof StreamRecord) {
            for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.GDB_STDERR, line);
            return;
        }
        collectProgramOutput(line);
        events.add(new ProgramOutput(line));
    }

    private void onStderr(String line) {
        for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.GDB_STDERR, line);
        // gdb itself reports through MI on stdout; its stderr is the debugged program's, which
        // inherits it (PANDA prints its failure text and a replay's ground truth there)
        collectProgramOutput(line);
        events.add(new ProgramOutput(line));
    }

    private void collectProgramOutput(String text) {
        synchronized (programOutput) {
            if (programOutput.size() == PROGRAM_OUTPUT_LINES) programOutput.removeFirst();
            programOutput.addLast(text);
        }
    }

    /** gdb has ended and its pipes are drained (or stayed open too long): fail every waiter. */
    private void onExit(int exitCode) {
        GdbProcess g = gdb;
        List<String> tail = g == null ? List.of() : g.tail();
        GdbDiedException death;
        List<PendingCommands.Pending> ps;
        List<StopWaiters.Waiter> ws;
        synchronized (lock) {
            death = losses.gdbEnded(exitCode, closing, tail);
            ps = commands.takeAll();
            ws = stopWaiters.takeAll();
        }
        for (PendingCommands.Pending p : ps) p.answer.completeExceptionally(losses.died("the answer to " + p.line));
        StopWaiters.fail(ws, losses::died);
        // the debugged program is ptraced by gdb and normally dies with it; make sure
        for (ProcessHandle h : programs.ownPrograms()) h.destroyForcibly();
        closeProgramPipe();
        OPEN.remove(this);
        events.add(death);
        events.stop();
    }

    /** The program is gone but gdb is not: every stop awaited fails now; commands go on. */
    private void programLost(String gdbWords) {
        stopWaiters.failAll(awaited -> losses.programLost(awaited, gdbWords));
    }

    /** gdb lost its target: every stop awaited fails now, and every command sent from now on. */
    private void targetLost(String gdbWords) {
        List<StopWaiters.Waiter> ws;
        synchronized (lock) {
            losses.targetLost(gdbWords);
            ws = stopWaiters.takeAll();
        }
        StopWaiters.fail(ws, losses::lost);
        // a killed gdbserver leaves its program running untraced (it does not ask the kernel to
        // kill it with its tracer): tandem's own programs end now, not at close
        for (ProcessHandle h : programs.ownPrograms()) h.destroyForcibly();
    }

    /** What gdb said when it lost its remote target, or null while it has it. */
    public String targetLost() {
        return losses.targetLost();
    }

    // ---- internals ----------------------------------------------------------------------

    private PendingCommands.Pending write(MiCommand command) {
        PendingCommands.Pending p = commands.add(command);
        for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.TO_GDB, p.line);
        try {
            gdb.writeLine(p.line);
        } catch (IOException e) {
            commands.forget(p.token);
            // a gdb that has exited closes its stdin before the reader has seen its end: wait for
            // the reader, so the error carries gdb's exit code and last words, not "Stream closed"
            long until = System.nanoTime() + DEATH_WAIT_NANOS;
            while (!losses.dead() && System.nanoTime() < until) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (losses.dead()) throw losses.died("the answer to " + p.line);
            throw new MiException("cannot write to gdb (pid " + gdb.pid() + "): " + e.getMessage(), e);
        }
        return p;
    }

    /** How long a failed write waits for the reader to see gdb's end: 2 s. */
    private static final long DEATH_WAIT_NANOS = 2_000_000_000L;
}
