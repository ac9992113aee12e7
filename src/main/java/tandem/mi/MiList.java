package tandem.mi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code list → "[]" | "[" value ( "," value )* "]" | "[" result ( "," result )* "]"}.
 * A list of values has unnamed items ({@code ["i1"]}); a list of results has named ones
 * ({@code stack=[frame={...},frame={...}]}). Both are read through {@link #values()};
 * named lookups work on a list of results.
 */
public record MiList(List<MiField> items) implements MiValue, MiFields {
    public static final MiList EMPTY = new MiList(List.of());

    public MiList {
        items = List.copyOf(items);
    }

    /** True when the items are {@code name=value} results rather than bare values. */
    public boolean isResultList() {
        return !items.isEmpty() && items.get(0).name() != null;
    }

    @Override
    public List<MiField> fields() {
        return items;
    }

    /** The item values in order, dropping names. */
    public List<MiValue> values() {
        List<MiValue> values = new ArrayList<>(items.size());
        for (MiField f : items) values.add(f.value());
        return Collections.unmodifiableList(values);
    }

    /** The items as tuples, e.g. the frames of {@code stack=[frame={...},...]}. */
    public List<MiTuple> tuples() {
        List<MiTuple> tuples = new ArrayList<>(items.size());
        for (MiField f : items) tuples.add(f.value().asTuple());
        return Collections.unmodifiableList(tuples);
    }

    /** The items as strings, e.g. {@code register-names=["rax","rbx",...]}. */
    public List<String> strings() {
        List<String> strings = new ArrayList<>(items.size());
        for (MiField f : items) strings.add(f.value().asString());
        return Collections.unmodifiableList(strings);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public String toString() {
        return items.stream().map(MiField::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
