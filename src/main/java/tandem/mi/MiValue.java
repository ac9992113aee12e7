package tandem.mi;

/**
 * A value in GDB/MI output: {@code value → const | tuple | list}
 * (GDB manual, "GDB/MI Output Syntax").
 */
public sealed interface MiValue permits MiConst, MiTuple, MiList {

    /** The text of a const; throws for a tuple or list. */
    default String asString() {
        if (this instanceof MiConst c) return c.value();
        throw new MiFormatException("expected a string but found " + this);
    }

    default MiTuple asTuple() {
        if (this instanceof MiTuple t) return t;
        throw new MiFormatException("expected a tuple {...} but found " + this);
    }

    default MiList asList() {
        if (this instanceof MiList l) return l;
        throw new MiFormatException("expected a list [...] but found " + this);
    }
}
