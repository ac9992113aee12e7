package tandem.mi;

/**
 * gdb exited (or was killed, or was closed) while a caller waited for it. The message says how it
 * ended, what was awaited, and quotes the last lines gdb printed on stdout and stderr.
 */
public class GdbDiedException extends MiException {
    private final int exitCode;
    private final java.util.List<String> output;

    public GdbDiedException(String message, int exitCode) {
        this(message, exitCode, java.util.List.of());
    }

    public GdbDiedException(String message, int exitCode, java.util.List<String> output) {
        super(message);
        this.exitCode = exitCode;
        this.output = java.util.List.copyOf(output);
    }

    /**
     * The last lines the process printed on stdout and stderr, oldest first: what a program that
     * starts gdb (rr replay) said when it ended before gdb answered.
     */
    public java.util.List<String> output() {
        return output;
    }

    /** The exit code as Java reports it (128 + signal number when killed by a signal), -1 if unknown. */
    public int exitCode() {
        return exitCode;
    }
}
