package tandem.mi;

/**
 * One line of gdb's MI output, as {@link MiParser} reads it: a result record, an async
 * record, a stream record, the {@code (gdb)} prompt, or a line that is not MI at all.
 */
public sealed interface MiRecord permits ResultRecord, AsyncRecord, StreamRecord, Prompt, ProgramOutput {
}
