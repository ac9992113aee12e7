package tandem.mi;

/**
 * What a command did after a stop, once gdb finished it (and every command sent before the question).
 *
 * @param stops      the {@code *stopped} records after the mark
 * @param lastStop   the last of them, or the mark's own stop when there were none
 * @param text       console and log text gdb wrote after the mark, in order
 * @param afterLast  the part of {@code text} written after the last stop
 */
public record Settled(long stops, AsyncRecord lastStop, String text, String afterLast) {
}
