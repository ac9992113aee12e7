package tandem.mi;

/** No answer in time; the message names what was awaited (a command, or a *stopped after one). */
public class MiTimeoutException extends MiException {
    public MiTimeoutException(String message) {
        super(message);
    }
}
