package tandem.mi;

/**
 * Sees every raw line to and from gdb, for logging. Called on the thread that sent or read the
 * line, so it must be quick and must not call back into the channel.
 */
@FunctionalInterface
public interface MiTranscript {

    enum Direction { TO_GDB, FROM_GDB, GDB_STDERR }

    void line(Direction direction, String line);
}
