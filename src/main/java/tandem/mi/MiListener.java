package tandem.mi;

/**
 * Receives what gdb says on its own, in the order gdb said it, on the channel's single
 * dispatcher thread (never the thread reading gdb). Implement only what you need.
 */
public interface MiListener {

    /** {@code *stopped}, {@code *running}, {@code =breakpoint-created}, {@code =thread-created}, ... */
    default void onAsync(AsyncRecord record) {
    }

    /** Every console, target and log stream record, including those credited to a command. */
    default void onStream(StreamRecord record) {
    }

    /**
     * Output of the debugged program: a non-MI line on gdb's stdout ({@code targetStream} false,
     * one line without its newline), or {@code @} target stream text ({@code targetStream} true,
     * as gdb sent it, newlines included).
     */
    default void onProgramOutput(String text, boolean targetStream) {
    }

    /** gdb is gone (exited, killed or closed); the exception says how, with gdb's last output. */
    default void onGdbExit(GdbDiedException how) {
    }
}
