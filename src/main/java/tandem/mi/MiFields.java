package tandem.mi;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed access to the named fields of a tuple, a list of results or a record.
 * A path is a dot-separated sequence of field names and list indexes:
 * {@code "frame.func"}, {@code "stack.0.line"}, {@code "bkpt.locations.1.addr"}.
 * MI names never contain a dot, so every accessor accepts a path.
 */
public interface MiFields {

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
