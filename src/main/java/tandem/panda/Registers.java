// A guest CPU's registers by conventional name, in the arch's order: the PC, the general
// registers, then the extra ones the arch profile names.
package tandem.panda;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

public record Registers(Arch arch, Map<String, Long> values) {

    public Registers {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public long get(String name) {
        Long v = values.get(name);
        if (v == null) throw new PandaException("no register '" + name + "' on " + arch.qemuName()
                + " (known: " + String.join(", ", values.keySet()) + ")");
        return v;
    }

    /** Registers whose values differ, name -> {this value, other value}. */
    public Map<String, long[]> diff(Registers other) {
        Map<String, long[]> d = new LinkedHashMap<>();
        values.forEach((name, v) -> {
            Long o = other.values.get(name);
            if (o == null || o.longValue() != v) d.put(name, new long[]{v, o == null ? 0 : o});
        });
        return d;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            s.append(String.format("%-7s 0x%0" + arch.pointerBits() / 4 + "x", e.getKey(), e.getValue()));
            s.append(++i % 4 == 0 ? "\n" : "  ");
        }
        return s.toString().stripTrailing();
    }
}
