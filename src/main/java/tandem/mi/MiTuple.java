package tandem.mi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code tuple → "{}" | "{" result ( "," result )* "}"}. Ordered; keeps repeated names,
 * because gdb emits them (bug 22217: {@code thread-ids={thread-id="1",thread-id="2"}}).
 */
public record MiTuple(List<MiField> fields) implements MiValue, MiFields {
    public static final MiTuple EMPTY = new MiTuple(List.of());

    public MiTuple {
        fields = List.copyOf(fields);
    }

    public int size() {
        return fields.size();
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    @Override
    public String toString() {
        return fields.stream().map(MiField::toString).collect(Collectors.joining(",", "{", "}"));
    }
}
