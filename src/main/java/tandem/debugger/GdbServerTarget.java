// A program behind a gdb remote server: gdbserver here, `rr replay -s PORT` in the field. gdb
// connects with `target extended-remote`, and the server evaluates breakpoint conditions itself.
// On a gdbserver tandem started, tandem can fork the program for checkpoints (ServerForks).
package tandem.debugger;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecuteResultHandler;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

public final class GdbServerTarget implements Target {
    private final Path gdb;
    private final String host;
    private final int port;
    private final Path program;
    private final Path workingDirectory;
    private final ExecuteWatchdog server;
    /** Completed once the gdbserver tandem started has ended and its output is all in its log (null: started elsewhere). */
    private final DefaultExecuteResultHandler serverEnded;
    private final Path serverLog;
    private final int cpu;
    /** The gdbserver process tandem started; -1 for a server started elsewhere. */
    private final long serverPid;
    /** The program's arguments, for `run` to start it again the same way (empty: a server started elsewhere). */
    private final List<String> args;
    /** Whether tandem may fork the program for checkpoints (ServerForks). */
    private final boolean forks;

    private GdbServerTarget(Path gdb, String host, int port, Path program, Path workingDirectory,
                            ExecuteWatchdog server, DefaultExecuteResultHandler serverEnded, Path serverLog, int cpu,
                            long serverPid, List<String> args, boolean forks) {
        this.gdb = gdb;
        this.host = host;
        this.port = port;
        this.program = program;
        this.workingDirectory = workingDirectory;
        this.server = server;
        this.serverEnded = serverEnded;
        this.serverLog = serverLog;
        this.cpu = cpu;
        this.serverPid = serverPid;
        this.args = List.copyOf(args);
        this.forks = forks;
    }

    /** A server someone else started, such as {@code rr replay -s PORT}. */
    public static GdbServerTarget connect(Path gdb, String host, int port, Path program) {
        return new GdbServerTarget(gdb, host, port, program, null, null, null, null, -1, -1, List.of(), false);
    }

    /**
     * Starts {@code gdbserver} on a free local port running {@code program args < stdin} in
     * {@code workingDirectory}; the program's output goes to {@code gdbserver.log} there.
     */
    public static GdbServerTarget launch(Path gdb, Path gdbserver, Path program, List<String> args,
                                         Path workingDirectory, Path stdin) {
        int port = freePort();
        List<String> command = new java.util.ArrayList<>(List.of(gdbserver.toString(), "--once", "127.0.0.1:" + port, program.toString()));
        command.addAll(args);
        // gdbserver, its program and (GdbDebugger) gdb share a CPU: see CpuPinning
        int cpu = CpuPinning.claim();
        command = CpuPinning.pinned(cpu, command);
        CommandLine cl = new CommandLine(command.get(0));
        for (String a : command.subList(1, command.size())) cl.addArgument(a, false);
        Path log = workingDirectory.resolve("gdbserver.log");
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(ExecuteWatchdog.INFINITE_TIMEOUT_DURATION).get();
        try {
            OutputStream out = new FileOutputStream(log.toFile());
            InputStream in = stdin == null ? InputStream.nullInputStream() : new FileInputStream(stdin.toFile());
            DefaultExecutor ex = DefaultExecutor.builder().setWorkingDirectory(workingDirectory.toFile()).get();
            ex.setWatchdog(watchdog);
            ex.setStreamHandler(new PumpStreamHandler(out, out, in));
            // commons-exec hands the launched Process to the destroyer: the one place to get its pid
            tandem.mi.LaunchedProcess launched = new tandem.mi.LaunchedProcess();
            ex.setProcessDestroyer(launched);
            DefaultExecuteResultHandler ended = new DefaultExecuteResultHandler();
            ex.execute(cl, ended);
            awaitListening(port, log, gdbserver);
            return new GdbServerTarget(gdb, "127.0.0.1", port, program, workingDirectory, watchdog, ended, log, cpu, launched.process().isDone() ? launched.process().join().pid() : -1, args, false);
        } catch (IOException | RuntimeException e) {
            watchdog.destroyProcess(); // a server that never listened must not outlive tandem
            CpuPinning.release(cpu);
            if (e instanceof RuntimeException r) throw r;
            throw new DebuggerException("could not start " + gdbserver + ": " + e.getMessage()
                    + " (Debian package gdbserver)");
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new DebuggerException("no free local port for gdbserver: " + e.getMessage());
        }
    }

    private static void awaitListening(int port, Path log, Path gdbserver) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("Listening on port")) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String said = Files.exists(log) ? Files.readString(log).strip() : "";
        throw new DebuggerException(gdbserver + " did not start listening on port " + port + " within 20 s"
                + (said.isEmpty() ? "" : ": " + said));
    }

    @Override
    public String description() {
        return "gdbserver " + host + ":" + port + " (" + program.getFileName() + ")";
    }

    @Override
    public List<String> commandLine(List<String> extraGdbOptions) {
        List<String> c = new java.util.ArrayList<>(List.of(gdb.toString(), "--interpreter=mi3", "--nx", "-q"));
        c.addAll(extraGdbOptions);
        c.add(program.toString());
        return c;
    }

    @Override
    public Connection connection() {
        return Connection.REMOTE;
    }

    @Override
    public Path workingDirectory() {
        return workingDirectory;
    }

    @Override
    public List<String> startCommands() {
        List<String> c = new java.util.ArrayList<>();
        // the program's name goes into every `run` (vRun): gdbserver starts that file; rr replays its
        // one recording and dies of a vRun that names a file (GdbServerConnection.cc, process_vpacket:
        // "debugger wants us to run the exe image"), and without a name restarts its replay
        if (launchedHere()) c.add("set remote exec-file " + program);
        // a server tandem started runs on this machine: gdb reads the program's libraries from
        // the disk here, not each file through the remote protocol for every process
        if (launchedHere()) c.add("set sysroot /");
        // `run` over extended-remote starts the program with gdb's own arguments (vRun), not the
        // ones gdbserver was started with: without these, going back by running again starts
        // the program bare
        if (!args.isEmpty()) c.add("set args " + String.join(" ", args.stream().map(GdbServerTarget::shellQuoted).toList()));
        c.add("target extended-remote " + host + ":" + port);
        return c;
    }

    @Override
    public Path gdb() {
        return gdb;
    }

    @Override
    public Path program() {
        return program;
    }

    /** A server started elsewhere may be {@code rr replay -s}, which refuses writes outside a diversion. */
    @Override
    public boolean acceptsMemoryWrites() {
        return launchedHere();
    }

    /** Whether tandem started this gdbserver ({@link #launch}), rather than someone else ({@link #connect}). */
    public boolean launchedHere() {
        return server != null;
    }

    /**
     * A gdbserver tandem started runs its program here: the pids it names are this machine's, and
     * its program is known as tandem's by descending from it (when its pid is known; else no
     * program of it could be told from a stranger's).
     */
    @Override
    public boolean serverPidsLocal() {
        return launchedHere() && serverPid > 0;
    }

    @Override
    public boolean canReverse() {
        return false;
    }

    /**
     * The same server and program with checkpoints that tandem forks itself (ServerForks), for a
     * single-threaded x86-64 program: going back restarts a fork instead of running the program
     * again. Each fork is another gdb inferior, and gdb 13.1 is not steady with many: it died of
     * SIGSEGV inserting a conditional breakpoint with some 20 of them in 5 of 6 runs of
     * `--strategy diverge` at 10^6 guest instructions. A fork also shares the original's file
     * offsets and holds copies of its locks.
     */
    public GdbServerTarget withForkedCheckpoints() {
        return new GdbServerTarget(gdb, host, port, program, workingDirectory, server, serverEnded, serverLog, cpu, serverPid, args, true);
    }

    /**
     * Checkpoints on a gdbserver tandem started, for an x86-64 program, when asked for
     * ({@link #withForkedCheckpoints()}): tandem forks it itself (ServerForks). gdbserver has no
     * `checkpoint`; a server started elsewhere may be rr, whose checkpoints tandem does not reach
     * through a plain remote connection.
     */
    @Override
    public boolean canCheckpoint() {
        return forks && launchedHere() && isX86_64Elf(program);
    }

    /** EM_X86_64 (62) in the ELF header's e_machine, little-endian at byte 18 (elf(5)). */
    static boolean isX86_64Elf(Path file) {
        byte[] h = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(h, 0, h.length) < h.length) return false;
        } catch (IOException e) {
            return false;
        }
        return h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[4] == 2 && h[5] == 1
                && (h[18] & 0xff | (h[19] & 0xff) << 8) == 62;
    }

    @Override
    public boolean evaluatesConditions() {
        return true;
    }

    /**
     * How long {@link #serverLastError()} waits for the log to be complete: gdbserver's last words
     * pass through tandem's pump after it exits; a program it left running (gdbserver killed from
     * outside) holds the pipe open, and then the log is read as it is.
     */
    private static final Duration LOG_COMPLETE_WAIT = Duration.ofSeconds(1);

    /**
     * How gdbserver's error that ends it begins in its log, among its program's output (13.1:
     * "gdbserver: Couldn't read debug register: No such process.").
     */
    private static final String OWN_ERROR = "gdbserver: ";

    /** What gdbserver 13.1 prints after that error, ending its programs, before it exits. */
    private static final Pattern LEAVING =
            Pattern.compile("(Killing process\\(es\\)|Detaching process\\(es\\)|Detach or kill failed):.*|Exiting");

    /**
     * The error gdbserver quit on ("Couldn't read debug register: No such process."), prefix left
     * off: the last line of its log but for its leaving words, once it has ended; null while it
     * runs, when it ended with no such words (killed from outside), or for a server started elsewhere.
     */
    @Override
    public String serverLastError() {
        if (serverEnded == null || serverLog == null) return null;
        try {
            serverEnded.waitFor(LOG_COMPLETE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (serverPid > 0 && ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false)) return null;
        try {
            List<String> lines = Files.readAllLines(serverLog, StandardCharsets.ISO_8859_1);
            int last = lines.size() - 1;
            while (last >= 0 && LEAVING.matcher(lines.get(last)).matches()) last--;
            if (last >= 0 && lines.get(last).startsWith(OWN_ERROR)) return lines.get(last).substring(OWN_ERROR.length()).strip();
        } catch (IOException e) {
            // no log to read: nothing it said is known
        }
        return null;
    }

    /** Where the served program's output goes (null for a server started elsewhere). */
    public Path serverLog() {
        return serverLog;
    }

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public List<Long> processIds() {
        return serverPid > 0 ? List.of(serverPid) : List.of();
    }

    @Override
    public void close() {
        if (server != null) server.destroyProcess();
        CpuPinning.release(cpu);
    }

    /** gdbserver starts the program through a shell: each argument in single quotes. */
    private static String shellQuoted(String a) {
        return a.matches("[\\w@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'";
    }
}
