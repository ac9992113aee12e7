// The answer of a divergence search: the last guest instruction count where rec and rep agree, the
// first where they differ, and what differs there (registers, guest-physical RAM ranges, TLB, PC),
// with both sides' backtraces at the write that made them differ. Printable side by side, as JSON
// (the same field names) and as Markdown.
package tandem.bisect;

import groovy.json.JsonOutput;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tbBoundaries: where the sides' TB boundaries were seen to differ (a side ran TBs chained), or
 * null; the rest as their names say (counts in guest instructions).
 */
public record Divergence(
        boolean diverged,
        long lo,
        long hi,
        long lastEqual,
        long firstDiverged,
        List<String> registers,
        List<RegisterDiff> registerValues,
        List<MemoryRange> memory,
        boolean tlb,
        Long recPc,
        Long repPc,
        List<String> recBacktrace,
        List<String> repBacktrace,
        String recDisas,
        String repDisas,
        List<String> v2p,
        String cause,
        List<WatchEvent> watchEvents,
        List<String> notes,
        int probes,
        int stops,
        long elapsedMillis,
        long instrMax,
        TbBoundaries tbBoundaries) {

    public Divergence {
        registers = List.copyOf(registers);
        registerValues = List.copyOf(registerValues);
        memory = List.copyOf(memory);
        recBacktrace = List.copyOf(recBacktrace);
        repBacktrace = List.copyOf(repBacktrace);
        v2p = List.copyOf(v2p);
        watchEvents = List.copyOf(watchEvents);
        notes = List.copyOf(notes);
    }

    /** The runs agree everywhere the search could compare them in [lo, hi]. */
    static Divergence none(long lo, long hi, List<String> notes, int probes, int stops, long elapsedMillis, long instrMax) {
        return new Divergence(false, lo, hi, hi, -1, List.of(), List.of(), List.of(), false, null, null,
                List.of(), List.of(), "", "", List.of(), "", List.of(), notes, probes, stops, elapsedMillis, instrMax, null);
    }

    /**
     * A side ended (a failed replay's abort) inside a chain of the other side's TBs that starts at
     * lastEqual: nothing in between could be compared, so the answer is the range, with no analysis.
     */
    static Divergence withinChain(long lo, long hi, long lastEqual, long end, TbBoundaries chain, List<String> notes, int probes,
                                  int stops, long elapsedMillis, long instrMax) {
        return new Divergence(true, lo, hi, lastEqual, end, List.of(), List.of(), List.of(), false, null, null,
                List.of(), List.of(), "", "", List.of(), chain.how(), List.of(), notes, probes, stops, elapsedMillis, instrMax, chain);
    }

    /**
     * diverge.py's "args to get back here": {@code --instr-max} is the replay's maximum
     * (diverge.py's instr_count_max, diverge.py:458-467), not the search's upper end.
     */
    public String backHere() {
        return BisectOptions.backHereFlags(lastEqual < 0 ? lo : lastEqual, diverged ? firstDiverged : hi, instrMax)
                + (diverged ? " --skip-bisect-time" : "");
    }

    /** The last line `tandem bisect` prints. */
    public String headline() {
        return diverged ? "first divergence at guest instruction " + firstDiverged
                : "the runs never diverge in [" + lo + ", " + hi + "]";
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("diverged", diverged);
        m.put("lo", lo);
        m.put("hi", hi);
        m.put("lastEqual", lastEqual);
        m.put("firstDiverged", firstDiverged);
        m.put("registers", registers);
        List<Map<String, Object>> rv = new ArrayList<>();
        for (RegisterDiff r : registerValues) rv.add(Map.of("name", r.name(), "rec", r.rec(), "rep", r.rep()));
        m.put("registerValues", rv);
        List<Map<String, Object>> mem = new ArrayList<>();
        for (MemoryRange r : memory) mem.add(Map.of("start", r.start(), "length", r.length()));
        m.put("memory", mem);
        m.put("tlb", tlb);
        m.put("recPc", recPc);
        m.put("repPc", repPc);
        m.put("recBacktrace", recBacktrace);
        m.put("repBacktrace", repBacktrace);
        m.put("recDisas", recDisas);
        m.put("repDisas", repDisas);
        m.put("v2p", v2p);
        m.put("cause", cause);
        List<Map<String, Object>> we = new ArrayList<>();
        for (WatchEvent w : watchEvents) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("side", w.side());
            e.put("what", w.what());
            e.put("instr", w.instr());
            e.put("value", w.value());
            e.put("backtrace", w.backtrace());
            we.add(e);
        }
        m.put("watchEvents", we);
        m.put("notes", notes);
        m.put("probes", probes);
        m.put("stops", stops);
        m.put("elapsedMillis", elapsedMillis);
        m.put("instrMax", instrMax);
        m.put("tbBoundaries", tbBoundaries == null ? null : tbBoundaries.toMap());
        m.put("backHere", backHere());
        return m;
    }

    public String toJson() {
        return JsonOutput.prettyPrint(JsonOutput.toJson(toMap()));
    }

    public String toMarkdown() {
        StringBuilder s = new StringBuilder("# Divergence\n\n");
        s.append("**").append(headline()).append("**\n\n");
        s.append("| | |\n|---|---|\n");
        s.append("| searched | [").append(lo).append(", ").append(hi).append("] |\n");
        if (diverged) {
            s.append("| last equal | ").append(lastEqual < 0 ? "none (differs at the first TB)" : lastEqual).append(" |\n");
            s.append("| first diverged | ").append(firstDiverged).append(" |\n");
            s.append("| registers | ").append(registers.isEmpty() ? "same" : String.join(", ", registers)).append(" |\n");
            s.append("| memory | ").append(memory.isEmpty() ? "same" : memory.toString()).append(" |\n");
            s.append("| TLB | ").append(tlb ? "differs" : "same").append(" |\n");
            if (!cause.isEmpty()) s.append("| cause | ").append(cause.replace("|", "\\|")).append(" |\n");
        }
        s.append("| cost | ").append(probes).append(" probes, ").append(stops).append(" debugger stops, ")
                .append(String.format("%.1f s", elapsedMillis / 1000.0)).append(" |\n\n");
        if (!registerValues.isEmpty()) {
            s.append("## Registers\n\n| register | rec | rep |\n|---|---|---|\n");
            for (RegisterDiff r : registerValues) s.append(String.format("| %s | 0x%x | 0x%x |%n", r.name(), r.rec(), r.rep()));
            s.append('\n');
        }
        if (diverged) {
            s.append("## Backtraces\n\n### rec\n\n```\n").append(String.join("\n", recBacktrace))
                    .append("\n```\n\n### rep\n\n```\n").append(String.join("\n", repBacktrace)).append("\n```\n\n");
            s.append("## Translation block\n\n### rec\n\n```\n").append(recDisas.strip())
                    .append("\n```\n\n### rep\n\n```\n").append(repDisas.strip()).append("\n```\n\n");
            if (!v2p.isEmpty()) s.append("## v2p\n\n").append("- ").append(String.join("\n- ", v2p)).append("\n\n");
            if (!watchEvents.isEmpty()) {
                s.append("## Writes seen by watchpoints\n\n");
                for (WatchEvent w : watchEvents) s.append("- ").append(w).append('\n');
                s.append('\n');
            }
        }
        if (!notes.isEmpty()) s.append("## Notes\n\n- ").append(String.join("\n- ", notes)).append("\n\n");
        s.append("To get back here: `").append(backHere()).append("`\n");
        return s.toString();
    }

    /** Side by side, for the console. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(headline()).append('\n');
        if (!diverged) {
            notes.forEach(n -> s.append("note: ").append(n).append('\n'));
            return s.toString().stripTrailing();
        }
        s.append("last equal ").append(lastEqual < 0 ? "none (rep differs at the first TB)" : Long.toString(lastEqual))
                .append(", first diverged ").append(firstDiverged).append('\n');
        if (!cause.isEmpty()) s.append("cause: ").append(cause).append('\n');
        int w = 48;
        s.append(String.format("%-" + w + "s | %s%n", "rec", "rep"));
        s.append("-".repeat(w)).append("-+-").append("-".repeat(w)).append('\n');
        if (recPc != null) s.append(String.format("%-" + w + "s | %s%n", String.format("pc 0x%x", recPc), String.format("pc 0x%x", repPc)));
        for (RegisterDiff r : registerValues) {
            if (recPc != null && r.name().equals("pc")) continue; // the line above
            s.append(String.format("%-" + w + "s | %s%n", String.format("%s 0x%x", r.name(), r.rec()), String.format("%s 0x%x", r.name(), r.rep())));
        }
        // what differs between the sides is said on both
        s.append(String.format("%-" + w + "s | %s%n", "tlb " + (tlb ? "differs" : "same"), "tlb " + (tlb ? "differs" : "same")));
        for (MemoryRange m : memory) s.append(String.format("%-" + w + "s | %s%n", "ram " + m, "ram " + m));
        sideBySide(s, recBacktrace.stream().map(tandem.debugger.Frame::brief).toList(),
                repBacktrace.stream().map(tandem.debugger.Frame::brief).toList(), w);
        sideBySide(s, List.of(recDisas.strip().split("\n")), List.of(repDisas.strip().split("\n")), w);
        v2p.forEach(v -> s.append("v2p ").append(v).append('\n'));
        notes.forEach(n -> s.append("note: ").append(n).append('\n'));
        s.append("back here: ").append(backHere());
        return s.toString();
    }

    private static void sideBySide(StringBuilder s, List<String> a, List<String> b, int w) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "", y = i < b.size() ? b.get(i) : "";
            // a tab's width depends on where it lands: target_disas's tabs would make the | drift
            x = x.replace('\t', ' ');
            y = y.replace('\t', ' ');
            // both columns cut alike: a long rep line would wrap under rec's column
            if (x.length() > w) x = x.substring(0, w - 1) + "…";
            if (y.length() > w) y = y.substring(0, w - 1) + "…";
            s.append(String.format("%-" + w + "s | %s%n", x, y));
        }
    }
}
