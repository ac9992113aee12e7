// What PANDA's nondet logs say at a divergence: the items around it on both sides, which item
// each replay consumed there (or last, and where that stands in its log), where the two logs first
// differ, and the cause the evidence points to.
package tandem.bisect;

import tandem.panda.nondet.NondetItem;
import tandem.panda.nondet.NondetKind;
import tandem.panda.nondet.NondetLog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * @param lines the report's lines (printed between the divergence and its headline)
 * @param cause the cause, with its evidence
 * @param firstDifference the index of the first item the two logs differ at, or -1 (same, or a log missing)
 * @param host the first host-level difference in the divergent TB (HostLockstep), or null when not looked for
 */
public record Explanation(List<String> lines, Cause cause, int firstDifference, HostDifference host) {

    public Explanation(List<String> lines, Cause cause, int firstDifference) {
        this(lines, cause, firstDifference, null);
    }

    /** An explanation with nothing of the nondet logs in it (they were not read): for the host-level lockstep's lines alone. */
    public static Explanation withoutLogs() {
        return new Explanation(List.of(), new Cause(Cause.Kind.UNKNOWN, "the nondet logs were not read (--log reads them)"), -1);
    }

    /**
     * This explanation with what the host-level lockstep found: its lines after the `why:` line,
     * and, for a cause of unlogged state, the host function named in the evidence.
     */
    public Explanation withHost(HostDifference h) {
        List<String> out = new ArrayList<>(lines);
        out.addAll(h.lines());
        Cause c = cause;
        if (h.found() && cause.kind() == Cause.Kind.UNLOGGED_STATE) {
            c = new Cause(cause.kind(), cause.evidence() + "; the first host function whose result differs is " + h.function());
            for (int i = out.size() - 1; i >= 0; i--) {
                if (out.get(i).equals("why: " + cause)) {
                    out.set(i, "why: " + c);
                    break;
                }
            }
        }
        return new Explanation(out, c, firstDifference, h);
    }

    /** Items shown before (up to and including the divergence) and after it. */
    static final int BEFORE = 3, AFTER = 2;

    /**
     * What QEMU's MIPS {@code tlbwr} does that no log holds (PANDA.md): it writes the entry
     * {@code cpu_mips_get_random} (hw/mips/cputimer.c) picks from its static {@code seed}, which
     * neither the snapshot nor the nondet log keeps.
     */
    static final List<String> RANDOM_INDEX_PATH = List.of("r4k_helper_tlbwr", "cpu_mips_get_random");

    /**
     * The logs at {@code d} (either may be null: a side without a log, e.g. a live record run or an
     * rr trace). The divergence lies between {@code d.lastEqual()} and {@code d.firstDiverged()}: the
     * items of that span are what the divergent TB consumed.
     */
    public static Explanation of(Divergence d, NondetLog rec, NondetLog rep) {
        if (!d.diverged()) return new Explanation(List.of(), new Cause(Cause.Kind.UNKNOWN, "the runs never diverge"), -1);
        return at(Math.max(0, d.lastEqual()), d.firstDiverged(), d.tlb(), d.watchEvents(), d.tbBoundaries(), rec, rep);
    }

    /**
     * For two runs of one replay (`tandem check`): the same snapshot, log and commands on both
     * sides, so whatever differs came from state neither holds. A known reader of such state (the
     * MIPS tlbwr's random index) names it; a write on one side only is where it surfaced, kept as
     * the evidence, not the cause.
     */
    public static Explanation ofOneReplay(Divergence d, NondetLog log) {
        Explanation e = of(d, log, log);
        if (e.cause.kind() == Cause.Kind.UNLOGGED_STATE || !d.diverged()) return e;
        List<String> lines = new ArrayList<>(e.lines.subList(0, e.lines.size() - 1));
        String surfaced = e.cause.kind() == Cause.Kind.UNKNOWN ? "" : "; it surfaced as " + e.cause.kind().words + ": " + e.cause.evidence();
        Cause c = new Cause(Cause.Kind.UNLOGGED_STATE, "two runs of one replay (one snapshot, one log, the same commands) differ at guest instruction "
                + d.firstDiverged() + (d.registers().isEmpty() ? "" : " in " + String.join(", ", d.registers()))
                + ": the guest read there something neither the snapshot nor the log holds (a clock or timer of the host, say)"
                + surfaced);
        lines.add("why: " + c);
        return new Explanation(lines, c, e.firstDifference);
    }

    /**
     * The same for a divergence between guest instructions {@code lo} (equal) and {@code hi} (first
     * differing), with whether the TLB differs at {@code hi}, the writes seen on the way, and where
     * the sides' TB boundaries were seen to differ ({@code boundaries}, or null).
     */
    public static Explanation at(long lo, long hi, boolean tlb, List<WatchEvent> writes, TbBoundaries boundaries,
                                 NondetLog rec, NondetLog rep) {
        List<String> out = new ArrayList<>();
        out.add("nondet log at the divergence (guest instructions " + lo + " to " + hi + "):");
        consumed("rec", rec, lo, hi, out);
        consumed("rep", rep, lo, hi, out);
        if (rec != null && rep != null) window(rec, rep, hi, out);
        int first = -1;
        NondetItem a = null, b = null;
        if (rec != null && rep != null) {
            Optional<Integer> f = rec.firstDifference(rep);
            if (f.isPresent()) {
                first = f.get();
                a = first < rec.items().size() ? rec.items().get(first) : null;
                b = first < rep.items().size() ? rep.items().get(first) : null;
                out.add("the logs first differ at item #" + first + ": rec " + (a == null ? "has no such item" : a)
                        + " | rep " + (b == null ? "has no such item" : b));
            } else {
                out.add("the logs are item for item the same (" + rec.items().size() + " items)");
            }
        }
        if (boundaries != null) out.add("TB boundaries differ: " + boundaries);
        Cause cause = classify(hi, tlb, writes, boundaries, a, b, first >= 0, rec != null && rep != null);
        out.add("why: " + cause);
        return new Explanation(out, cause, first);
    }

    private static void consumed(String side, NondetLog log, long lo, long hi, List<String> out) {
        if (log == null) {
            out.add(side + ": no nondet log (only a PANDA replay, -replay NAME, reads one)");
            return;
        }
        List<NondetItem> in = new ArrayList<>();
        for (int k = log.lastAt(hi); k >= 0 && log.items().get(k).instrCount() >= lo; k--) in.add(0, log.items().get(k));
        String where = " of " + log.items().size() + " in " + log.path().getFileName();
        if (!in.isEmpty()) {
            for (NondetItem i : in) {
                out.add(side + " consumed " + i + " there (item " + (i.index() + 1) + where + ")");
            }
            return;
        }
        int last = log.lastAt(hi);
        String next = last + 1 < log.items().size() ? "; the next, #" + (last + 1) + ", at guest instruction "
                + log.items().get(last + 1).instrCount() : "; it is the log's last";
        out.add(side + " consumed no item there: its last before is "
                + (last < 0 ? "none" : log.items().get(last) + " (item " + (last + 1) + where + ")") + next);
    }

    /** The items around the divergence, rec and rep side by side. */
    private static void window(NondetLog rec, NondetLog rep, long at, List<String> out) {
        List<NondetItem> a = rec.around(at, BEFORE, AFTER), b = rep.around(at, BEFORE, AFTER);
        int w = 64;
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i).toString() : "", y = i < b.size() ? b.get(i).toString() : "";
            if (x.length() > w) x = x.substring(0, w - 1) + "…";
            out.add(String.format("  %-" + w + "s | %s", x, y));
        }
    }

    private static boolean interrupt(NondetItem i) {
        return i != null && (i.kind() == NondetKind.RR_INTERRUPT_REQUEST || i.kind() == NondetKind.RR_EXCEPTION
                || i.kind() == NondetKind.RR_PENDING_INTERRUPTS);
    }

    /**
     * The first differing item decides when the replay got to it (its count at most the first
     * differing count); else what the divergence itself shows: the random-index path, a write one
     * side made alone, the TLB, then TB boundaries that differ (inside a span one side ran through
     * nothing was compared: what differs there was not seen).
     */
    static Cause classify(long hi, boolean tlb, List<WatchEvent> writes, TbBoundaries boundaries, NondetItem rec, NondetItem rep,
                          boolean logsDiffer, boolean bothLogs) {
        boolean reached = logsDiffer && (rec != null && rec.instrCount() <= hi || rep != null && rep.instrCount() <= hi);
        if (reached) {
            if (interrupt(rec) || interrupt(rep)) {
                if (rec == null || rep == null || rec.kind() != rep.kind()) {
                    NondetItem only = interrupt(rec) ? rec : rep;
                    return new Cause(Cause.Kind.INTERRUPT, (only == rec ? "rec" : "rep") + " logs " + only + ", the other "
                            + (only == rec ? (rep == null ? "nothing" : rep.toString()) : (rec == null ? "nothing" : rec.toString())));
                }
                if (rec.instrCount() != rep.instrCount()) {
                    return new Cause(Cause.Kind.INTERRUPT, rec.kind() + " at guest instruction " + rec.instrCount() + " on rec, "
                            + rep.instrCount() + " on rep (item #" + rec.index() + ")");
                }
                return new Cause(Cause.Kind.INTERRUPT, rec.kind() + " at guest instruction " + rec.instrCount()
                        + ": rec " + rec.valueText() + ", rep " + rep.valueText() + " (item #" + rec.index() + ")");
            }
            if (rec != null && rep != null && rec.kind() == rep.kind() && rec.callsiteId() == rep.callsiteId()
                    && rec.call() == rep.call()) {
                String what = rep.kind() == NondetKind.RR_SKIPPED_CALL ? rep.kind() + " (" + rep.call() + ")" : rep.kind().toString();
                if (rec.instrCount() != rep.instrCount()) {
                    return new Cause(Cause.Kind.INPUT_COUNT, "item #" + rec.index() + " " + what + " from " + rec.callsite()
                            + " at guest instruction " + rec.instrCount() + " on rec, " + rep.instrCount() + " on rep");
                }
                return new Cause(Cause.Kind.INPUT_VALUE, "item #" + rec.index() + " " + what + " from " + rec.callsite()
                        + " at guest instruction " + rec.instrCount() + ": rec " + rec.valueText() + ", rep " + rep.valueText());
            }
            return new Cause(Cause.Kind.UNKNOWN, "the logs differ at item #" + (rec != null ? rec.index() : rep.index())
                    + " in what was logged (rec " + rec + ", rep " + rep + ")");
        }
        String logs = !bothLogs ? "" : logsDiffer ? "the logs differ only after guest instruction " + hi + "; "
                : "the logs are the same; ";
        if (tlb) {
            for (WatchEvent w : writes) {
                if (!w.what().startsWith("tlb")) continue;
                for (String f : w.backtrace()) {
                    for (String fn : RANDOM_INDEX_PATH) {
                        if (f.contains(fn)) {
                            return new Cause(Cause.Kind.UNLOGGED_STATE, logs + "the TLB differs, and " + w
                                    + ": tlbwr writes the entry cpu_mips_get_random (hw/mips/cputimer.c) picks from its static seed,"
                                    + " which neither the snapshot nor the nondet log holds");
                        }
                    }
                }
            }
        }
        WatchEvent one = firstOneSided(writes);
        if (one != null) {
            String evidence = logs + one + ", which " + (one.side().equals("rec") ? "rep" : "rec") + " made nowhere";
            if (interruptDelivery(one)) return new Cause(Cause.Kind.INTERRUPT, evidence + " (in the code that delivers an interrupt)");
            if (one.what().startsWith("tlb")) return new Cause(Cause.Kind.TRANSLATION, evidence);
            if (one.what().startsWith("ram")) return new Cause(Cause.Kind.RAM, evidence);
            return new Cause(Cause.Kind.REGISTER, evidence);
        }
        if (tlb) return new Cause(Cause.Kind.TRANSLATION, logs + "the TLB differs at guest instruction " + hi);
        if (boundaries != null) return new Cause(Cause.Kind.TB_BOUNDARY, logs + boundaries + "; " + chaining(boundaries));
        return new Cause(Cause.Kind.UNKNOWN, logs + "nothing logged differs up to guest instruction " + hi);
    }

    /**
     * Why nothing inside that span was seen: the search compares the sides only where both begin a
     * TB. PANDA chains TBs while recording (cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`)
     * unless run with -d nochain.
     */
    private static String chaining(TbBoundaries b) {
        return "the sides were compared only at the TB boundaries both have, so what " + b.side() + " did inside its TB"
                + (b.chained() ? " or chain of TBs" : "") + " through " + b.at() + " was not seen"
                + (b.chained() ? " (PANDA chains TBs while recording unless run with -d nochain)" : "");
    }

    /** The earliest write one side made and the other did not (same location, value and count), or null. */
    static WatchEvent firstOneSided(List<WatchEvent> writes) {
        WatchEvent first = null;
        for (WatchEvent w : writes) {
            boolean matched = false;
            for (WatchEvent o : writes) {
                if (!o.side().equals(w.side()) && o.instr() == w.instr() && o.sameAs(w)) {
                    matched = true;
                    break;
                }
            }
            if (!matched && (first == null || w.instr() < first.instr())) first = w;
        }
        return first;
    }

    /**
     * Host functions that deliver an interrupt to the guest: QEMU's cpu_handle_interrupt and each
     * target's *_cpu_do_interrupt, mini-PANDA's mp_irq_raise and mp_take_interrupt.
     */
    static final List<String> INTERRUPT_DELIVERY = List.of("cpu_handle_interrupt", "do_interrupt", "mp_irq_raise", "mp_take_interrupt");

    private static final java.util.regex.Pattern FRAME_FUNCTION = java.util.regex.Pattern.compile("^#\\d+\\s+(?:0x[0-9a-f]+ in )?([A-Za-z_][\\w.]*)");

    private static boolean interruptDelivery(WatchEvent w) {
        for (String f : w.backtrace()) {
            java.util.regex.Matcher m = FRAME_FUNCTION.matcher(f.strip());
            if (!m.find()) continue;
            String name = m.group(1);
            for (String fn : INTERRUPT_DELIVERY) if (name.equals(fn) || name.endsWith("_" + fn)) return true;
        }
        return false;
    }

    /** For the JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lines", lines);
        m.put("cause", cause.kind().words);
        m.put("evidence", cause.evidence());
        m.put("firstDifferingItem", firstDifference);
        if (host != null) m.put("hostDifference", host.toMap());
        return m;
    }

    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
