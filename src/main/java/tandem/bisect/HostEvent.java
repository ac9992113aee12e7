// One thing the host code of a TB did, as hoststep.py records it: an instruction stepped, a call,
// a return with the function's value and the guest state it left, or the end of a region. Two
// sides did the same thing when their events are the same, a value left out ('*': it points into
// the heap or another anonymous mapping, laid out differently by threads) matching any value.
package tandem.bisect;

/**
 * @param kind  'i' an instruction, 'c' a call, 'r' a return, 'x' a region's end
 * @param at    the instruction's address ('i'), the callee's entry ('c'); 0 otherwise
 * @param name  the callee ('c'), the returning function ('r'), why the region ended ('x')
 * @param value 'r': the function's value by its return type (hex; '-' void; '*' left out);
 *              'c': the call's ordinal among the region's calls run whole ('-': stepped into);
 *              'x': the guest instruction count at the next TB (-1 elsewhere)
 * @param state 'r': crc32 of the guest state (register array, PC, TLB) after the return
 */
record HostEvent(char kind, long at, String name, String value, String state) {

    static HostEvent parse(String line) {
        String[] f = line.split(" ");
        return switch (f[0]) {
            case "i" -> new HostEvent('i', Long.parseUnsignedLong(f[1], 16), "", "", "");
            case "c" -> new HostEvent('c', Long.parseUnsignedLong(f[1], 16), f[2], f[3], "");
            case "r" -> new HostEvent('r', 0, f[1], f[2], f[3]);
            case "x" -> new HostEvent('x', 0, f[1], f[2], "");
            default -> throw new IllegalArgumentException("not a hoststep.py event: " + line);
        };
    }

    /** The same event on the other side (values left out match any). */
    boolean sameAs(HostEvent o) {
        if (kind != o.kind || at != o.at || !name.equals(o.name)) return false;
        if (kind == 'r') return sameValue(o) && state.equals(o.state);
        return value.equals(o.value);
    }

    boolean sameValue(HostEvent o) {
        return value.equals(o.value) || value.equals("*") || o.value.equals("*");
    }

    /** Same kind and place, whatever the values: the two sides still run the same code. */
    boolean aligned(HostEvent o) {
        return kind == o.kind && at == o.at && name.equals(o.name);
    }

    /** The call's ordinal among its region's calls run whole, or -1. */
    int ordinal() {
        return kind == 'c' && !value.equals("-") ? Integer.parseInt(value) : -1;
    }

    /** The guest instruction count at the next TB ('x tb'), else -1. */
    long count() {
        return kind == 'x' ? Long.parseLong(value) : -1;
    }

    /** The value as the report shows it: 0x-hex for a number, in words otherwise. */
    String shownValue() {
        if (value.equals("-")) return "nothing (void)";
        if (value.equals("*")) return "a heap address";
        if (value.startsWith("f")) return "0x" + value.substring(1) + " (floating point bits)";
        if (value.startsWith("s")) return "{0x" + value.substring(1).replace(".", ", 0x") + "}";
        if (value.startsWith("m")) return "a struct with crc32 0x" + value.substring(1);
        return "0x" + value;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case 'i' -> "instruction at 0x" + Long.toHexString(at);
            case 'c' -> "call of " + name + " (0x" + Long.toHexString(at) + ")";
            case 'r' -> "return from " + name + " with " + shownValue();
            default -> name.equals("tb") ? "the next TB at guest instruction " + value
                    : name.equals("limit") ? "the step limit" : name.replace('-', ' ');
        };
    }
}
