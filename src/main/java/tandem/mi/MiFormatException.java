package tandem.mi;

/** An MI record does not have the shape the caller asked for (missing field, wrong kind of value). */
public class MiFormatException extends MiException {
    public MiFormatException(String message) {
        super(message);
    }
}
