package tandem.mi;

/**
 * gdb exited (or was killed, or was closed) while a caller waited for it. The message says how it
 * ended, what was awaited, and quotes the last lines gdb printed on stdout and stderr.
 */
public class GdbDiedException extends MiException {
    private final int exitCode;

    public GdbDiedException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** The exit code as Java reports it (128 + signal number when killed by a signal), -1 if unknown. */
    public int exitCode() {
        return exitCode;
    }
}
