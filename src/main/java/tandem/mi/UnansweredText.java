package tandem.mi;

/**
 * The console and log text gdb wrote while no command awaited an answer (after a {@code ^running},
 * with a move's stops), and where each {@code *stopped} came in it: what a move said, and what a
 * command that resumed more than once did after its first stop (the channel's settle). Keeps
 * the last {@value #LIMIT} characters.
 */
final class UnansweredText {

    static final int LIMIT = 64 * 1024;

    /** The channel's lock: text goes here only when no command waits for it, checked in the same hold. */
    private final Object lock;
    private final StringBuilder text = new StringBuilder();
    /** How many characters were dropped from the front. */
    private long from;
    /** The last *stopped, and where it came (its mark counts the stops so far). */
    private AsyncRecord lastStop;
    private MiMark lastStopMark = new MiMark(0, 0);

    UnansweredText(Object lock) {
        this.lock = lock;
    }

    void append(String s) {
        synchronized (lock) {
            text.append(s);
            if (text.length() > LIMIT) {
                int cut = text.length() - LIMIT / 2;
                text.delete(0, cut);
                from += cut;
            }
        }
    }

    /** A {@code *stopped} came now: its mark. */
    MiMark stopped(AsyncRecord stop) {
        synchronized (lock) {
            lastStop = stop;
            lastStopMark = new MiMark(lastStopMark.stops() + 1, from + text.length());
            return lastStopMark;
        }
    }

    /** Where gdb's output stands now. */
    MiMark mark() {
        synchronized (lock) {
            return new MiMark(lastStopMark.stops(), from + text.length());
        }
    }

    /** The text after {@code since}, up to now. */
    String since(MiMark since) {
        synchronized (lock) {
            return since(since.text());
        }
    }

    /**
     * What came after {@code since} (a first stop's mark), once gdb answered a later command with
     * {@code answered} (its own console and log text).
     */
    Settled settled(MiMark since, String answered) {
        synchronized (lock) {
            long stops = lastStopMark.stops() - since.stops();
            String all = since(since.text()) + answered;
            String afterLast = stops == 0 ? all : since(lastStopMark.text()) + answered;
            return new Settled(stops, lastStop, all, afterLast);
        }
    }

    /** The text from absolute position {@code at}; what was dropped before it is gone. */
    private String since(long at) {
        int i = (int) Math.max(0, at - from);
        return i >= text.length() ? "" : text.substring(i);
    }
}
