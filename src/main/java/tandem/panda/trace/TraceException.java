// What is wrong with a record or replay trace, said so that the user knows what to do.
package tandem.panda.trace;

public final class TraceException extends RuntimeException {
    public TraceException(String message) {
        super(message);
    }
}
