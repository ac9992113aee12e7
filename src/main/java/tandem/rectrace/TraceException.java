// What is wrong with a record or replay trace, said so that the user knows what to do.
package tandem.rectrace;

public final class TraceException extends RuntimeException {
    public TraceException(String message) {
        super(message);
    }
}
