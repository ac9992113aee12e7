// One continue that records PANDA's state at each hit of a breakpoint, without stopping there:
// trace.py, sourced into gdb, hashes the blocks of CPU state at each hit in gdb's own Python and
// lets the program run on. A hit then costs gdb's stop and resume (about 0.35 ms per TB on real
// PANDA, measured with a plain gdb) instead of a round trip to tandem and its reads (about 4 ms
// per TB for both sides of a sweep), and the sides run apart, each at its own pace.
package tandem.bisect;

import tandem.debugger.Debugger;
import tandem.debugger.GdbPythonScripts;
import tandem.debugger.DebuggerException;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

final class Trace {
    /** What trace.py prints before its rows: "tandem-trace N". */
    private static final String ROWS = "tandem-trace ";
    private static final String RAW = "tandem-raw ";

    private Trace() {
    }

    /**
     * Sources trace.py into this gdb. False when gdb has no Python (built without it) or refuses
     * the script: the caller keeps to its breakpoint-by-breakpoint way.
     */
    static boolean load(Debugger gdb) {
        if (!enabled()) return false;
        try {
            if (!gdb.console("python print('tandem-python ' + str(1 + 1))").contains("tandem-python 2")) return false;
            gdb.console("source " + GdbPythonScripts.file(Trace.class, "trace.py"));
            return true;
        } catch (DebuggerException e) {
            return false;
        }
    }

    /**
     * -Dtandem.trace=false keeps the search to gdb stops tandem sees one by one (as with a gdb
     * without Python): slower, and the way to rule the traces out when a search looks wrong.
     */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("tandem.trace", "true"));
    }

    /** Arms the trace: a breakpoint at {@code location} recording the count and each group's crc32. */
    static void begin(Debugger gdb, String location, long countAddress, List<List<long[]>> groups, long stopAt, long period, boolean keepRaw) {
        begin(gdb, location, countAddress, groups, stopAt, period, keepRaw, 0, 0);
    }

    /**
     * Arms a sampled trace: only the hits whose count lies in the first {@code window} guest
     * instructions of a multiple of {@code sample} are recorded, and the first at or past
     * {@code stopAt}. The condition saying so is the breakpoint's, so a target that evaluates
     * conditions (gdbserver, rr) reports no other hit.
     */
    static void begin(Debugger gdb, String location, long countAddress, List<List<long[]>> groups, long stopAt, long period,
                      boolean keepRaw, long sample, long window) {
        StringBuilder g = new StringBuilder("[");
        for (List<long[]> group : groups) {
            g.append('[');
            for (long[] block : group) g.append('(').append(block[0]).append(", ").append(block[1]).append("), ");
            g.append("], ");
        }
        g.append(']');
        gdb.console("python tandem_trace_begin('" + location + "', " + countAddress + ", " + g + ", " + stopAt + ", " + period
                + ", " + (keepRaw ? "True" : "False") + ", " + sample + ", " + window + ")");
    }

    /**
     * The rows recorded so far, from index {@code from} on: {count, crc32 of each group}. Aside:
     * asked while the program runs (gdb answers between hits).
     */
    static List<long[]> rows(Debugger gdb, int from, boolean aside) {
        String command = "python tandem_trace_rows(" + from + ")";
        String out = aside ? gdb.consoleAside(command) : gdb.console(command);
        int at = out.indexOf(ROWS);
        if (at < 0) throw new DebuggerException("trace.py printed no rows: " + out.strip());
        List<long[]> rows = new ArrayList<>();
        for (String line : out.substring(at).split("\n")) {
            if (line.startsWith(ROWS) || line.isBlank()) continue;
            String[] f = line.trim().split(" ");
            long[] row = new long[f.length];
            for (int i = 0; i < f.length; i++) row[i] = Long.parseLong(f[i]);
            rows.add(row);
        }
        return rows;
    }

    /** The bytes each group held at row i (the trace must have been begun with keepRaw). */
    static byte[][] raw(Debugger gdb, int i) {
        String out = gdb.console("python tandem_trace_raw(" + i + ")");
        int at = out.indexOf(RAW);
        if (at < 0) throw new DebuggerException("trace.py printed no bytes for row " + i + ": " + out.strip());
        String[] hex = out.substring(at + RAW.length()).strip().split(" ");
        byte[][] groups = new byte[hex.length][];
        for (int k = 0; k < hex.length; k++) groups[k] = HexFormat.of().parseHex(hex[k]);
        return groups;
    }

    /**
     * Stop at the next hit at or past n instead: sent while the trace runs (gdb takes it in the
     * background), or before the next continue.
     */
    static void stopAt(Debugger gdb, long n) {
        gdb.consoleAside("python tandem_trace_stop_at(" + n + ")");
    }

    /** Deletes the trace's breakpoint and what it recorded. */
    static void end(Debugger gdb) {
        gdb.console("python tandem_trace_end()");
    }
}
