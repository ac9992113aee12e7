// PANDA's record run, started and driven by tandem: the monitor and the guest's serial port on
// unix sockets, the monitor commands before begin_record, the guest's output waited for, the
// guest command typed, end_record and q. `tandem record` and the real-PANDA specs' recordings run
// through here.
package tandem.cli;

import tandem.panda.PandaException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

public final class RecordRun {

    /** What QEMU's monitor prints once end_record has closed the recording (PANDA's rr_do_end_record). */
    public static final String RECORDING_READY = "Recording ready for use";

    /**
     * A record run. {@code command}: PANDA's command line (or one that runs it last, e.g. gdb's
     * `--args` form), to which the monitor and serial sockets and -S are appended; it must not
     * take its monitor or serial port from stdio. {@code name}: the recording (NAME-rr-snp,
     * NAME-rr-nondet.log in {@code cwd}). {@code waitFor}: guest output to wait for (the guest
     * running) before begin_record, or null. {@code monitor}: monitor commands run with the guest
     * stopped right before begin_record (after {@code waitFor}). {@code guestInput}: bytes typed to the guest's
     * serial port once recording has begun (as given: a shell command needs its "\n"), or null.
     * {@code until}: guest output that ends the recording, or null to end it {@code seconds}
     * after it began. {@code timeoutSeconds}: the longest any one wait may take.
     */
    public record Plan(List<String> command, Path cwd, String name, List<String> monitor, String waitFor,
                       String guestInput, String until, long seconds, long timeoutSeconds) {
        public Plan {
            command = List.copyOf(command);
            monitor = List.copyOf(monitor);
            cwd = cwd.toAbsolutePath();
            if (command.isEmpty()) throw new IllegalArgumentException("no PANDA command line to record with");
            if (name == null || name.isBlank() || name.contains("/")) throw new IllegalArgumentException("the recording needs a name without '/': --name NAME");
            if (until == null && seconds <= 0) throw new IllegalArgumentException("say when the recording ends: --until TEXT (guest output) or --seconds N");
        }
    }

    /**
     * The finished run: the recording's files, PANDA's own output (stdout and stderr, also in
     * {@link #outputFile}), what the guest printed on its serial port, the run's whole time and the
     * time from the `cont` after begin_record to the guest's {@code until} (or the seconds), in ms.
     */
    public record Result(Path snapshot, Path nondetLog, Path outputFile, String output, String guestOutput, long millis, long recordingMillis) {}

    private final Plan plan;
    private final PrintStream out;
    private final Path monSock, serSock, outputFile;
    private Process process;
    private Reader monitor, serial;
    private volatile boolean finished;

    private RecordRun(Plan plan, PrintStream out) throws IOException {
        this.plan = plan;
        this.out = out;
        Path socks = Files.createTempDirectory("tandem-record-");
        this.monSock = socks.resolve("mon.sock");
        this.serSock = socks.resolve("ser.sock");
        this.outputFile = plan.cwd().resolve(plan.name() + "-record.out");
    }

    /**
     * Runs {@code plan} to the end: PANDA started (its output in cwd/NAME-record.out), `cont`
     * and the wait for {@code waitFor} then `stop`, the monitor commands, `begin_record NAME`
     * with the guest stopped (`cont` only once the nondet log exists: a guest left running while
     * the snapshot is written runs on past the state the snapshot holds), the guest input,
     * the wait for {@code until}, end_record, q. An interrupt of the JVM (Ctrl-C) quits PANDA
     * through its monitor; PANDA ends a recording still open as it quits (vl.c), so the recording
     * and its trace end there, whole. A PANDA killed or crashed leaves its files as they were.
     *
     * @throws PandaException saying what was waited for and what PANDA and the guest printed
     *         last: PANDA missing or not starting, exiting, or a wait timing out
     */
    public static Result run(Plan plan, PrintStream out) {
        RecordRun r;
        try {
            r = new RecordRun(plan, out);
        } catch (IOException e) {
            throw new PandaException("cannot make a folder for PANDA's monitor socket: " + e.getMessage());
        }
        Thread onInterrupt = new Thread(r::interrupted, "tandem-record-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            return r.drive();
        } finally {
            r.end();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private Result drive() {
        long t0 = System.nanoTime();
        List<String> cmd = new ArrayList<>(plan.command());
        cmd.addAll(List.of("-S", "-monitor", "unix:" + monSock + ",server,nowait", "-serial", "unix:" + serSock + ",server,nowait"));
        out.println("record: $ cd " + plan.cwd());
        out.println("record: $ " + String.join(" ", cmd));
        Path log = plan.cwd().resolve(plan.name() + "-rr-nondet.log"), snp = plan.cwd().resolve(plan.name() + "-rr-snp");
        if (Files.exists(log)) {
            throw new PandaException(log + " already exists: PANDA's begin_record would overwrite the recording " + plan.name()
                    + "; remove it (and " + snp.getFileName() + ") or give another --name");
        }
        try {
            Files.deleteIfExists(outputFile);
            process = new ProcessBuilder(cmd).directory(plan.cwd().toFile()).redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new PandaException("cannot start " + cmd.get(0) + ": " + e.getMessage() + " (give PANDA's binary by its path, e.g. build/mips-softmmu/panda-system-mips)");
        }
        // QEMU binds the socket files before it listens: connect until it accepts
        waitFor("PANDA's monitor and serial sockets", 60, () -> {
            if (serial == null) serial = Reader.connect(serSock);
            if (monitor == null) monitor = Reader.connect(monSock);
            return serial != null && monitor != null;
        });
        if (plan.waitFor() != null) {
            monitor("cont");
            waitFor("the guest to print '" + plan.waitFor() + "'", plan.timeoutSeconds(), () -> serial.text().contains(plan.waitFor()));
            monitor("stop");
        }
        // right before begin_record, the guest stopped: QEMU's `log` then logs the recorded run only
        for (String m : plan.monitor()) monitor(m);
        int serialMark = serial.text().length();
        monitor("begin_record " + plan.name());
        waitFor("begin_record to create " + log.getFileName(), 120, () -> Files.exists(log));
        if (plan.guestInput() != null) {
            out.println("record: guest$ " + plan.guestInput().strip());
            serial.write(plan.guestInput());
        }
        monitor("cont");
        long recordingFrom = System.nanoTime();
        if (plan.until() != null) {
            waitFor("the guest to print '" + plan.until() + "'", plan.timeoutSeconds(),
                    () -> serial.text().indexOf(plan.until(), serialMark) >= 0);
        } else {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(plan.seconds());
            waitFor("the end of " + plan.seconds() + " s of recording", plan.seconds() + 10, () -> System.nanoTime() >= end);
        }
        long recordingMillis = (System.nanoTime() - recordingFrom) / 1_000_000L;
        int monMark = monitor.text().length();
        monitor("end_record");
        waitFor("end_record to finish ('" + RECORDING_READY + "')", 120, () -> monitor.text().indexOf(RECORDING_READY, monMark) >= 0);
        monitor("q");
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) throw failure("PANDA did not quit within 120 s of the monitor's q");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted while PANDA quit");
        }
        finished = true;
        for (Path p : List.of(snp, log)) {
            if (!Files.exists(p)) throw failure("PANDA wrote no " + p + " (end_record ran)");
        }
        return new Result(snp, log, outputFile, output(), serial.text(), (System.nanoTime() - t0) / 1_000_000L, recordingMillis);
    }

    /**
     * What {@link #run} will do with {@code plan}, in order, as it prints it ({@code (qemu) CMD}
     * for a monitor command, {@code guest$ TEXT} for guest input, waits in words): for a dry run.
     */
    public static List<String> steps(Plan plan) {
        List<String> s = new ArrayList<>();
        if (plan.waitFor() != null) {
            s.add("(qemu) cont");
            s.add("(wait for the guest to print '" + plan.waitFor() + "')");
            s.add("(qemu) stop");
        }
        for (String m : plan.monitor()) s.add("(qemu) " + m);
        s.add("(qemu) begin_record " + plan.name());
        if (plan.guestInput() != null) s.add("guest$ " + plan.guestInput().strip());
        s.add("(qemu) cont");
        s.add(plan.until() != null ? "(wait for the guest to print '" + plan.until() + "')" : "(wait " + plan.seconds() + " s)");
        s.add("(qemu) end_record");
        s.add("(qemu) q");
        return s;
    }

    private void monitor(String command) {
        out.println("record: (qemu) " + command);
        try {
            monitor.write(command + "\n");
        } catch (PandaException e) {
            // the socket closed under the write: PANDA is most often on its way out (a kernel it
            // could not load), and its exit and last lines say why
            try {
                process.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            if (!process.isAlive()) throw failure("PANDA exited with " + process.exitValue() + " while tandem typed `" + command + "` at its monitor");
            throw failure(e.getMessage() + " while tandem typed `" + command + "` at its monitor");
        }
    }

    private void waitFor(String what, long seconds, BooleanSupplier done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            boolean ok;
            try {
                ok = done.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) return;
            if (!process.isAlive()) throw failure("PANDA exited with " + process.exitValue() + " while tandem waited for " + what);
            if (System.nanoTime() > end) throw failure("no sign of " + what + " within " + seconds + " s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("interrupted while tandem waited for " + what);
            }
        }
    }

    /** An error saying what happened, with the last lines PANDA and the guest printed. */
    private PandaException failure(String what) {
        StringBuilder s = new StringBuilder("record run: " + what + ".");
        String guest = serial == null ? "" : serial.text();
        s.append("\nthe guest's last lines (serial port):\n").append(indent(guest.isBlank() ? "(nothing)" : tail(guest, 10)));
        String own = output();
        s.append("\nPANDA's last lines (").append(outputFile).append("):\n").append(indent(own.isBlank() ? "(nothing)" : tail(own, 10)));
        if (monitor != null && !monitor.text().isBlank()) s.append("\nthe monitor's last lines:\n").append(indent(tail(typed(monitor.text()), 5)));
        return new PandaException(s.toString());
    }

    private String output() {
        try {
            return Files.exists(outputFile) ? Files.readString(outputFile, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The JVM is ending before the run did (Ctrl-C): PANDA quits through its monitor, else is killed. */
    private void interrupted() {
        if (finished || process == null || !process.isAlive()) return;
        // PANDA ends a recording still open when it quits (vl.c, after main_loop: rr_do_end_record),
        // and tandem's plugin then ends its trace as after end_record: a shorter recording, whole
        out.println("record: interrupted: quitting PANDA through its monitor; PANDA ends the recording " + plan.name()
                + " there, and tandem's trace with it");
        try {
            if (monitor != null) monitor.write("q\n");
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** Ends what this run started: PANDA (if a failure left it running), the sockets and their folder. */
    private void end() {
        if (serial != null) serial.close();
        if (monitor != null) monitor.close();
        if (process != null && process.isAlive()) {
            // a failure: PANDA quits as on q, so its plugins end their files; killed if it does not
            try {
                Reader m = Reader.connect(monSock);
                if (m != null) { m.write("q\n"); m.close(); }
            } catch (RuntimeException ignored) {
                // the monitor is gone: kill it below
            }
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(monSock);
            Files.deleteIfExists(serSock);
            Files.deleteIfExists(monSock.getParent());
        } catch (IOException ignored) {
            // a leftover empty folder under /tmp
        }
    }

    /**
     * Text as a terminal shows it: QEMU's monitor echoes each typed character with readline's
     * cursor moves (ESC [ D back one, ESC [ K erase to the end of the line), which are applied.
     */
    static String typed(String raw) {
        StringBuilder all = new StringBuilder(), line = new StringBuilder();
        int at = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\u001b' && i + 1 < raw.length() && raw.charAt(i + 1) == '[') {
                int j = i + 2;
                while (j < raw.length() && !Character.isLetter(raw.charAt(j))) j++;
                if (j == raw.length()) break;
                char op = raw.charAt(j);
                if (op == 'D') at = Math.max(0, at - 1);
                else if (op == 'C') at = Math.min(line.length(), at + 1);
                else if (op == 'K') line.setLength(at);
                i = j;
            } else if (c == '\n') {
                all.append(line).append('\n');
                line.setLength(0);
                at = 0;
            } else if (c == '\r') {
                at = 0;
            } else if (c == '\b') {
                at = Math.max(0, at - 1);
            } else {
                if (at < line.length()) line.setCharAt(at, c); else line.append(c);
                at++;
            }
        }
        return all.append(line).toString();
    }

    static String tail(String s, int lines) {
        String[] l = s.replace("\r", "").split("\n");
        return String.join("\n", Arrays.asList(l).subList(Math.max(0, l.length - lines), l.length));
    }

    private static String indent(String s) {
        return "  " + s.replace("\n", "\n  ");
    }

    /** A unix socket QEMU serves (monitor or serial port): what it sent so far, read by a thread. */
    static final class Reader {
        private final SocketChannel channel;
        private final StringBuffer text = new StringBuffer();

        private Reader(SocketChannel channel) {
            this.channel = channel;
            Thread t = new Thread(this::read, "tandem-record-socket");
            t.setDaemon(true);
            t.start();
        }

        /** Connected, or null while QEMU does not accept yet. */
        static Reader connect(Path path) {
            if (!Files.exists(path)) return null;
            try {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(UnixDomainSocketAddress.of(path));
                } catch (IOException e) {
                    c.close();
                    return null;
                }
                return new Reader(c);
            } catch (IOException e) {
                return null;
            }
        }

        private void read() {
            ByteBuffer b = ByteBuffer.allocate(65536);
            try {
                while (channel.read(b) >= 0) {
                    b.flip();
                    // ISO-8859-1: one char per byte, so a character split across two reads stays whole
                    text.append(StandardCharsets.ISO_8859_1.decode(b));
                    b.clear();
                }
            } catch (IOException ignored) {
                // closed
            }
        }

        String text() {
            return text.toString();
        }

        void write(String s) {
            try {
                ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) channel.write(b);
            } catch (IOException e) {
                throw new PandaException("PANDA's socket closed: " + e.getMessage());
            }
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
