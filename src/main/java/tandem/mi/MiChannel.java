package tandem.mi;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

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
    private final AtomicLong tokens = new AtomicLong(1);
    private final Object lock = new Object();
    private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>(); // in the order sent
    private final List<StopWaiter> stopWaiters = new ArrayList<>();
    /** Console and log text gdb wrote while no command awaited an answer (after a ^running, say); guarded by lock. */
    private final StringBuilder unanswered = new StringBuilder();
    /** How many characters of unanswered text were dropped from its front; guarded by lock. */
    private long unansweredFrom;
    /** The last *stopped, and where it came (its mark counts the stops so far); guarded by lock. */
    private AsyncRecord lastStop;
    private Mark lastStopMark = new Mark(0, 0);
    private final List<MiListener> listeners = new CopyOnWriteArrayList<>();
    private final List<MiTranscript> transcripts = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final ArrayDeque<String> programOutput = new ArrayDeque<>();
    /** The debugged programs gdb reported that are tandem's own (see {@link OwnProcess}), by pid. */
    private final Map<Long, OwnProcess> inferiors = new ConcurrentHashMap<>();
    /** Pids gdb reported that are not tandem's processes: never signalled (under rr, recorded pids). */
    private final Set<Long> foreignPids = ConcurrentHashMap.newKeySet();
    /** The processes tandem started for this session (gdb, or rr running gdb; a target's server): the roots of what it may signal. */
    private final Set<Long> roots = ConcurrentHashMap.newKeySet();
    /** The process gdb runs now, when known: after a checkpoint restart it is not the one first started. */
    private volatile OwnProcess currentProgram;
    private final MiParser parser = new MiParser(); // used by the stdout reader thread only
    private final Thread dispatcher;
    private volatile GdbProcess gdb;
    private volatile GdbDiedException death;
    /** What gdb said when it lost its remote target (null while it has it); guarded by lock for writes. */
    private volatile String targetLost;
    private volatile boolean closing;
    /** Where the debugged program writes its output instead of gdb's stdout, when the target allows it. */
    private volatile ProgramOutputPipe programPipe;

    private MiChannel(Duration defaultTimeout, List<MiListener> listeners, List<MiTranscript> transcripts) {
        this.defaultTimeout = defaultTimeout;
        this.listeners.addAll(listeners);
        this.transcripts.addAll(transcripts);
        this.dispatcher = new Thread(this::dispatch, "mi-dispatcher");
        this.dispatcher.setDaemon(true);
    }

    static MiChannel start(List<String> command, File dir, Map<String, String> env, Duration timeout,
                           Duration startTimeout, List<MiListener> listeners, List<MiTranscript> transcripts,
                           java.nio.file.Path programOutputPipe)
            throws IOException {
        MiChannel channel = new MiChannel(timeout, listeners, transcripts);
        channel.dispatcher.start();
        if (programOutputPipe != null) {
            channel.programPipe = ProgramOutputPipe.open(programOutputPipe, channel::onProgramPipe);
        }
        try {
            channel.gdb = GdbProcess.start(command, dir, env, channel::onStdout, channel::onStderr,
                    channel::onExit, startTimeout.toMillis());
        } catch (IOException | RuntimeException e) {
            if (channel.programPipe != null) channel.programPipe.close();
            channel.events.add(STOP_DISPATCHER);
            throw e;
        }
        channel.roots.add(channel.gdb.pid());
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
        Pending p = write(command);
        MiResult result = await(p.answer, timeout, "the answer to " + p.line, () -> forget(p.token));
        if (result.isError()) {
            // a server that went away while gdb stood still is found by the next command that needs it
            String said = result.string("msg", "");
            if (isLossOfTarget(said)) {
                targetLost(said);
                throw lost("the answer to " + p.line);
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
        StopWaiter w = new StopWaiter(awaited);
        synchronized (lock) {
            failIfDead(awaited);
            failIfLost(awaited);
            stopWaiters.add(w);
        }
        return w;
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
        PendingStop stop = expectStop("*stopped after " + command.text());
        try {
            send(command, timeout);
        } catch (RuntimeException e) {
            stop.cancel();
            throw e;
        }
        return ((StopWaiter) stop).await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), timeout);
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
            StopWaiter again = (StopWaiter) expectStop("*stopped after -exec-interrupt");
            stop.cancel();
            GdbProcess.sigint(gdb.pid());
            String sent = "SIGINT to gdb (pid " + gdb.pid() + ")";
            String programs = interruptPrograms();
            again.awaited = "*stopped after -exec-interrupt and " + sent + (programs.isEmpty() ? "" : "; " + programs);
            return again.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), timeout);
        }
    }

    /** A wait for the next {@code *stopped}, armed by {@link #expectStop}. */
    public interface PendingStop {
        /** Waits for the stop; the timeout message names what was awaited. */
        AsyncRecord await(Duration timeout);

        /** Disarms the wait. */
        void cancel();

        /** Where in what gdb said the awaited stop came; null before it came. */
        Mark mark();
    }

    /** A point in what gdb said: how many {@code *stopped} records so far, and the unanswered text's length then. */
    public record Mark(long stops, long text) {
    }

    /**
     * What a command did after a stop, once gdb finished it ({@link #settle}).
     *
     * @param stops      the {@code *stopped} records after the mark
     * @param lastStop   the last of them, or the mark's own stop when there were none
     * @param text       console and log text gdb wrote after the mark, in order
     * @param afterLast  the part of {@code text} written after the last stop
     */
    public record Settled(long stops, AsyncRecord lastStop, String text, String afterLast) {
    }

    /**
     * Waits until gdb has finished every command sent so far, and says what happened after
     * {@code since} (a resumed command's first stop). A console command can resume more than
     * once and go on after its first {@code *stopped}: a user-defined command or a hook does, as
     * rr's {@code restart N} does ({@code run cN} after its run hook's {@code stepi},
     * launch_debugger.cc). gdb reads the next command only once such a command has ended, so the
     * answer to a command sent now comes after all of it. Text gdb wrote while no command awaited
     * an answer is kept (the last {@value #UNANSWERED_LIMIT} characters) for this.
     *
     * @throws MiTimeoutException when gdb does not answer within {@code timeout}
     */
    public Settled settle(Mark since, Duration timeout) {
        MiResult barrier = send(MiCommand.of("gdb-show", "confirm"), timeout);
        String answered = barrier.console() + barrier.log();
        synchronized (lock) {
            long stops = lastStopMark.stops() - since.stops();
            String text = unansweredSince(since.text()) + answered;
            String afterLast = stops == 0 ? text : unansweredSince(lastStopMark.text()) + answered;
            return new Settled(stops, lastStop, text, afterLast);
        }
    }

    /** Where gdb's output stands now: the stops so far and the unanswered text's length. */
    public Mark mark() {
        synchronized (lock) {
            return new Mark(lastStopMark.stops(), unansweredFrom + unanswered.length());
        }
    }

    /**
     * The console and log text gdb wrote after {@code since} while no command awaited an answer
     * (what it said during a move: after {@code ^running}, with its stop), up to now.
     */
    public String saidSince(Mark since) {
        synchronized (lock) {
            return unansweredSince(since.text());
        }
    }

    /** The unanswered text from absolute position {@code from}; what was dropped before it is gone. */
    private String unansweredSince(long from) {
        int i = (int) Math.max(0, from - unansweredFrom);
        return i >= unanswered.length() ? "" : unanswered.substring(i);
    }

    private void unanswered(String text) {
        unanswered.append(text);
        if (unanswered.length() > UNANSWERED_LIMIT) {
            int cut = unanswered.length() - UNANSWERED_LIMIT / 2;
            unanswered.delete(0, cut);
            unansweredFrom += cut;
        }
    }

    private static final int UNANSWERED_LIMIT = 64 * 1024;

    // ---- listeners, transcript, program output, process ---------------------------------

    public void addListener(MiListener listener) {
        listeners.add(listener);
    }

    public void removeListener(MiListener listener) {
        listeners.remove(listener);
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
        List<String> did = new ArrayList<>();
        // only the process running now: a SIGINT queued in a stopped checkpoint fork would hit
        // whoever restarts it later
        OwnProcess current = currentProgram;
        for (OwnProcess p : current != null ? List.of(current) : List.copyOf(inferiors.values())) {
            if (p.exists() && runs(p.pid())) {
                GdbProcess.sigint(p.pid());
                did.add("SIGINT to program pid " + p.pid());
            }
        }
        if (!foreignPids.isEmpty()) {
            did.add("program pid " + joined(foreignPids) + " that gdb reported "
                    + (foreignPids.size() == 1 ? "is not a process" : "are not processes")
                    + " tandem started (under rr it is the recorded pid): not signalled");
        }
        return String.join("; ", did);
    }

    private static String joined(Set<Long> pids) {
        return pids.stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Whether the process runs, as opposed to being stopped under ptrace (at a breakpoint, or by
     * the interrupt already), a zombie, or gone. A SIGINT sent to a stopped program stays pending
     * and hits its next resumption, which may be a call gdb makes in it (a restart's lseek).
     */
    static boolean runs(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')');
            char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'X';
            return state == 'R' || state == 'S' || state == 'D';
        } catch (java.io.IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    /**
     * Whether a program gdb names as the one it runs (a pid of gdb's own {@code -list-thread-groups},
     * for a program gdb traces itself) has ended under it: a zombie gdb has not reaped yet, gone, or
     * no longer a process tandem started (its pid taken by another). Per /proc, at the time asked.
     */
    public boolean programEnded(long pid) {
        if (!OwnProcess.of(pid, roots).isPresent()) return true;
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')');
            char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'X';
            return state == 'Z' || state == 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * Tells the channel which process gdb runs now, when gdb switched to another one without
     * starting it (gdb's {@code restart N} to a fork checkpoint): interrupts go to it, and it is
     * ended with the rest at close.
     */
    public void programSwitched(long pid) {
        programReported(pid);
    }

    /**
     * A process tandem started for this session besides gdb (a target's own server, such as
     * gdbserver): it and its descendants are tandem's to signal and end.
     */
    public void adoptProcessTree(long pid) {
        roots.add(pid);
    }

    /**
     * Process ids of the debugged programs gdb reported ({@code =thread-group-started,pid=...})
     * that are tandem's own: started by it or descending from what it started, per /proc.
     */
    public Set<Long> inferiorPids() {
        return Set.copyOf(inferiors.keySet());
    }

    /** Pids gdb reported that are not tandem's processes (under rr: the recorded ones); never signalled. */
    public Set<Long> foreignPids() {
        return Set.copyOf(foreignPids);
    }

    /** gdb names the process it runs now: taken only if it is tandem's own, per the process tree. */
    private void programReported(long pid) {
        java.util.Optional<OwnProcess> own = OwnProcess.of(pid, roots);
        if (own.isPresent()) {
            inferiors.put(pid, own.get());
            currentProgram = own.get();
        } else {
            foreignPids.add(pid);
            currentProgram = null;
        }
    }

    /** The reported programs that are tandem's own and still the same processes. */
    private List<ProcessHandle> ownPrograms() {
        List<ProcessHandle> own = new ArrayList<>();
        for (OwnProcess p : inferiors.values()) p.handle().ifPresent(own::add);
        return own;
    }

    /** The last ~20 lines gdb printed (stdout and stderr), oldest first. */
    public List<String> lastOutput() {
        return gdb.tail();
    }

    public boolean isAlive() {
        return death == null && gdb.isAlive();
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
        started.addAll(ownPrograms());
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
            events.add(STOP_DISPATCHER);
        }
    }

    private void closeProgramPipe() {
        ProgramOutputPipe pipe = programPipe;
        if (pipe != null) pipe.close();
    }

    /** Kills gdb and its tree at once, for the JVM shutdown hook. */
    private void kill() {
        closing = true;
        gdb.destroyTree(ownPrograms());
    }

    // ---- reading (stdout reader thread) --------------------------------------------------

    private void onStdout(String line) {
        for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.FROM_GDB, line);
        List<MiRecord> records = parser.parseRecovering(line);
        if (records.size() == 2 && records.get(0) instanceof ProgramOutput o && records.get(1) instanceof ResultRecord r) {
            records = withTokenOfPending(o, r);
        }
        for (MiRecord record : records) onRecord(record);
    }

    /**
     * A result record found after program output on a line took every digit before its {@code ^}
     * as its token; when that token is not one sent but a shorter tail of it is, the leading
     * digits were the program's ("count 5" then {@code 12^done}).
     */
    private List<MiRecord> withTokenOfPending(ProgramOutput before, ResultRecord r) {
        if (r.token() == null) return List.of(before, r);
        String digits = Long.toString(r.token());
        synchronized (lock) {
            for (int cut = 0; cut < digits.length(); cut++) {
                String tail = digits.substring(cut);
                if (tail.startsWith("0") && tail.length() > 1) continue;
                long token = Long.parseLong(tail);
                if (pending.containsKey(token)) {
                    if (cut == 0) return List.of(before, r);
                    return List.of(new ProgramOutput(before.line() + digits.substring(0, cut)),
                            new ResultRecord(token, r.resultClass(), r.results()));
                }
            }
        }
        return List.of(before, r);
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
            onResult(r);
        } else if (record instanceof StreamRecord s) {
            if (s.kind() == StreamRecord.Kind.TARGET) {
                collectProgramOutput(s.text());
            } else {
                if (s.kind() == StreamRecord.Kind.LOG && isLossOfTarget(s.text())) targetLost(s.text().strip());
                if (s.kind() == StreamRecord.Kind.LOG && isLossOfProgram(s.text())) programLost(s.text().strip());
                synchronized (lock) {
                    Iterator<Pending> it = pending.values().iterator();
                    if (it.hasNext()) it.next().collect(s);
                    else unanswered(s.text());
                }
            }
            events.add(s);
        } else if (record instanceof AsyncRecord a) {
            if (a.isStopped()) {
                List<StopWaiter> waiters;
                Mark at;
                synchronized (lock) {
                    waiters = new ArrayList<>(stopWaiters);
                    stopWaiters.clear();
                    lastStop = a;
                    at = new Mark(lastStopMark.stops() + 1, unansweredFrom + unanswered.length());
                    lastStopMark = at;
                }
                for (StopWaiter w : waiters) {
                    w.mark = at;
                    w.stop.complete(a);
                }
            } else if (a.kind() == AsyncRecord.Kind.NOTIFY && "thread-group-started".equals(a.asyncClass())) {
                String pid = a.string("pid", null);
                if (pid != null && pid.matches("\\d{1,18}")) programReported(Long.parseLong(pid));
            }
            events.add(a);
        } else if (record instanceof ProgramOutput o) {
            collectProgramOutput(o.line());
            events.add(o);
        }
    }

    private void onResult(ResultRecord r) {
        Pending p = null;
        if (r.token() != null) {
            synchronized (lock) {
                p = pending.remove(r.token());
            }
        }
        // an answer nobody waits for (timed out, or a command typed without token) is dropped
        if (p != null) p.answer.complete(new MiResult(p.command, p.token, r, p.console.toString(), p.log.toString()));
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
        String how;
        if (exitCode > 128 && exitCode < 128 + 65) {
            how = "was killed by signal " + (exitCode - 128);
        } else {
            how = "exited with code " + exitCode;
        }
        StringBuilder msg = new StringBuilder("gdb");
        if (g != null) msg.append(" (pid ").append(g.pid()).append(')');
        msg.append(' ').append(how);
        if (closing) msg.append(" after close()");
        msg.append("; last output of gdb:");
        List<String> tail = g == null ? List.of() : g.tail();
        if (tail.isEmpty()) msg.append(" (none)");
        for (String l : tail) msg.append("\n  ").append(l);
        String base = msg.toString();

        List<Pending> ps;
        List<StopWaiter> ws;
        synchronized (lock) {
            death = new GdbDiedException(base, exitCode, tail);
            ps = new ArrayList<>(pending.values());
            pending.clear();
            ws = new ArrayList<>(stopWaiters);
            stopWaiters.clear();
        }
        for (Pending p : ps) p.answer.completeExceptionally(died("the answer to " + p.line));
        for (StopWaiter w : ws) w.stop.completeExceptionally(died(w.awaited));
        // the debugged program is ptraced by gdb and normally dies with it; make sure
        for (ProcessHandle h : ownPrograms()) h.destroyForcibly();
        closeProgramPipe();
        OPEN.remove(this);
        events.add(death);
        events.add(STOP_DISPATCHER);
    }

    /**
     * gdb's words when it loses a remote target (gdb 13.1 remote.c: readchar and
     * remote_serial_write): "Remote connection closed" at the connection's end (the server exited
     * or was killed; gdbserver's and rr's alike), "Remote communication error.  Target
     * disconnected: REASON" when reading or writing fails. gdb pops the remote target then and
     * reports no {@code *stopped}: {@code =thread-group-exited} without an exit code, then this line.
     */
    static boolean isLossOfTarget(String gdbText) {
        String t = gdbText.strip();
        return t.startsWith("Remote connection closed") || t.startsWith("Remote communication error");
    }

    /**
     * gdb's words when the native program it ran vanished under it (killed from outside) and it
     * will report no {@code *stopped}: gdb 13.1 says so instead of {@code exited-signalled} now and
     * then (a thread list it cannot read of a process that is gone).
     */
    static boolean isLossOfProgram(String gdbText) {
        return gdbText.strip().startsWith("Cannot find user-level thread for LWP");
    }

    /** The program is gone but gdb is not: every stop awaited fails now; commands go on. */
    private void programLost(String gdbWords) {
        List<StopWaiter> ws;
        synchronized (lock) {
            ws = new ArrayList<>(stopWaiters);
            stopWaiters.clear();
        }
        for (StopWaiter w : ws) {
            w.stop.completeExceptionally(new ProgramLostException("gdb (pid " + gdb.pid() + ") lost the program it ran while waiting for "
                    + w.awaited + ": it said `" + gdbWords + "` and reports no stop", gdbWords));
        }
    }

    /** gdb lost its target: every stop awaited fails now, and every command sent from now on. */
    private void targetLost(String gdbWords) {
        List<StopWaiter> ws;
        synchronized (lock) {
            if (targetLost == null) targetLost = gdbWords;
            ws = new ArrayList<>(stopWaiters);
            stopWaiters.clear();
        }
        for (StopWaiter w : ws) w.stop.completeExceptionally(lost(w.awaited));
        // a killed gdbserver leaves its program running untraced (it does not ask the kernel to
        // kill it with its tracer): tandem's own programs end now, not at close
        for (ProcessHandle h : ownPrograms()) h.destroyForcibly();
    }

    /** What gdb said when it lost its remote target, or null while it has it. */
    public String targetLost() {
        return targetLost;
    }

    private void failIfLost(String awaited) {
        if (targetLost != null) throw lost(awaited);
    }

    private TargetLostException lost(String awaited) {
        String said = targetLost;
        return new TargetLostException("gdb (pid " + gdb.pid() + ") lost its target while waiting for " + awaited
                + ": it said `" + said + "`", said);
    }

    // ---- dispatching (dispatcher thread) -------------------------------------------------

    private static final Object STOP_DISPATCHER = new Object();

    private void dispatch() {
        while (true) {
            Object e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                return;
            }
            if (e == STOP_DISPATCHER) return;
            for (MiListener l : listeners) {
                try {
                    if (e instanceof AsyncRecord a) l.onAsync(a);
                    else if (e instanceof StreamRecord s) {
                        l.onStream(s);
                        if (s.kind() == StreamRecord.Kind.TARGET) l.onProgramOutput(s.text(), true);
                    } else if (e instanceof ProgramOutput o) l.onProgramOutput(o.line(), false);
                    else if (e instanceof GdbDiedException d) l.onGdbExit(d);
                } catch (RuntimeException | Error ignored) {
                    // one failing listener must not starve the others or stop the dispatcher
                }
            }
        }
    }

    // ---- internals ----------------------------------------------------------------------

    private Pending write(MiCommand command) {
        long token = tokens.getAndIncrement();
        String line = command.render(token);
        Pending p = new Pending(command, token, line);
        synchronized (lock) {
            failIfDead("the answer to " + line);
            // gdb without its target would answer some commands from the program file alone, and
            // start the program under itself on a `run`: nothing more goes to it but its exit
            if (!"gdb-exit".equals(command.operation())) failIfLost("the answer to " + line);
            pending.put(token, p);
        }
        for (MiTranscript t : transcripts) t.line(MiTranscript.Direction.TO_GDB, line);
        try {
            gdb.writeLine(line);
        } catch (IOException e) {
            forget(token);
            // a gdb that has exited closes its stdin before the reader has seen its end: wait for
            // the reader, so the error carries gdb's exit code and last words, not "Stream closed"
            long until = System.nanoTime() + DEATH_WAIT_NANOS;
            while (death == null && System.nanoTime() < until) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            GdbDiedException d = death;
            if (d != null) throw died("the answer to " + line);
            throw new MiException("cannot write to gdb (pid " + gdb.pid() + "): " + e.getMessage(), e);
        }
        return p;
    }

    /** How long a failed write waits for the reader to see gdb's end: 2 s. */
    private static final long DEATH_WAIT_NANOS = 2_000_000_000L;

    private void forget(long token) {
        synchronized (lock) {
            pending.remove(token);
        }
    }

    private void failIfDead(String awaited) {
        if (death != null) throw died(awaited);
    }

    private GdbDiedException died(String awaited) {
        GdbDiedException d = death;
        String m = d.getMessage();
        int at = m.indexOf("; last output");
        return new GdbDiedException(m.substring(0, at) + " while waiting for " + awaited + m.substring(at), d.exitCode(), d.output());
    }

    private <T> T await(CompletableFuture<T> f, Duration timeout, String awaited, Runnable onTimeout) {
        return await(f, timeout, timeout, awaited, onTimeout);
    }

    /** Waits {@code timeout}; a timeout reports {@code shown}, the caller's whole budget. */
    private <T> T await(CompletableFuture<T> f, Duration timeout, Duration shown, String awaited, Runnable onTimeout) {
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            onTimeout.run();
            throw new MiTimeoutException("timed out after " + human(shown) + " waiting for " + awaited
                    + " from gdb (pid " + gdb.pid() + ")");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new MiException("waiting for " + awaited + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            onTimeout.run();
            Thread.currentThread().interrupt();
            throw new MiException("interrupted while waiting for " + awaited, e);
        }
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    private static final class Pending {
        final MiCommand command;
        final long token;
        final String line;
        final CompletableFuture<MiResult> answer = new CompletableFuture<>();
        final StringBuilder console = new StringBuilder();
        final StringBuilder log = new StringBuilder();

        Pending(MiCommand command, long token, String line) {
            this.command = command;
            this.token = token;
            this.line = line;
        }

        void collect(StreamRecord s) {
            (s.kind() == StreamRecord.Kind.CONSOLE ? console : log).append(s.text());
        }
    }

    private final class StopWaiter implements PendingStop {
        /** What was awaited, for messages; an interrupt adds what it sent on the way. */
        volatile String awaited;
        final CompletableFuture<AsyncRecord> stop = new CompletableFuture<>();
        volatile Mark mark;

        @Override
        public Mark mark() {
            return mark;
        }

        StopWaiter(String awaited) {
            this.awaited = awaited;
        }

        @Override
        public AsyncRecord await(Duration timeout) {
            return await(timeout, timeout);
        }

        AsyncRecord await(Duration timeout, Duration shown) {
            return MiChannel.this.await(stop, timeout, shown, awaited, this::cancel);
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                stopWaiters.remove(this);
            }
        }
    }
}
