package tandem.mi;

import java.time.Duration;

/** A wait for the next {@code *stopped}, armed before the command that resumes the program. */
public interface PendingStop {
    /** Waits for the stop; the timeout message names what was awaited. */
    AsyncRecord await(Duration timeout);

    /** Disarms the wait. */
    void cancel();

    /** Where in what gdb said the awaited stop came; null before it came. */
    MiMark mark();
}
