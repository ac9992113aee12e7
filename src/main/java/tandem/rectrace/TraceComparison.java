// Where a replay trace first leaves the record trace of the run it replays, and what differs.
package tandem.rectrace;

import tandem.panda.trace.TraceException;
import tandem.panda.trace.TraceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The comparison of a record trace with a replay trace, TB by TB, at the counts where the record
 * run began a TB. A replay begins a TB almost wherever the record run did, and more: PANDA cuts a
 * TB short in a replay where the log has an interrupt (target/mips/translate.c), so counts where
 * only the replay began a TB are passed over, and so are counts where only the record run began
 * one when both begin a TB at one count again within {@link #REALIGN_WITHIN} instructions (the
 * same code cut into other TBs). At each record TB compared: the replay must begin a TB at the
 * same count, and the summaries (PC and general registers; system registers; TLB) must agree.
 */
public final class TraceComparison {

    /** The groups of a TB entry's summary, in the plugin's bit order. */
    public enum Group {
        REGISTERS("PC and registers", 0x0000ffff),
        SYSTEM("system registers (CP0)", 0x00ff0000),
        TLB("TLB", 0xff000000);

        public final String label;
        final int mask;

        Group(String label, int mask) {
            this.label = label;
            this.mask = mask;
        }
    }

    /**
     * The first record TB where the replay differs.
     *
     * @param count        guest instruction count at which the record run began that TB
     * @param lastAgreed   the record TB before it, where both agreed (-1 if none)
     * @param groups       what differs there; empty when the replay began no TB at that count
     * @param replayTbAt   where the replay's TB across {@code count} began, when it began none at it, else -1
     * @param replayPc     when the replay began a TB inside a record TB at another PC than the
     *                     next instruction of that TB: its PC, else -1
     * @param expectedPc   that next instruction's PC, else -1
     */
    public record Divergence(long count, long lastAgreed, List<Group> groups, long replayTbAt, long replayPc, long expectedPc) {
        /** The replay went elsewhere inside a record TB (an exception the record run did not take, ...). */
        public boolean replayWentElsewhere() {
            return replayPc >= 0;
        }

        public boolean noReplayBoundary() {
            return groups.isEmpty();
        }
    }

    /**
     * @param divergence       the first differing TB, or null
     * @param firstByGroup     per group, the first record TB where it differs (until the replay
     *                         misses a record TB boundary, after which TBs no longer line up)
     * @param comparedTbs      record TBs compared
     * @param uncomparedTbs    record TBs passed over: the replay ran through their start inside one
     *                         TB of its own, and both runs began the next TB at one count
     * @param replayEndedAt    the replay's last TB count when it ended before the record run's last TB, else -1
     * @param recordLast       the record run's last TB count
     * @param replayRead       TB entries of the replay trace the comparison read (it stops once
     *                         every group differs somewhere)
     * @param replayReadTo     the count of the last of them, -1 if none
     */
    public record Result(Divergence divergence, Map<Group, Long> firstByGroup, long comparedTbs, long uncomparedTbs, long replayEndedAt, long recordLast,
                         long replayRead, long replayReadTo) {
        public boolean agreesToTheEnd() {
            return divergence == null && replayEndedAt < 0;
        }
    }

    private TraceComparison() {
    }

    /**
     * How far past a record TB the replay ran through (guest instructions) both runs must begin a
     * TB at one count again for the TBs in between to be passed over: QEMU's longest TB
     * (TCG_MAX_INSNS, tcg/tcg.h: 512 instructions).
     */
    static final long REALIGN_WITHIN = 512;

    /**
     * Checks that {@code rec} is the complete record trace of the recording {@code name} in
     * {@code dir} (NAME-rr-snp and NAME-rr-nondet.log as the record run left them). Throws a
     * TraceException saying what is wrong and what to do: a trace of a replay, a truncated trace
     * (the record run was killed, crashed or is still running), a run that ended without
     * end_record, a full disk, or a trace of another recording.
     */
    public static void checkBelongs(TraceFile rec, Path dir, String name) {
        if (!rec.isRecord()) throw new TraceException(rec.path + " is a replay trace, not a record trace (a record trace is what the record run wrote: NAME-tandem-trace)");
        long last = rec.lastCount();
        if (rec.trailer == null) {
            throw new TraceException(rec.path + " is truncated: it ends at guest instruction " + last + " without the trailer the record run writes "
                    + "at end_record (the record run was killed, crashed or is still running). Its recording cannot be trusted either: record again");
        }
        if (rec.trailer.how() == TraceFile.END_UNFINISHED) {
            throw new TraceException(rec.path + ": the record run ended without end_record (at guest instruction " + last + "), so "
                    + name + "-rr-nondet.log is incomplete: record again, ending with end_record");
        }
        if (rec.trailer.how() == TraceFile.END_DISK_FULL) {
            throw new TraceException(rec.path + ": the disk filled while recording; the trace ends at guest instruction " + last
                    + " of a longer recording: free some space and record again");
        }
        Path snp = dir.resolve(name + "-rr-snp"), log = dir.resolve(name + "-rr-nondet.log");
        try {
            if (!Files.isRegularFile(snp) || !Files.isRegularFile(log)) {
                throw new TraceException("no recording " + name + " in " + dir + " (" + (Files.isRegularFile(snp) ? log : snp) + " is missing) for the record trace " + rec.path);
            }
            long snpSize = Files.size(snp), logSize = Files.size(log);
            long logHead;
            try (var in = Files.newInputStream(log)) {
                byte[] b = in.readNBytes(8);
                logHead = b.length < 8 ? 0 : java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            }
            List<String> wrong = new ArrayList<>();
            if (snpSize != rec.trailer.snapshotSize()) wrong.add(snp.getFileName() + " is " + snpSize + " bytes, the trace's was " + rec.trailer.snapshotSize());
            else if (TraceFile.fileHash(snp) != rec.trailer.snapshotHash()) wrong.add(snp.getFileName() + " has other contents than the trace's");
            if (logSize != rec.trailer.logSize() || logHead != rec.trailer.logHead())
                wrong.add(log.getFileName() + " is " + logSize + " bytes recording " + logHead + " instructions, the trace's was "
                        + rec.trailer.logSize() + " bytes, " + rec.trailer.logHead() + " instructions");
            if (!wrong.isEmpty()) {
                throw new TraceException(rec.path + " is the record trace of another recording than " + name + " in " + dir + ": "
                        + String.join("; ", wrong) + " (give the trace its record run wrote, NAME-tandem-trace beside NAME-rr-snp)");
            }
        } catch (IOException e) {
            throw new TraceException("cannot read the recording " + name + " in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Compares a record trace with a replay trace of the same recording, reading both from their
     * files side by side (the traces are never held in memory), each once from its start: the
     * replay trace can be one followed while the replay writes it ({@link TraceFile#follow}).
     */
    public static Result compare(TraceFile rec, TraceFile rep) {
        return compare(rec, rep, agreed -> { });
    }

    /** Record TBs compared between two calls of {@code agreedTo}. */
    static final int PROGRESS_EVERY = 1 << 16;

    /**
     * {@link #compare(TraceFile, TraceFile)}, telling {@code agreedTo} now and then, while no
     * divergence is found yet, the count of the last record TB compared where both agree: the
     * runs agree at every record TB before it (the replay under gdb can go on to there).
     */
    public static Result compare(TraceFile rec, TraceFile rep, LongConsumer agreedTo) {
        if (!rec.target.equals(rep.target)) {
            throw new TraceException("the record trace is of a " + rec.target + " guest, the replay trace of a " + rep.target + " guest");
        }
        Map<Group, Long> firstByGroup = new LinkedHashMap<>();
        Divergence first = null;
        long lastAgreed = -1;
        long compared = 0, uncompared = 0;
        long replayEndedAt = -1;
        long recordLast = rec.lastCount();
        int step = instructionBytes(rec.target);
        boolean pcs = rep.hasPcs();
        try (TraceFile.Entries re = rec.entries(); TraceFile.Entries pe = rep.entries()) {
            Ahead r = new Ahead(re), p = new Ahead(pe);
            // the count of the replay's TB before its current one (-1 at its first)
            long repBefore = -1;
            // the replay TB that began where the record run's last compared TB did, for the PC check
            boolean matched = false;
            long matchedPc = -1, matchedAt = -1;
            for (; r.has(); r.advance()) {
                long c = r.count();
                while (p.has() && p.count() < c) {
                    // a TB the replay began inside the record run's TB at matchedAt: the same code
                    // going on (its PC that many instructions on) or the replay going elsewhere
                    long expected = matchedPc + step * (p.count() - matchedAt);
                    if (matched && pcs && step > 0 && p.pc() != expected) {
                        firstByGroup.putIfAbsent(Group.REGISTERS, p.count());
                        if (first == null) first = new Divergence(p.count(), lastAgreed, List.of(Group.REGISTERS), -1, p.pc(), expected);
                        return new Result(first, firstByGroup, compared, uncompared, -1, recordLast, p.read, p.last);
                    }
                    repBefore = p.count();
                    p.advance();
                }
                if (!p.has()) {
                    replayEndedAt = p.last;
                    break;
                }
                if (p.count() != c) {
                    // the replay ran across a count where the record run began a TB. Where both runs
                    // begin a TB at one count again soon after, that is the same code cut into other
                    // TBs: a TB the replay cut short at a logged event (cpu-exec.c retranslates it to
                    // end there) stays in QEMU's TB cache, so the replay later runs that code as the
                    // short TB and a TB from the next instruction on, which a limit on a TB's size cuts
                    // at another instruction than the record run's one translation (measured on
                    // x86_64: record TBs of 33 and 1 instructions, the replay's of 1 and 33). The TBs
                    // in between, begun by one run only, are not compared.
                    int ii = 0, jj = 0;
                    long a = r.countAhead(0), b = p.countAhead(0);
                    while (a >= 0 && b >= 0 && a != b && Math.max(a, b) - c <= REALIGN_WITHIN) {
                        if (a < b) a = r.countAhead(++ii);
                        else b = p.countAhead(++jj);
                    }
                    if (repBefore >= 0 && a >= 0 && a == b && a - c <= REALIGN_WITHIN) {
                        uncompared += ii;
                        // ii >= 1: the replay's TB was past c; the loop's own advance makes the last
                        for (int k = 1; k < ii; k++) r.advance();
                        for (int k = 0; k < jj; k++) {
                            repBefore = p.count();
                            p.advance();
                        }
                        continue;
                    }
                    // otherwise TBs no longer line up, so the comparison ends
                    if (first == null) first = new Divergence(c, lastAgreed, List.of(), repBefore, -1, -1);
                    break;
                }
                compared++;
                matched = true;
                matchedPc = p.pc();
                matchedAt = c;
                int x = r.summary() ^ p.summary();
                if (x == 0) {
                    if (first == null) {
                        lastAgreed = c;
                        if (compared % PROGRESS_EVERY == 0) agreedTo.accept(c);
                    }
                    continue;
                }
                List<Group> groups = new ArrayList<>();
                for (Group g : Group.values()) {
                    if ((x & g.mask) != 0) {
                        groups.add(g);
                        firstByGroup.putIfAbsent(g, c);
                    }
                }
                if (first == null) first = new Divergence(c, lastAgreed, List.copyOf(groups), -1, -1, -1);
                if (firstByGroup.size() == Group.values().length) break;
            }
            return new Result(first, firstByGroup, compared, uncompared, replayEndedAt, recordLast, p.read, p.last);
        }
    }

    /**
     * A trace's entries with a look ahead for realigning: the current entry straight from the
     * cursor, and the entries after it kept only while a realignment looks past it.
     */
    private static final class Ahead {
        private final TraceFile.Entries e;
        private final java.util.ArrayDeque<TraceFile.Entry> later = new java.util.ArrayDeque<>();
        private boolean has;
        private long count, pc;
        private int summary;
        /** Entries made current so far, and the count of the last of them (-1 before the first). */
        long read, last = -1;

        Ahead(TraceFile.Entries e) {
            this.e = e;
            advance();
        }

        boolean has() { return has; }
        long count() { return count; }
        long pc() { return pc; }
        int summary() { return summary; }

        void advance() {
            TraceFile.Entry n = later.pollFirst();
            if (n != null) {
                count = n.count();
                pc = n.pc();
                summary = n.summary();
            } else {
                has = e.next();
                if (!has) return;
                count = e.count();
                pc = e.pc();
                summary = e.summary();
            }
            read++;
            last = count;
        }

        /** The count k entries on (0: the current one), or -1 past the trace's end. */
        long countAhead(int k) {
            if (!has) return -1;
            if (k == 0) return count;
            while (later.size() < k) {
                if (!e.next()) return -1;
                later.addLast(e.entry());
            }
            return later.stream().skip(k - 1).findFirst().orElseThrow().count();
        }
    }

    /**
     * Bytes per guest instruction where every instruction has one size (MIPS: 4, so an
     * instruction N on in a TB is at its PC + 4N), else 0: no PC check for the replay's own TBs.
     */
    static int instructionBytes(String target) {
        return target.startsWith("mips") ? 4 : 0;
    }

    /** The record run's TLB at {@code count} (before the TB there ran): entry index -> words (VPN, PageMask, ASID, flags, PFN0, PFN1). */
    public static Map<Integer, long[]> tlbAt(TraceFile t, long count) {
        return t.tlbAt(count);
    }

    /** The last full record at or before {@code count}, or null. */
    public static TraceFile.Full fullAtOrBefore(TraceFile t, long count) {
        return t.fullAtOrBefore(count);
    }
}
