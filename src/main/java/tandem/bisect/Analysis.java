// What differs at the bracket, and which write made it differ: registers by name, guest-physical
// RAM ranges (crc32 halving down to 4 bytes), the TLB, the PC; then, from the last equal count,
// hardware watchpoints (x86 has 4 debug registers: groups of 4) on what differs, on both sides,
// up to the first differing count, and the first write one side made that the other did not.
package tandem.bisect;

import tandem.debugger.Breakpoint;
import tandem.debugger.DebuggerException;
import tandem.debugger.OpStats;
import tandem.debugger.Stop;
import tandem.panda.Arch;
import tandem.panda.Both;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;
import tandem.panda.Registers;
import tandem.panda.Translation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class Analysis {
    private static final int HW_WATCHPOINTS = 4;
    private static final int MAX_MEMORY_RANGES = 64;
    private static final int MAX_EVENTS = 200;

    private final Search b;
    private final Side rec;
    private final Side rep;

    Analysis(Search b) {
        this.b = b;
        this.rec = b.rec();
        this.rep = b.rep();
    }

    Divergence at(long lastEqual, long firstDiverged) {
        // both sides at lastEqual, and what differs at firstDiverged known: watch on the way there,
        // rather than going back to lastEqual afterwards (a run from the start where that re-executes)
        List<Location> fromEqual = b.watchFromEqual();
        Both<List<WatchEvent>> watchedAhead = null;
        List<Location> aheadGroup = fromEqual == null ? List.of() : fromEqual.subList(0, Math.min(HW_WATCHPOINTS, fromEqual.size()));
        if (!aheadGroup.isEmpty() && rec.lastSeen() == lastEqual && rep.lastSeen() == lastEqual && lastEqual >= 0) {
            OpStats.phase("5a analysis watch ahead");
            watchedAhead = b.both(s -> watch(s, aheadGroup, lastEqual, firstDiverged));
        }
        Search.Probe p = b.probe(firstDiverged, true, false, false);
        if (p == null || p.instr() != firstDiverged) {
            throw new PandaException("can't get both sides back to guest instruction " + firstDiverged
                    + (p == null ? ": a side ends before it (" + b.endedSides() + ")" : ": they meet at " + p.instr()));
        }
        if (p.same() && b.fromTraces) {
            b.note("under gdb rec and rep agree at " + firstDiverged + " (registers, TLB, RAM), where the traced replays differed: what differs"
                    + " there is outside what gdb compares (the plugin hashes the system registers too), or the replays are not deterministic");
        }
        OpStats.phase("5b analysis regs+ram");
        Both<Registers> regs = b.both(s -> s.session.regs());
        List<RegisterDiff> regDiffs = registerDiffs(regs);
        boolean tlb = p.rec().tlb() != null && !p.rec().tlb().equals(p.rep().tlb());
        List<MemoryRange> memory = new ArrayList<>();
        if (!p.rec().ram().equals(p.rep().ram())) {
            long size = rec.session.ramSize();
            memory = differingRam(0, size);
        }
        OpStats.phase("5c analysis disas+v2p+bt");
        long recPc = regs.rec().get("pc"), repPc = regs.rep().get("pc");
        Both<String> disas = b.both(s -> safe(() -> s.session.disas()));
        List<String> v2p = new ArrayList<>();
        Both<String> pcs = b.both(s -> safe(() -> s.session.v2p(s == rec ? recPc : repPc).toString()));
        v2p.add("rec pc " + pcs.rec());
        v2p.add("rep pc " + pcs.rep());
        for (RegisterDiff r : regDiffs) {
            if (r.name().equals("pc")) continue;
            Both<String> t = b.both(s -> safe(() -> describe(s.session.v2p(s == rec ? r.rec() : r.rep()))));
            if (t.rec().contains("->") && !t.rec().endsWith("unmapped") || t.rep().contains("->") && !t.rep().endsWith("unmapped")) {
                v2p.add("rec " + r.name() + " " + t.rec());
                v2p.add("rep " + r.name() + " " + t.rep());
            }
        }
        Both<List<String>> bt = b.both(Side::backtrace);
        List<String> recBt = bt.rec(), repBt = bt.rep();
        String cause = "";
        List<WatchEvent> events = new ArrayList<>();
        if (lastEqual < 0) {
            b.note("rep differs already at the first TB after record/replay began: nothing earlier to watch from");
        } else {
            OpStats.phase("5d analysis watch");
            List<Location> where = locations(regDiffs, tlb, memory);
            List<List<Location>> groups = new ArrayList<>();
            for (int i = 0; i < where.size() && groups.size() < b.opts().maxWatchGroups(); i += HW_WATCHPOINTS) {
                groups.add(where.subList(i, Math.min(where.size(), i + HW_WATCHPOINTS)));
            }
            Both<ArmedWatch> swept = b.sweptWatch();
            Both<List<WatchEvent>> ahead = watchedAhead;
            for (List<Location> group : groups) {
                // the sweep that found these counts, or the way from lastEqual, watched this group already
                // the same locations at the same host addresses (found again in this process, after any re-execution)
                boolean watched = swept != null && swept.rec().group.containsAll(group);
                boolean watchedOnTheWay = ahead != null && aheadGroup.containsAll(group);
                Both<List<WatchEvent>> seen = watched
                        ? new Both<>(only(swept.rec().since(lastEqual), group), only(swept.rep().since(lastEqual), group))
                        : watchedOnTheWay ? new Both<>(only(ahead.rec(), group), only(ahead.rep(), group))
                        : b.both(s -> watch(s, group, lastEqual, firstDiverged));
                events.addAll(seen.rec());
                events.addAll(seen.rep());
                WatchEvent[] first = firstDifference(seen.rec(), seen.rep());
                if (first != null) {
                    WatchEvent r = first[0], q = first[1];
                    WatchEvent mover = q != null ? q : r;
                    WatchEvent other = mover == q ? r : q;
                    String otherSide = mover.side().equals("rep") ? "rec" : "rep";
                    cause = "saw behavior in " + mover.side() + " not seen in " + otherSide + ": " + mover
                            + (other == null ? "; " + otherSide + " made no such write" : "; " + other);
                    if (r != null) recBt = r.backtrace();
                    if (q != null) repBt = q.backtrace();
                    break;
                }
            }
            if (cause.isEmpty() && !where.isEmpty()) {
                b.note("the watchpoints saw the same writes on both sides: what differs was not written by a watched location's store"
                        + " (watched: " + where.stream().limit((long) HW_WATCHPOINTS * b.opts().maxWatchGroups()).map(Location::name).toList() + ")");
            }
        }
        List<String> names = new ArrayList<>();
        regDiffs.forEach(r -> names.add(r.name()));
        return new Divergence(true, b.lo(), b.hi() >= 0 ? b.hi() : firstDiverged, lastEqual, firstDiverged,
                names, regDiffs, memory, tlb, recPc, repPc, recBt, repBt, disas.rec(), disas.rep(), v2p, cause,
                events, b.notes(), b.probes(), b.stops(), b.elapsedMillis(), b.instrMax(b.hi() >= 0 ? b.hi() : firstDiverged),
                b.sync.chained());
    }

    private static String describe(Translation t) {
        return t.toString();
    }

    private static String safe(java.util.function.Supplier<String> f) {
        try {
            return f.get();
        } catch (RuntimeException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    // ---- RAM ----

    /**
     * The 4-byte RAM words that differ between the sides, adjacent ones merged: crc32 of FAN_OUT
     * parts of a range on both sides at once, down into the parts that differ, and below
     * READ_BELOW bytes the bytes themselves, read once per side and compared here. Halving all the
     * way down cost 27 levels of calls into each process; this costs some 4 levels.
     */
    List<MemoryRange> differingRam(long offset, long length) {
        List<MemoryRange> words = new ArrayList<>();
        find(offset, length, words, MAX_MEMORY_RANGES);
        if (words.size() >= MAX_MEMORY_RANGES) b.note("more than " + MAX_MEMORY_RANGES + " RAM words differ: listing the first ones");
        return merged(words);
    }

    /** differingRam, or null when more than maxWords words differ. */
    List<MemoryRange> differingRam(long offset, long length, int maxWords) {
        List<MemoryRange> words = new ArrayList<>();
        find(offset, length, words, maxWords + 1);
        return words.size() > maxWords ? null : merged(words);
    }

    private static final int FAN_OUT = 16;
    private static final long READ_BELOW = 64 * 1024;

    private void find(long offset, long length, List<MemoryRange> out, int max) {
        if (out.size() >= max || length <= 0) return;
        if (length <= READ_BELOW) {
            Both<byte[]> bytes = b.both(s -> s.gdb.readMemory(s.session.ramPointer() + offset, (int) length));
            for (int i = 0; i < length && out.size() < max; i += 4) {
                int n = (int) Math.min(4, length - i);
                if (!Arrays.equals(bytes.rec(), i, i + n, bytes.rep(), i, i + n)) out.add(new MemoryRange(offset + i, n));
            }
            return;
        }
        // parts of whole words, so every word found is one of guest RAM's aligned words
        long part = ((length + FAN_OUT - 1) / FAN_OUT + 3) & ~3L;
        for (long at = offset; at < offset + length && out.size() < max; at += part) {
            long from = at, n = Math.min(part, offset + length - at);
            Both<Long> crc = b.both(s -> s.session.ramCrc(from, n));
            if (!crc.rec().equals(crc.rep())) find(from, n, out, max);
        }
    }

    private static List<MemoryRange> merged(List<MemoryRange> words) {
        List<MemoryRange> merged = new ArrayList<>();
        for (MemoryRange r : words) {
            if (!merged.isEmpty() && merged.get(merged.size() - 1).end() == r.start()) {
                MemoryRange last = merged.remove(merged.size() - 1);
                merged.add(new MemoryRange(last.start(), last.length() + r.length()));
            } else {
                merged.add(r);
            }
        }
        return merged;
    }

    // ---- watching ----

    private List<Location> locations(List<RegisterDiff> regs, boolean tlb, List<MemoryRange> memory) {
        return locations(regs, memory, tlb ? tlbWords() : List.of());
    }

    private List<Location> locations(List<RegisterDiff> regs, List<MemoryRange> memory, List<Location> tlbWords) {
        List<Location> where = new ArrayList<>();
        Arch arch = rec.session.arch();
        for (RegisterDiff r : regs) {
            String expr = expression(arch, r.name());
            if (expr == null) continue;
            Both<Long> addr = b.both(s -> s.gdb.evaluateUnsigned("&" + expr));
            int size = (int) rec.gdb.evaluateUnsigned("sizeof(" + expr + ")");
            where.add(new Location(r.name(), addr.rec(), addr.rep(), Math.min(size, 8)));
        }
        for (MemoryRange m : memory) {
            for (long a = m.start(); a < m.end() && where.size() < 64; a += 4) {
                long at = a;
                Both<Long> host = b.both(s -> s.session.ramPointer() + at);
                where.add(new Location(String.format("ram 0x%x", at), host.rec(), host.rep(), 4));
            }
        }
        where.addAll(tlbWords);
        return where;
    }

    /** The TLB words that differ (MIPS: env->tlb->mmu.r4k.tlb[]), found by reading both copies. */
    private List<Location> tlbWords() {
        List<Location> out = new ArrayList<>();
        if (rec.session.arch() != Arch.MIPS) return out;
        try {
            String base = rec.session.arch().field("tlb->mmu.r4k.tlb");
            Both<Long> addr = b.both(s -> s.gdb.evaluateUnsigned("&" + base + "[0]"));
            int entry = (int) rec.gdb.evaluateUnsigned("sizeof(" + base + "[0])");
            int n = (int) rec.gdb.evaluateUnsigned(rec.session.arch().tlbCount());
            Both<byte[]> mem = b.both(s -> s.gdb.readMemory(s == rec ? addr.rec() : addr.rep(), entry * n));
            out = differingTlbWords(mem.rec(), mem.rep(), addr.rec(), addr.rep(), entry);
        } catch (DebuggerException e) {
            b.note("can't read the TLB entries to watch them: " + e.getMessage());
        }
        return out;
    }

    /** The 4-byte words (at most 16) in which two copies of the TLB entries differ, each entry {@code entry} bytes. */
    private static List<Location> differingTlbWords(byte[] recBytes, byte[] repBytes, long recAddress, long repAddress, int entry) {
        List<Location> out = new ArrayList<>();
        for (int off = 0; off + 4 <= Math.min(recBytes.length, repBytes.length) && out.size() < 16; off += 4) {
            boolean differs = false;
            for (int k = 0; k < 4; k++) differs |= recBytes[off + k] != repBytes[off + k];
            if (differs) out.add(new Location("tlb[" + off / entry + "]+" + off % entry, recAddress + off, repAddress + off, 4));
        }
        return out;
    }

    /**
     * The locations {@link #at} would watch, from bytes a trace read on each side at the first
     * differing TB (Side.traceGroups: the register array and the PC, then the TLB entries): for the
     * watch on the way there from the last equal TB, where both sides stand after a run back. RAM
     * is not traced; registers beyond the array (Arch.extraRegisters) are not either.
     */
    List<Location> watchLocationsFrom(byte[][] recBytes, byte[][] repBytes) {
        Arch arch = rec.session.arch();
        List<List<long[]>> recGroups = rec.traceGroups(), repGroups = rep.traceGroups();
        long[] regs = recGroups.get(0).get(0), pc = recGroups.get(0).get(1);
        int regsLength = (int) regs[1], pcLength = (int) pc[1];
        List<RegisterDiff> diffs = new ArrayList<>();
        if (differs(recBytes[0], repBytes[0], regsLength, pcLength)) {
            diffs.add(new RegisterDiff("pc", littleEndian(recBytes[0], regsLength, pcLength), littleEndian(repBytes[0], regsLength, pcLength)));
        }
        List<String> names = arch.registerNames();
        if (!names.isEmpty() && regsLength % names.size() == 0) {
            int size = regsLength / names.size();
            for (int i = 0; i < names.size(); i++) {
                if (differs(recBytes[0], repBytes[0], i * size, size)) {
                    diffs.add(new RegisterDiff(names.get(i), littleEndian(recBytes[0], i * size, size), littleEndian(repBytes[0], i * size, size)));
                }
            }
        }
        List<long[]> extras = rec.extraBlocks();
        if (!extras.isEmpty()) {
            // the last group: the extra registers, one block each, in Arch.extraRegisters' order
            byte[] r = recBytes[recBytes.length - 1], q = repBytes[repBytes.length - 1];
            int off = 0, k = 0;
            for (String name : arch.extraRegisters().keySet()) {
                int size = (int) extras.get(k++)[1];
                if (differs(r, q, off, size)) diffs.add(new RegisterDiff(name, littleEndian(r, off, size), littleEndian(q, off, size)));
                off += size;
            }
        }
        List<Location> tlb = List.of();
        // the TLB entries are the second group when tandem hashes a TLB (Side.traceGroups)
        if (rec.session.hasTlbHash() && recBytes.length > 1 && repBytes.length > 1 && arch == Arch.MIPS) {
            int entry = (int) rec.gdb.evaluateUnsigned("sizeof(" + arch.field("tlb->mmu.r4k.tlb") + "[0])");
            tlb = differingTlbWords(recBytes[1], repBytes[1], recGroups.get(1).get(0)[0], repGroups.get(1).get(0)[0], entry);
        }
        return locations(diffs, List.of(), tlb);
    }

    private static boolean differs(byte[] a, byte[] b, int from, int length) {
        for (int i = from; i < from + length; i++) if (a[i] != b[i]) return true;
        return false;
    }

    /** An unsigned value of up to 8 bytes, host order (x86-64: little-endian). */
    private static long littleEndian(byte[] bytes, int from, int length) {
        long v = 0;
        for (int i = Math.min(length, 8) - 1; i >= 0; i--) v = (v << 8) | (bytes[from + i] & 0xff);
        return v;
    }

    /**
     * Where both sides stand now (a count at which they differ): the first group of locations
     * {@link #at} would watch, from the registers and TLB words that differ here (RAM is not
     * compared here: a crc32 of all RAM per side costs more than the watch saves).
     */
    List<Location> firstWatchGroupHere(List<MemoryRange> ramFocus) {
        List<Location> where;
        if (ramFocus == null) {
            where = watchLocationsHere(false);
        } else {
            // a search on RAM words: those of them that differ here, as at() finds them in all of RAM
            List<MemoryRange> memory = new ArrayList<>();
            for (MemoryRange r : ramFocus) memory.addAll(differingRam(r.start(), r.length()));
            where = locations(registerDiffsHere(), rec.session.arch().hasSoftwareTlb() && rec.hasTlbHash(), memory);
        }
        return where.subList(0, Math.min(HW_WATCHPOINTS, where.size()));
    }

    private List<RegisterDiff> registerDiffsHere() {
        return registerDiffs(b.both(s -> s.session.regs()));
    }

    private static List<RegisterDiff> registerDiffs(Both<Registers> regs) {
        List<RegisterDiff> regDiffs = new ArrayList<>();
        regs.rec().diff(regs.rep()).forEach((name, v) -> regDiffs.add(new RegisterDiff(name, v[0], v[1])));
        return regDiffs;
    }

    /**
     * The locations {@link #at} would watch, in its order, from what differs where both sides
     * stand now: registers, RAM words (with {@code ram}: found by crc32 of ranges) and TLB words.
     */
    List<Location> watchLocationsHere(boolean ram) {
        List<MemoryRange> memory = ram ? differingRam(0, rec.session.ramSize()) : List.of();
        return locations(registerDiffsHere(), rec.session.arch().hasSoftwareTlb() && rec.hasTlbHash(), memory);
    }

    /** The writes to the locations of {@code group}. */
    private static List<WatchEvent> only(List<WatchEvent> events, List<Location> group) {
        List<String> in = group.stream().map(Location::name).toList();
        return events.stream().filter(e -> in.contains(e.what())).toList();
    }

    private static String expression(Arch arch, String register) {
        if (register.equals("pc")) return arch.pcExpression();
        int i = arch.registerNames().indexOf(register);
        if (i >= 0) return arch.registerExpression(i);
        String field = arch.extraRegisters().get(register);
        return field == null ? null : arch.field(field);
    }

    /**
     * From the last equal count to the first differing one on one side, every write to the group's
     * locations, with the code that made it.
     */
    private List<WatchEvent> watch(Side s, List<Location> group, long from, long until) {
        // no checkpoint kept here: the search is over once the watch has run
        if (!s.moveTo(from, false)) return new ArrayList<>();
        try (ArmedWatch w = new ArmedWatch(s.session, s == rec, group)) {
            Breakpoint stop = s.gdb.breakAt(PandaNames.EXEC_TB, PandaNames.INSTR_COUNT + " >= " + until);
            try {
                while (w.seen().size() < MAX_EVENTS) {
                    if (s.session.interrupted()) throw new PandaException(s.name + ": interrupted");
                    Stop st = s.gdb.cont(b.opts().moveLimit());
                    if (st.reason() == Stop.Reason.INTERRUPTED) throw new PandaException(s.name + ": interrupted");
                    if (st.exited() || st.reason() == Stop.Reason.SIGNAL_RECEIVED) break;
                    if (st.reason() != Stop.Reason.WATCHPOINT_TRIGGER) break; // the stop at `until`
                    w.triggered(from, 8);
                }
            } finally {
                try {
                    s.gdb.delete(stop.number());
                } catch (DebuggerException ignored) {
                    // the process may be gone; its breakpoints with it
                }
            }
            return w.since(from);
        }
    }

    /** The first write one side made that the other side did not make the same way: {rec's, rep's}. */
    private static WatchEvent[] firstDifference(List<WatchEvent> r, List<WatchEvent> q) {
        for (int i = 0; i < Math.max(r.size(), q.size()); i++) {
            WatchEvent x = i < r.size() ? r.get(i) : null, y = i < q.size() ? q.get(i) : null;
            if (x == null || !x.sameAs(y)) return new WatchEvent[]{x, y};
        }
        return null;
    }
}
