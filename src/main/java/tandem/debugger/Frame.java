// One frame of a backtrace, as gdb reports it.
package tandem.debugger;

public record Frame(int level, String function, long address, String file, int line) {
    @Override
    public String toString() {
        String where = file == null ? "" : " at " + file + ":" + line;
        return "#" + level + " 0x" + Long.toHexString(address) + " in " + (function == null ? "??" : function) + where;
    }
}
