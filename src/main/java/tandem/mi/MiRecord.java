package tandem.mi;

/**
 * One line of gdb's MI output, as {@link MiParser} reads it: a result record, an async
 * record, a stream record, the {@code (gdb)} prompt, or a line that is not MI at all.
 * The parser is the one place that makes each kind; the interface names none of them, so
 * that the kinds depend on it and not the other way round.
 */
public interface MiRecord {
}
