// One frame of a backtrace, as gdb reports it.
package tandem.debugger;

public record Frame(int level, String function, long address, String file, int line) {
    @Override
    public String toString() {
        String where = file == null ? "" : " at " + file + ":" + line;
        return "#" + level + " 0x" + Long.toHexString(address) + " in " + (function == null ? "??" : function) + where;
    }

    private static final java.util.regex.Pattern PRINTED =
            java.util.regex.Pattern.compile("(#\\d+) 0x[0-9a-f]+ in (.+?)(?: at (?:.*/)?([^/]+:\\d+))?");

    /**
     * A frame as {@link #toString} prints it, made short enough for a column: no address, the
     * file without its directory ({@code #0 r4k_fill_tlb at op_helper.c:2020}). Other text as it is.
     */
    public static String brief(String printed) {
        java.util.regex.Matcher m = PRINTED.matcher(printed);
        if (!m.matches()) return printed;
        return m.group(1) + " " + m.group(2) + (m.group(3) == null ? "" : " at " + m.group(3));
    }
}
