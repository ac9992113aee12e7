package tandem.mi;

/** Base of every failure reported by the mi layer. */
public class MiException extends RuntimeException {
    public MiException(String message) {
        super(message);
    }

    public MiException(String message, Throwable cause) {
        super(message, cause);
    }
}
