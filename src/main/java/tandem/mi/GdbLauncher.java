package tandem.mi;

import org.apache.commons.exec.environment.EnvironmentUtils;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to start gdb for an {@link MiChannel}: which gdb, its arguments, working directory and
 * environment, listeners and transcripts to attach before the first line is read.
 *
 * <pre>
 * MiChannel gdb = new GdbLauncher().args("/tmp/prog").workingDir(dir).env("LANG", "C").start();
 * </pre>
 * runs {@code gdb --interpreter=mi3 --nx -q /tmp/prog}.
 */
public final class GdbLauncher {

    /** Arguments put before the caller's: MI version 3, no init files, no banner. */
    public static final List<String> MI_ARGS = List.of("--interpreter=mi3", "--nx", "-q");

    private String gdb = System.getProperty("tandem.gdb", "gdb");
    private List<String> miArgs = MI_ARGS;
    private final List<String> args = new ArrayList<>();
    private File workingDir;
    private final Map<String, String> env = new HashMap<>();
    private Duration timeout = Duration.ofSeconds(30);
    private Duration startTimeout = Duration.ofSeconds(20);
    private final List<MiListener> listeners = new ArrayList<>();
    private final List<MiTranscript> transcripts = new ArrayList<>();
    private java.nio.file.Path programOutputPipe;

    /** The gdb executable (default: system property {@code tandem.gdb}, else {@code gdb} on the PATH). */
    public GdbLauncher gdb(String path) {
        this.gdb = path;
        return this;
    }

    /**
     * Replaces {@link #MI_ARGS}, e.g. to start {@code rr replay -i=mi TRACE} through {@link #gdb(String)}
     * set to {@code rr}; the program started must speak MI on its stdin/stdout.
     */
    public GdbLauncher miArgs(List<String> miArgs) {
        this.miArgs = List.copyOf(miArgs);
        return this;
    }

    /** Arguments after the MI ones, e.g. the program to debug, {@code --args prog a b}, {@code -p PID}. */
    public GdbLauncher args(String... args) {
        this.args.addAll(List.of(args));
        return this;
    }

    public GdbLauncher args(List<String> args) {
        this.args.addAll(args);
        return this;
    }

    /** gdb's working directory (default: this JVM's); the debugged program inherits it. */
    public GdbLauncher workingDir(File dir) {
        this.workingDir = dir;
        return this;
    }

    /** Sets an environment variable on top of this JVM's environment; the debugged program inherits it. */
    public GdbLauncher env(String name, String value) {
        this.env.put(name, value);
        return this;
    }

    public GdbLauncher env(Map<String, String> vars) {
        this.env.putAll(vars);
        return this;
    }

    /** Timeout for {@link MiChannel#send(MiCommand)} without an explicit one (default 30 s). */
    public GdbLauncher timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** How long gdb may take to start and accept the initial settings (default 20 s). */
    public GdbLauncher startTimeout(Duration startTimeout) {
        this.startTimeout = startTimeout;
        return this;
    }

    /** A listener attached before gdb prints anything, so it sees every async record. */
    public GdbLauncher listener(MiListener listener) {
        this.listeners.add(listener);
        return this;
    }

    /** A transcript attached before gdb prints anything. */
    public GdbLauncher transcript(MiTranscript transcript) {
        this.transcripts.add(transcript);
        return this;
    }

    /**
     * Makes a named pipe at {@code fifo} before gdb starts and reads it as the debugged program's
     * output ({@link MiChannel#programOutput()}); give the same path to gdb
     * ({@code -inferior-tty-set}) or rr ({@code replay --tty}) so the program writes there instead
     * of on gdb's stdout. The channel removes the pipe when it closes.
     */
    public GdbLauncher programOutputPipe(java.nio.file.Path fifo) {
        this.programOutputPipe = fifo;
        return this;
    }

    /** The command line that {@link #start()} runs. */
    public List<String> commandLine() {
        List<String> cmd = new ArrayList<>();
        cmd.add(gdb);
        cmd.addAll(miArgs);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Starts gdb and sends the settings the channel relies on ({@link MiChannel#SETTINGS}).
     *
     * @throws IOException if gdb cannot be started
     * @throws GdbDiedException if gdb exits right away (bad arguments), with its output
     */
    public MiChannel start() throws IOException {
        Map<String, String> environment = EnvironmentUtils.getProcEnvironment();
        environment.putAll(env);
        return MiChannel.start(commandLine(), workingDir, environment, timeout, startTimeout, listeners, transcripts,
                programOutputPipe);
    }
}
