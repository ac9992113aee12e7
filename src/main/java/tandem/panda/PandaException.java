// A PANDA-level problem a user can act on: a build without the symbols tandem needs, an unknown
// arch, a position the recording never reaches.
package tandem.panda;

public class PandaException extends RuntimeException {
    public PandaException(String message) {
        super(message);
    }

    public PandaException(String message, Throwable cause) {
        super(message, cause);
    }
}
