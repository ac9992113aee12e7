// What a search reports while it runs, for the console to render: the bracket, the probes done and
// left, elapsed time and an estimate; and notes worth telling the user (a fallback taken, a bound moved).
package tandem.bisect;

import java.time.Duration;

public interface BisectListener {

    /** A snapshot of the search after a step; hi -1 while the search runs on to where a side ends. */
    record Progress(String phase, long lo, long hi, int probesDone, int probesLeft,
                    Duration elapsed, Duration estimateLeft, int stops) {
        // rendered by the console (BisectHook.line), which shows an estimate only once it is known
    }

    BisectListener NONE = new BisectListener() {
    };

    default void progress(Progress p) {
    }

    default void note(String message) {
    }
}
