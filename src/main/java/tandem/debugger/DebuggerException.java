// A debugger operation failed: carries what was tried and, verbatim, what gdb or rr answered.
package tandem.debugger;

public class DebuggerException extends RuntimeException {
    private final String gdbMessage;

    public DebuggerException(String message) {
        this(message, null, null);
    }

    public DebuggerException(String message, String gdbMessage, Throwable cause) {
        super(gdbMessage == null ? message : message + ": " + gdbMessage, cause);
        this.gdbMessage = gdbMessage;
    }

    /** gdb's own words, when gdb answered with an error; null otherwise. */
    public String gdbMessage() {
        return gdbMessage;
    }
}
