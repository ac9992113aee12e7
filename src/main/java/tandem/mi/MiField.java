package tandem.mi;

import java.util.Objects;

/**
 * One {@code result → variable "=" value} of MI output. The manual calls this a "result";
 * it is a field here so it is not confused with a result record. In a list of values
 * (for example {@code ["i1"]}) the name is null.
 */
public record MiField(String name, MiValue value) {
    public MiField {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return name == null ? value.toString() : name + "=" + value;
    }
}
