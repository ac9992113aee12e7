package tandem.mi;

/**
 * A point in what gdb said: how many {@code *stopped} records came so far, and how many characters
 * of unanswered console and log text (written while no command awaited an answer) came so far.
 */
public record MiMark(long stops, long text) {
}
