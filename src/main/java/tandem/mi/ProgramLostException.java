package tandem.mi;

/**
 * gdb lost the program it was running and will report no {@code *stopped} for it: gdb 13.1 on a
 * native program killed with SIGKILL while it runs (a conditional breakpoint being tested)
 * says {@code Cannot find user-level thread for LWP N: generic error} instead, in about a third
 * of tries here, or (rarely) {@code Couldn't get registers: No such process.} and the like. gdb
 * itself goes on: the program can be run again.
 */
public class ProgramLostException extends MiException {
    private final String gdbWords;

    public ProgramLostException(String message, String gdbWords) {
        super(message);
        this.gdbWords = gdbWords;
    }

    /** What gdb said, e.g. {@code Cannot find user-level thread for LWP 21260: generic error}. */
    public String gdbWords() {
        return gdbWords;
    }
}
