// An index of one side's replay, built on a forward pass and kept: per debug_counter period, how
// often the user's breakpoints were hit and what watched expressions held at the period's end,
// counted and read inside gdb by index.py (gdb's Python), never by a stop to tandem per hit. With
// it, going back over a breakpoint hit thousands of times re-executes to the one period holding
// the last hit and stops only inside it (rr's `when` marks are the model).
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.GdbPythonScripts;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

final class ReplayIndex {

    /**
     * One slot of a pass: from guest instruction {@code start} (where the index was armed, or a
     * debug_counter call) to the next slot's start; {@code hits} of the indexed breakpoints in it;
     * {@code values}: each watched expression at its start as gdb's Python prints it (null: gdb
     * could not read it there). The last slot of a read is the pass's end: no hits, the values there.
     */
    record Slot(long start, long hits, List<String> values) {
    }

    /** The {@code ordinal}-th hit (from 1) of slot {@code slot}, which starts at guest instruction {@code start}. */
    record Hit(int slot, long start, long ordinal) {
    }

    private final PandaProcess side;
    private final Debugger gdb;
    private Boolean loaded;
    /** What the stops were, where the side stood, and the slots before there, of the last answer. */
    private String keptKey;
    private Object keptAt;
    private List<Slot> kept;
    private long keptFrom;

    ReplayIndex(PandaProcess side) {
        this.side = side;
        this.gdb = side.debugger();
    }

    /**
     * Why the index can't answer a reverse move over {@code stops} on this side, in one line (rr
     * answers itself; checkpoints make the old windows short; no debug_counter or no Python in
     * gdb: nothing to count with); null when it can.
     */
    String cannotAnswer(Set<Integer> stops, WaysBack.Rewind rewind) {
        if (!enabled()) return "-Dtandem.index=false";
        if (rewind != WaysBack.Rewind.REEXECUTION) return "the index is for re-execution; " + rewind.description + " keep the passes short";
        if (!side.hasSymbol(PandaNames.DEBUG_COUNTER)) return "this PANDA build has no debug_counter (configure --enable-debug) to index periods by";
        if (!python()) return "this gdb has no Python to count hits in";
        String table = gdb.console("info breakpoints");
        for (int n : stops) {
            if (!table.matches("(?s).*(?m:^" + n + "\\s+breakpoint\\s).*")) return "breakpoint " + n + " is a watchpoint: the index counts breakpoint hits only";
        }
        return null;
    }

    /** -Dtandem.index=false: reverse moves go back the old way, window by window (to compare, or to rule the index out). */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("tandem.index", "true"));
    }

    private boolean python() {
        if (loaded == null) {
            try {
                loaded = gdb.console("python print('tandem-python ' + str(1 + 1))").contains("tandem-python 2");
                if (loaded) gdb.console("source " + GdbPythonScripts.file(ReplayIndex.class, "index.py"));
            } catch (DebuggerException e) {
                loaded = false;
            }
        }
        return loaded;
    }

    /** What tells two sets of stops apart: `info breakpoints` of them, without their hit counts. */
    String key(Set<Integer> stops) {
        StringBuilder s = new StringBuilder();
        for (int n : stops) {
            for (String line : gdb.console("info breakpoints " + n).split("\n")) if (!line.contains("already hit")) s.append(line).append('\n');
        }
        return s.toString();
    }

    /**
     * The slots before {@code at} kept by the last answer over the same stops (key), or null; they
     * begin at the first slot's start (what lies before it is not counted).
     */
    List<Slot> kept(String key, Object at) {
        return key.equals(keptKey) && at.equals(keptAt) ? kept : null;
    }

    /** Where the counting of the kept slots began (nothing before it is counted). */
    long keptFrom() {
        return keptFrom;
    }

    /** Keeps {@code before}: the slots strictly before {@code at}, where the side stands now, counted from guest instruction {@code from}. */
    void keep(String key, Object at, List<Slot> before, long from) {
        keptKey = key;
        keptAt = at;
        kept = List.copyOf(before);
        keptFrom = from;
    }

    /** Forgets what was kept (the side moved where the index does not know how many hits lie before). */
    void forget() {
        keptKey = null;
        keptAt = null;
        kept = null;
    }

    /**
     * Arms the index here (where a pass starts): counts the hits of {@code breakpoints} (gdb's
     * numbers, their conditions honoured) and reads {@code expressions} at each debug_counter call,
     * from the first call at or past guest instruction {@code from} on (before it, no trap per hit).
     */
    void arm(Set<Integer> breakpoints, List<String> expressions, long from) {
        StringBuilder exprs = new StringBuilder("[");
        for (String e : expressions) exprs.append('"').append(e.replace("\\", "\\\\").replace("\"", "\\\"")).append("\", ");
        gdb.console("python tandem_index_begin(" + side.instrCountAddress() + ", " + breakpoints + ", " + exprs + "], " + Math.max(0, from) + ")");
    }

    /**
     * The slots the armed index counted, from where it was armed to here (the pass's end, guest
     * instruction {@code instr}, host pc {@code hostPc}); a hit at the end itself (gdb stopped on
     * it) is not counted. Disarms the index.
     */
    List<Slot> read(long instr, long hostPc) {
        String out = gdb.console("python tandem_index_slots()");
        disarm();
        int at = out.indexOf("tandem-index ");
        if (at < 0) throw new DebuggerException(side.name() + ": index.py printed no slots: " + out.strip());
        List<Slot> slots = new ArrayList<>();
        long[] last = null;
        for (String line : out.substring(at).split("\n")) {
            if (line.startsWith("tandem-index ") || line.isBlank()) continue;
            if (line.startsWith("tandem-index-last ")) {
                last = Arrays.stream(line.substring(18).trim().split(" ")).mapToLong(Long::parseLong).toArray();
                continue;
            }
            String[] f = line.split("\t");
            String[] n = f[0].trim().split(" ");
            List<String> values = new ArrayList<>();
            for (int i = 1; i < f.length; i++) values.add(f[i].equals("?") ? null : f[i]);
            slots.add(new Slot(Long.parseLong(n[0]), Long.parseLong(n[1]), values));
        }
        if (slots.isEmpty()) throw new DebuggerException(side.name() + ": index.py printed no slots: " + out.strip());
        if (last != null && last[0] == instr && last[1] == hostPc && slots.size() > 1) {
            // the stop that ended the pass is a hit of an indexed breakpoint: now is not before now
            int i = slots.size() - 2;
            Slot s = slots.get(i);
            slots.set(i, new Slot(s.start(), s.hits() - 1, s.values()));
        }
        return slots;
    }

    /** Deletes the index's breakpoints in gdb (what it counted goes with them). */
    void disarm() {
        if (Boolean.TRUE.equals(loaded)) gdb.console("python tandem_index_end()");
    }

    /**
     * While {@code pass} runs (one continue, no stop per period), tells {@code passes} every
     * second where the index has come to: the start of its last slot, read from gdb aside.
     */
    void withProgress(long from, long goal, Consumer<Pass> passes, Runnable pass) {
        Thread poll = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                    if (!gdb.running()) continue;
                    String out = gdb.consoleAside("python tandem_index_progress()");
                    int at = out.indexOf("tandem-index-at ");
                    if (at >= 0) {
                        long reached = Long.parseLong(out.substring(at + 16).trim().split("\\s")[0]);
                        if (reached >= from) passes.accept(new Pass(from, reached, goal));
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // gdb stopped between the test and the question, or is busy: the next second asks again
                }
            }
        }, "tandem-index-progress-" + side.name());
        poll.setDaemon(true);
        poll.start();
        try {
            pass.run();
        } finally {
            poll.interrupt();
            try {
                poll.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The last slot whose value of expression {@code e} at its start differs from the next slot's
     * (the end's, for the last): a change of it lies in that slot, and nothing at a later period's
     * end tells of a change after it. -1 when no two differ; null values: -2 (not readable there).
     */
    static int lastValueChange(List<Slot> slots, int e) {
        for (int i = slots.size() - 2; i >= 0; i--) {
            String a = slots.get(i).values().get(e), b = slots.get(i + 1).values().get(e);
            if (a == null || b == null) return -2;
            if (!a.equals(b)) return i;
        }
        return -1;
    }

    /** The last hit before the end of {@code slots}; null when they hold none. */
    static Hit lastHit(List<Slot> slots) {
        for (int i = slots.size() - 1; i >= 0; i--) {
            if (slots.get(i).hits() > 0) return new Hit(i, slots.get(i).start(), slots.get(i).hits());
        }
        return null;
    }

    /** The slots strictly before {@code hit}: those before its slot, and its slot up to the hit. */
    static List<Slot> before(List<Slot> slots, Hit hit) {
        List<Slot> out = new ArrayList<>(slots.subList(0, hit.slot()));
        Slot s = slots.get(hit.slot());
        out.add(new Slot(s.start(), hit.ordinal() - 1, s.values()));
        return out;
    }
}
