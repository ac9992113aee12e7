package tandem.mi;

/**
 * {@code stream-record → console-stream-output | target-stream-output | log-stream-output}
 * (GDB manual, "GDB/MI Stream Records"): {@code ~"text"}, {@code @"text"}, {@code &"text"}.
 * The text is decoded (escapes resolved) and keeps its newlines.
 */
public record StreamRecord(Kind kind, String text) implements MiRecord {

    public enum Kind {
        /** {@code ~}: what the CLI would have printed. */
        CONSOLE('~'),
        /** {@code @}: output of the target (the debugged program, via a remote target). */
        TARGET('@'),
        /** {@code &}: gdb's own messages, including echoed CLI errors. */
        LOG('&');

        public final char prefix;

        Kind(char prefix) {
            this.prefix = prefix;
        }
    }

    @Override
    public String toString() {
        return kind.prefix + MiCommand.quote(text, true);
    }
}
