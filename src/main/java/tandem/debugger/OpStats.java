// Where a debugger-driven search spends its time: wall time per phase and, per phase, the count and
// time of each kind of debugger operation (continue, memory read, inferior call, checkpoint, ...).
// Off unless -Dtandem.bisect.profile=true; operations on both sides add up, so per-operation time
// can exceed the phase's wall time when the sides run in parallel.
package tandem.debugger;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

public final class OpStats {
    public static final boolean ENABLED = Boolean.getBoolean("tandem.bisect.profile");

    private record Cell(LongAdder count, LongAdder nanos) {
        Cell() {
            this(new LongAdder(), new LongAdder());
        }
    }

    private static final Map<String, Cell> CELLS = new ConcurrentHashMap<>();
    private static volatile String phase = "-";
    private static volatile long phaseStart = System.nanoTime();

    private OpStats() {
    }

    /** Ends the current phase (its wall time is recorded) and starts another. */
    public static void phase(String name) {
        if (!ENABLED) return;
        long now = System.nanoTime();
        add("phase " + phase, now - phaseStart);
        phase = name;
        phaseStart = now;
    }

    public static <T> T time(String op, Supplier<T> f) {
        if (!ENABLED) return f.get();
        long t0 = System.nanoTime();
        try {
            return f.get();
        } finally {
            add(phase + " / " + op, System.nanoTime() - t0);
        }
    }

    public static void add(String key, long nanos) {
        Cell c = CELLS.computeIfAbsent(key, k -> new Cell());
        c.count.increment();
        c.nanos.add(nanos);
    }

    public static void reset() {
        CELLS.clear();
        phase = "-";
        phaseStart = System.nanoTime();
    }

    /** The table so far, one line per phase or phase/operation: count, total ms, mean ms. */
    public static String report() {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(CELLS).forEach((k, c) -> {
            long n = c.count.sum();
            double ms = c.nanos.sum() / 1e6;
            if (k.startsWith("phase -")) return;
            b.append(String.format("  %-44s %7d %10.1f ms %8.3f ms/op%n", k, n, ms, ms / Math.max(1, n)));
        });
        return b.toString();
    }

    /** What an expression costs: the inferior call it makes, or a plain evaluation. */
    public static String kindOf(String expression) {
        for (String f : new String[]{"rr_checksum_ram", "rr_checksum_memory", "rr_checksum_tlb", "rr_checksum_regs", "crc32(", "panda_virt_to_phys", "target_disas", "malloc", "free(", "open_memstream", "fclose"}) {
            if (expression.contains(f)) return "call " + f.replace("(", "");
        }
        return "evaluate";
    }
}
