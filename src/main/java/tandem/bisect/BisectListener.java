// What a search reports while it runs, for the console to render: the bracket, the probes done and
// left, elapsed time and an estimate; and notes worth telling the user (a fallback taken, a bound moved).
package tandem.bisect;

import java.time.Duration;

public interface BisectListener {

    /** A snapshot of the search after a step; hi -1 while the search runs on to where a side ends. */
    record Progress(String phase, long lo, long hi, int probesDone, int probesLeft,
                    Duration elapsed, Duration estimateLeft, int stops) {
        @Override
        public String toString() {
            return String.format("%-8s [%d, %d]  probes %d done, ~%d left  %.1f s elapsed, ~%.1f s left  %d stops",
                    phase, lo, hi, probesDone, probesLeft, elapsed.toMillis() / 1000.0,
                    estimateLeft.toMillis() / 1000.0, stops);
        }
    }

    BisectListener NONE = new BisectListener() {
    };

    default void progress(Progress p) {
    }

    default void note(String message) {
    }
}
