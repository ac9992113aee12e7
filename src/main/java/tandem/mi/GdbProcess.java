package tandem.mi;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.ExecuteStreamHandler;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The gdb child process and its pipes (the I/O part of the mi layer): started with commons-exec,
 * one thread reading stdout line by line, one reading stderr, writes to stdin, and the means to
 * signal or end gdb together with everything it started.
 */
final class GdbProcess {

    private static final int TAIL_LINES = 20;

    private final Process process;
    private final Writer stdin;
    private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
    private final List<String> command;

    private GdbProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts {@code command}. {@code stdout} and {@code stderr} get each line (on reader threads),
     * {@code onExit} the exit code once gdb has ended and its pipes are drained.
     */
    static GdbProcess start(List<String> command, File workingDir, Map<String, String> env,
                            Consumer<String> stdout, Consumer<String> stderr, IntConsumer onExit,
                            long startTimeoutMillis) throws IOException {
        CommandLine cl = new CommandLine(command.get(0));
        for (String arg : command.subList(1, command.size())) cl.addArgument(arg, false);

        LaunchedProcess capture = new LaunchedProcess();
        CompletableFuture<Process> launched = capture.process();
        CompletableFuture<GdbProcess> self = new CompletableFuture<>();
        LineStreams streams = new LineStreams(command.get(0), self, stdout, stderr);

        DefaultExecutor executor = DefaultExecutor.builder().setWorkingDirectory(workingDir).get();
        executor.setStreamHandler(streams);
        executor.setExitValues(null); // every exit code is reported through onExit, none is "failure"
        // commons-exec hands the launched Process to the destroyer: the one place to get hold of it
        executor.setProcessDestroyer(capture);
        executor.execute(cl, env, new ExecuteResultHandler() {
            @Override
            public void onProcessComplete(int exitValue) {
                onExit.accept(exitValue);
            }

            @Override
            public void onProcessFailed(ExecuteException e) {
                int code = e.getExitValue();
                Process p = launched.getNow(null);
                // commons-exec fails a run whose streams broke before it waited for the process (a
                // gdb that exits at once on a bad option): its code is then a placeholder, so ask the process
                if (code == org.apache.commons.exec.Executor.INVALID_EXITVALUE && p != null) {
                    try {
                        if (p.waitFor(2, TimeUnit.SECONDS)) code = p.exitValue();
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
                // a failed run may skip the stream handler's stop: drain gdb's last words (its
                // complaint about a bad option) before the exit is reported with them
                streams.stop();
                launched.completeExceptionally(e);
                onExit.accept(code);
            }
        });
        try {
            GdbProcess gdb = new GdbProcess(command, launched.get(startTimeoutMillis, TimeUnit.MILLISECONDS));
            self.complete(gdb);
            return gdb;
        } catch (ExecutionException e) {
            throw new IOException("cannot start " + String.join(" ", command) + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("gdb did not start within " + startTimeoutMillis + " ms: " + String.join(" ", command));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting gdb", e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    List<String> command() {
        return command;
    }

    /** Writes one line to gdb's stdin and flushes. */
    void writeLine(String line) throws IOException {
        synchronized (stdin) {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        }
    }

    boolean waitFor(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** The processes gdb started (the debugged program, gdbserver, rr ...), while gdb lives. */
    List<ProcessHandle> descendants() {
        return process.toHandle().descendants().toList();
    }

    /** Kills {@code others} (still alive ones), gdb's current descendants, and gdb itself. */
    void destroyTree(Collection<ProcessHandle> others) {
        List<ProcessHandle> all = new ArrayList<>(others);
        all.addAll(descendants());
        for (ProcessHandle h : all) {
            if (h.isAlive()) h.destroyForcibly();
        }
        process.destroyForcibly();
    }

    /** Sends SIGINT to {@code pid} through {@code kill}: Java has no API for signals. */
    static void sigint(long pid) {
        try {
            DefaultExecutor kill = DefaultExecutor.builder().get();
            kill.setExitValues(null);
            kill.execute(new CommandLine("kill").addArgument("-INT").addArgument(Long.toString(pid)));
        } catch (IOException e) {
            throw new MiException("cannot send SIGINT to process " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The last lines gdb printed on stdout and stderr, oldest first. */
    List<String> tail() {
        synchronized (tail) {
            return new ArrayList<>(tail);
        }
    }

    private void remember(String line) {
        synchronized (tail) {
            if (tail.size() == TAIL_LINES) tail.removeFirst();
            tail.addLast(line);
        }
    }

    /**
     * commons-exec's stream handler, reading lines instead of pumping bytes. Lines read before the
     * GdbProcess object exists are still remembered in its tail once it does.
     */
    private static final class LineStreams implements ExecuteStreamHandler {
        private final String name;
        private final CompletableFuture<GdbProcess> owner;
        private final Consumer<String> stdout;
        private final Consumer<String> stderr;
        private InputStream out;
        private InputStream err;
        private final List<Thread> readers = new ArrayList<>(2);

        LineStreams(String name, CompletableFuture<GdbProcess> owner, Consumer<String> stdout, Consumer<String> stderr) {
            this.name = name;
            this.owner = owner;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        @Override
        public void setProcessInputStream(OutputStream os) {
            // GdbProcess writes to Process.getOutputStream() itself
        }

        @Override
        public void setProcessOutputStream(InputStream is) {
            out = is;
        }

        @Override
        public void setProcessErrorStream(InputStream is) {
            err = is;
        }

        @Override
        public void start() {
            readers.add(reader(out, stdout, "stdout"));
            readers.add(reader(err, stderr, "stderr"));
        }

        private Thread reader(InputStream in, Consumer<String> sink, String what) {
            Thread t = new Thread(() -> {
                try (Lines r = new Lines(in)) {
                    for (String line; (line = r.next()) != null; ) {
                        GdbProcess gdb = owner.getNow(null);
                        if (gdb == null) gdb = owner.join();
                        gdb.remember(line);
                        sink.accept(line);
                    }
                } catch (IOException | RuntimeException e) {
                    // the pipe closed under us: gdb is gone, onExit reports it
                }
            }, "gdb-" + what + " " + name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        @Override
        public void stop() {
            // the debugged program inherits gdb's stdout and may keep it open after gdb died,
            // so wait only briefly for the readers to drain before reporting the exit
            join(200);
            // nothing read at all (a gdb that refused its options at once): its complaint is the
            // one thing worth reporting, and a loaded machine may not have run the reader yet
            GdbProcess g = owner.getNow(null);
            if (g != null && g.tail().isEmpty()) join(800);
        }

        private void join(long millis) {
            for (Thread t : readers) {
                try {
                    t.join(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * A stream's lines as BufferedReader.readLine ends them (at \n, \r or \r\n), each made text by
     * {@link GdbText}: bytes that are not UTF-8 (a program's output, gdb under another charset)
     * stay distinct instead of all becoming U+FFFD.
     */
    private static final class Lines implements AutoCloseable {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int at;
        private int end;
        private byte[] line = new byte[256];
        private boolean afterCr;

        Lines(InputStream in) {
            this.in = in;
        }

        /** The next line without its terminator, or null at the end of the stream. */
        String next() throws IOException {
            int n = 0;
            while (true) {
                if (at == end) {
                    end = in.read(buffer);
                    at = 0;
                    if (end <= 0) {
                        end = 0;
                        return n > 0 ? GdbText.decode(line, 0, n) : null;
                    }
                }
                byte b = buffer[at++];
                if (afterCr) {
                    afterCr = false;
                    if (b == '\n') continue;
                }
                if (b == '\n' || b == '\r') {
                    afterCr = b == '\r';
                    return GdbText.decode(line, 0, n);
                }
                if (n == line.length) line = java.util.Arrays.copyOf(line, n * 2);
                line[n++] = b;
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
