// The one place that reads gdb's text of an integer (an address, a register, a count) as the
// 64-bit value it stands for.
package tandem.mi;

/**
 * gdb prints an address as unsigned hex ({@code 0xffffffffff600400}, the legacy vsyscall page) and
 * a value as signed or unsigned decimal; every one of them fits 64 bits, but addresses at or above
 * 2^63 do not fit a signed {@code long} as text ({@code Long.decode} refuses them). Java has no
 * unsigned long: the value is kept as its 64 bits, read back with {@code Long.toUnsignedString}
 * or {@code Long.toHexString} and compared with {@code Long.compareUnsigned}.
 */
public final class GdbNumber {

    private GdbNumber() {
    }

    /**
     * {@code text} (surrounding blanks ignored) as 64 bits: {@code 0x} or {@code 0X} and up to 16 hex
     * digits, unsigned decimal up to 2^64-1, or negative decimal down to -2^63 (two's complement).
     *
     * @throws NumberFormatException naming the text, when it is none of these
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.strip();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
            return t.startsWith("-") ? Long.parseLong(t) : Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            throw new NumberFormatException("not a 64-bit number as gdb prints one: \"" + text + "\"");
        }
    }
}
