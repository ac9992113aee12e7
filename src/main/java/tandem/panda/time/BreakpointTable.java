// gdb's breakpoint table as a timeline reads it (`info breakpoints`: which are enabled, how often
// each was hit, where one is) and the hardware watchpoint it sets for `origin`.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.mi.GdbNumber;
import tandem.panda.PandaException;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class BreakpointTable {
    private BreakpointTable() {
    }

    /** One line of `info breakpoints`: "3       breakpoint     keep y   0x000055555555a1b9 in f at f.c:12". */
    private static final Pattern ROW = Pattern.compile("(?m)^(\\d+)\\s+(?:hw |read |acc )?(breakpoint|watchpoint|dprintf)\\s+\\S+\\s+([yn])\\b");
    private static final Pattern ADDRESS = Pattern.compile("(?m)^\\d+\\s+breakpoint\\s+\\S+\\s+[yn]\\s+(0x[0-9a-f]+)");
    private static final Pattern HITS = Pattern.compile("already hit (\\d+) time");

    /** The breakpoints and watchpoints enabled now: the user's (tandem keeps its own disabled between moves). */
    static Set<Integer> enabled(Debugger gdb) {
        Set<Integer> on = new LinkedHashSet<>();
        Matcher m = ROW.matcher(gdb.console("info breakpoints"));
        while (m.find()) if (m.group(3).equals("y") && !m.group(2).equals("dprintf")) on.add(Integer.parseInt(m.group(1)));
        return on;
    }

    /** How often each breakpoint was hit, as `info breakpoints` says ("already hit N time"). */
    static Map<Integer, Long> hitCounts(Debugger gdb) {
        Map<Integer, Long> hits = new HashMap<>();
        Integer current = null;
        for (String line : gdb.console("info breakpoints").split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                current = Integer.parseInt(row.group(1));
                continue;
            }
            Matcher h = HITS.matcher(line);
            if (current != null && h.find()) hits.put(current, Long.parseLong(h.group(1)));
        }
        return hits;
    }

    /** The host address of a breakpoint (-1 when gdb lists none). */
    static long address(Debugger gdb, int breakpoint) {
        Matcher m = ADDRESS.matcher(gdb.console("info breakpoints " + breakpoint));
        return m.find() ? GdbNumber.parse(m.group(1)) : -1;
    }

    /** A hardware watchpoint on the location expr names now (`watch -l`): its number. */
    static int watchLocation(Debugger gdb, String sideName, String expr) {
        String out;
        try {
            out = gdb.console("watch -l " + expr);
        } catch (DebuggerException e) {
            throw new PandaException(sideName + ": can't watch `" + expr + "`: " + (e.gdbMessage() == null ? e.getMessage() : e.gdbMessage())
                    + " (origin takes an lvalue: a variable, a field, *(type *) address, or a guest-state name such as 'EntryHi', 'gpr[5]', 'tlb[3].VPN2')", e);
        }
        Matcher m = Pattern.compile("[Ww]atchpoint (\\d+)").matcher(out);
        if (!m.find()) throw new PandaException(sideName + ": gdb set no watchpoint for `" + expr + "`: " + out.trim());
        if (!out.contains("Hardware")) {
            int n = Integer.parseInt(m.group(1));
            gdb.delete(n);
            throw new PandaException(sideName + ": gdb can watch `" + expr + "` only in software (one step at a time): "
                    + "watch a smaller lvalue (at most 8 bytes)");
        }
        return Integer.parseInt(m.group(1));
    }

    /** Breakpoint numbers as gdb's enable and disable take them. */
    static int[] numbers(Set<Integer> s) {
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
