// The record trace as the console's rec side: read-only, it shows what the record run's trace
// holds at a guest instruction count (the TB there and its summary, the last full record, the TLB).
package tandem.rectrace;

import tandem.panda.trace.TraceException;
import tandem.panda.trace.TraceFile;
import java.nio.file.Path;
import java.util.Map;

public final class RecTraceView {
    public final RecTraceSearch.RecTrace where;
    public final TraceFile trace;

    private RecTraceView(RecTraceSearch.RecTrace where, TraceFile trace) {
        this.where = where;
        this.trace = trace;
    }

    /**
     * The record trace NAME in {@code cwd} (or its path), read and checked against its recording.
     *
     * @throws TraceException as TraceComparison.checkBelongs does: another recording's trace, a
     *         truncated one, one of a run ended without end_record
     */
    public static RecTraceView open(String nameOrPath, Path cwd) {
        RecTraceSearch.RecTrace w = RecTraceSearch.RecTrace.of(nameOrPath, cwd);
        TraceFile t = TraceFile.read(w.trace());
        TraceComparison.checkBelongs(t, w.dir(), w.name());
        return new RecTraceView(w, t);
    }

    /** The last count the record run reached (its trailer). */
    public long lastCount() {
        return trace.lastCount();
    }

    /** The TB the record run was in at {@code count}: the last one beginning at or before it; null before the first. */
    public TraceFile.Entry tbAt(long count) {
        return trace.entryAtOrBefore(count);
    }

    /**
     * What the trace holds at guest instruction {@code count}, as lines: the record TB there (its
     * first count and 32-bit summary: 16 bits PC/registers, 8 CP0, 8 TLB), the registers of the
     * last full record at or before it, the TLB entries in force (MIPS). The trace holds registers
     * only at full records (each 2^17 instructions) and hashes in between.
     */
    public String at(long count) {
        StringBuilder s = new StringBuilder("record trace " + where.name() + " (read-only) at guest instruction " + count + ":\n");
        if (count > lastCount()) s.append("past the record run's end at ").append(lastCount()).append("; as at its end:\n");
        TraceFile.Entry tb = tbAt(Math.min(count, lastCount()));
        if (tb == null) {
            TraceFile.Entry first = trace.entryAtOrAfter(Long.MIN_VALUE);
            s.append("before the record run's first TB (at ").append(first == null ? "-" : first.count()).append(")\n");
        } else {
            int sum = tb.summary();
            s.append(String.format("TB at %d: summary 0x%08x (pc/regs 0x%04x, CP0 0x%02x, TLB 0x%02x)%n",
                    tb.count(), sum, sum & 0xffff, (sum >>> 16) & 0xff, sum >>> 24));
        }
        TraceFile.Full full = TraceComparison.fullAtOrBefore(trace, count);
        if (full == null) {
            s.append("no full record at or before it\n");
        } else {
            s.append("full record at ").append(full.count()).append(":\n").append(RecTraceSearch.named(full.regs())).append('\n');
        }
        Map<Integer, long[]> tlb = TraceComparison.tlbAt(trace, count);
        if (!tlb.isEmpty()) {
            s.append("TLB (").append(tlb.size()).append(" entries):\n");
            tlb.forEach((k, w) -> s.append(String.format("%2d ", k)).append(RecTraceSearch.tlbEntry(w)).append('\n'));
        }
        return s.toString().stripTrailing();
    }

    @Override
    public String toString() {
        return "record trace " + where.trace() + ": " + trace.entryCount() + " TBs, guest instructions " + trace.firstCount + ".." + lastCount();
    }
}
