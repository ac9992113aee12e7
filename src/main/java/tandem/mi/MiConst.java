package tandem.mi;

import java.util.Objects;

/** {@code const → c-string}: the decoded text of an MI string constant. */
public record MiConst(String value) implements MiValue {
    public MiConst {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return MiCommand.quote(value, true);
    }
}
