package tandem.mi;

/**
 * gdb lost its target while a caller waited for it: the remote server (gdbserver, {@code rr replay
 * -s}, or the rr behind {@code rr replay}'s own gdb) went away, and gdb said so on its log stream
 * ({@code &"Remote connection closed\n"}, or {@code &"Remote communication error.  Target
 * disconnected: ..."}: gdb 13.1 remote.c) instead of a {@code *stopped}. gdb itself lives on,
 * without a target: its next {@code -exec-continue} answers "The program is not being run.", and
 * a {@code run} would start the program under gdb itself. {@link #gdbWords()} is gdb's line.
 */
public class TargetLostException extends MiException {
    private final String gdbWords;

    public TargetLostException(String message, String gdbWords) {
        super(message);
        this.gdbWords = gdbWords;
    }

    /** What gdb said when it lost the target, e.g. {@code Remote connection closed}. */
    public String gdbWords() {
        return gdbWords;
    }
}
