package tandem.mi;

/**
 * A line on gdb's stdout that is not MI: the debugged program (or rr) printed it, since it
 * shares gdb's terminal. A malformed MI-looking line also ends up here rather than failing.
 */
public record ProgramOutput(String line) implements MiRecord {
    @Override
    public String toString() {
        return line;
    }
}
