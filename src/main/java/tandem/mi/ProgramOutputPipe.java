package tandem.mi;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A named pipe (FIFO) that the debugged program writes its output to instead of gdb's stdout
 * (gdb's {@code -inferior-tty-set}, rr 5.5+'s {@code replay --tty}), so that program text and MI
 * records cannot share a line. Read in lines by polling, and drained on demand: when gdb reports
 * a stop or an answer, everything the program wrote before it is read first, which keeps the
 * order of the two streams.
 *
 * <p>Opened read-write, so that neither side blocks on open and a program that closes it (a rerun)
 * does not end the stream.
 */
final class ProgramOutputPipe implements AutoCloseable {

    private static final long POLL_MILLIS = 20;

    private final Path path;
    private final RandomAccessFile file;
    private final FileInputStream in;
    private final Consumer<String> lines;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final byte[] buffer = new byte[1 << 16];
    private final Thread poller;
    private volatile boolean closed;

    private ProgramOutputPipe(Path path, RandomAccessFile file, Consumer<String> lines) throws IOException {
        this.path = path;
        this.file = file;
        this.in = new FileInputStream(file.getFD());
        this.lines = lines;
        this.poller = new Thread(this::poll, "program-output " + path.getFileName());
        this.poller.setDaemon(true);
    }

    /** Makes a FIFO at {@code path} (with mkfifo(1)) and starts reading it; each line goes to {@code lines}. */
    static ProgramOutputPipe open(Path path, Consumer<String> lines) throws IOException {
        try {
            Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).redirectErrorStream(true).start();
            String said = new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new IOException("mkfifo " + path + " failed: " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making " + path, e);
        }
        ProgramOutputPipe p = new ProgramOutputPipe(path, new RandomAccessFile(path.toFile(), "rw"), lines);
        p.poller.start();
        return p;
    }

    Path path() {
        return path;
    }

    /**
     * Reads whatever the program has written so far and hands it on; with {@code flushPartial}
     * also a last line that has no newline yet (a prompt printed before the program stopped).
     */
    synchronized void drain(boolean flushPartial) {
        if (closed) return;
        try {
            for (int n; in.available() > 0 && (n = in.read(buffer, 0, Math.min(buffer.length, in.available()))) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') emit();
                    else partial.write(buffer[i]);
                }
            }
        } catch (IOException e) {
            return; // closed under us: nothing more to read
        }
        if (flushPartial && partial.size() > 0) emit();
    }

    private void emit() {
        String line = GdbText.decode(partial.toByteArray());
        partial.reset();
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        lines.accept(line);
    }

    private void poll() {
        while (!closed) {
            drain(false);
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        drain(true);
        synchronized (this) {
            closed = true;
        }
        poller.interrupt();
        try {
            file.close();
        } catch (IOException ignored) {
            // nothing to recover
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a FIFO left in the temp directory holds no data
        }
    }
}
