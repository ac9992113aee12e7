package tandem.mi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A value in GDB/MI output: {@code value → const | tuple | list}, and the
 * {@code result → variable "=" value} fields a tuple or list holds (GDB manual, "GDB/MI Output
 * Syntax"). The three kinds of value, the field and the typed access by path they share are one
 * closed grammar in this one file: a value reads as any kind ({@link #asTuple()}), and a tuple's
 * fields read as values again ({@link MiFields#tuple(String)}), so each names the others. Users
 * import the nested names ({@code import tandem.mi.MiValue.MiTuple}) and read as before.
 */
public sealed interface MiValue {

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

    /** {@code const → c-string}: the decoded text of an MI string constant. */
    record MiConst(String value) implements MiValue {
        public MiConst {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return MiCommand.quote(value, true);
        }
    }

    /**
     * One {@code result → variable "=" value} of MI output. The manual calls this a "result";
     * it is a field here so it is not confused with a result record. In a list of values
     * (for example {@code ["i1"]}) the name is null.
     */
    record MiField(String name, MiValue value) {
        public MiField {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return name == null ? value.toString() : name + "=" + value;
        }
    }

    /**
     * Typed access to the named fields of a tuple, a list of results or a record.
     * A path is a dot-separated sequence of field names and list indexes:
     * {@code "frame.func"}, {@code "stack.0.line"}, {@code "bkpt.locations.1.addr"}.
     * MI names never contain a dot, so every accessor accepts a path.
     */
    interface MiFields {

        /** The fields in gdb's order, repeated names included. */
        List<MiField> fields();

        /** The first value named {@code name} (not a path), or null. */
        default MiValue get(String name) {
            for (MiField f : fields()) {
                if (name.equals(f.name())) return f.value();
            }
            return null;
        }

        /** Every value named {@code name}, in order: a tuple may repeat a name (gdb bug 22217). */
        default List<MiValue> getAll(String name) {
            List<MiValue> all = new ArrayList<>(2);
            for (MiField f : fields()) {
                if (name.equals(f.name())) all.add(f.value());
            }
            return all;
        }

        /** The value at {@code path}, or null when any step is missing. */
        default MiValue value(String path) {
            Object at = this;
            int start = 0;
            int len = path.length();
            while (start <= len) {
                int dot = path.indexOf('.', start);
                if (dot < 0) dot = len;
                String step = path.substring(start, dot);
                MiValue next;
                if (at instanceof MiList list && !step.isEmpty() && Character.isDigit(step.charAt(0))) {
                    int i = Integer.parseInt(step);
                    next = i < list.size() ? list.values().get(i) : null;
                } else if (at instanceof MiFields fields) {
                    next = fields.get(step);
                } else {
                    next = null;
                }
                if (next == null) return null;
                at = next;
                start = dot + 1;
            }
            return (MiValue) at;
        }

        default boolean has(String path) {
            return value(path) != null;
        }

        /** The string at {@code path}; throws {@link MiFormatException} naming the path when missing. */
        default String string(String path) {
            return require(path).asString();
        }

        /** The string at {@code path}, or {@code fallback} when missing. */
        default String string(String path, String fallback) {
            MiValue v = value(path);
            return v == null ? fallback : v.asString();
        }

        /** The number at {@code path} as its 64 bits ({@link GdbNumber}: an address at or above 2^63 too). */
        default long number(String path) {
            String s = string(path);
            try {
                return GdbNumber.parse(s);
            } catch (NumberFormatException e) {
                throw new MiFormatException("expected a number at '" + path + "' but found \"" + s + "\"");
            }
        }

        default MiTuple tuple(String path) {
            return require(path).asTuple();
        }

        default MiList list(String path) {
            return require(path).asList();
        }

        private MiValue require(String path) {
            MiValue v = value(path);
            if (v == null) throw new MiFormatException("no '" + path + "' in " + this);
            return v;
        }
    }

    /**
     * {@code tuple → "{}" | "{" result ( "," result )* "}"}. Ordered; keeps repeated names,
     * because gdb emits them (bug 22217: {@code thread-ids={thread-id="1",thread-id="2"}}).
     */
    record MiTuple(List<MiField> fields) implements MiValue, MiFields {
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

    /**
     * {@code list → "[]" | "[" value ( "," value )* "]" | "[" result ( "," result )* "]"}.
     * A list of values has unnamed items ({@code ["i1"]}); a list of results has named ones
     * ({@code stack=[frame={...},frame={...}]}). Both are read through {@link #values()};
     * named lookups work on a list of results.
     */
    record MiList(List<MiField> items) implements MiValue, MiFields {
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
}
