// A record trace or replay trace written by tandem's PANDA plugin tandem_trace
// (src/main/panda/tandem_trace/tandem_trace.c): its header, one entry per TB, full records, TLB
// changes and trailer. The format's one description for Java; the C side has the same numbers.
package tandem.panda.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A trace file, read from disk as it is needed: opening it reads it through once (its header, its
 * trailer, how many TB entries it has, and an index of its periods), and what lies between is read
 * again from the file on demand, so a trace of any size is read in bounded memory (about 40 bytes
 * per period of 2^17 guest instructions, and one TLB copy per {@value #SEGMENT_BYTES} bytes of trace).
 * Layout (little-endian, x86-64 hosts): a {@value #HEADER_SIZE}-byte
 * header ("TANDEMTT", version, header size, mode 1 record / 2 replay, period log2, register count,
 * index of the first system register, words per TLB entry, the first count, target name [16],
 * nondet log path [192], PANDA executable [256], at byte 496 the committed
 * length: the bytes of the file that are final while the run still writes it), then items, each
 * starting with a tag byte:
 * <ul>
 * <li>0x01..0xEF: a TB entry whose count is the previous entry's plus (tag - 1), then a u32
 *     summary (bits 0-15: PC and general registers, 16-23: system registers, 24-31: TLB);</li>
 * <li>0xF0: the same with the count delta as a u32 after the tag;</li>
 * <li>0xF1 full record, 0xF2 trailer, 0xF3 TLB entry, 0xF4 the next TB entry's PC (replay traces
 *     only: a u64): a u16 length, then the body;</li>
 * <li>0x00: the end of the data (a run killed before its trailer leaves a zero tail).</li>
 * </ul>
 * Entries are kept as the last one at each count (the plugin already joins consecutive entries at
 * one (pc, count); two TBs at one count are a TB whose first instruction raised an exception and
 * the handler's TB: the second is the one that ran). The plugin writes a full record right before
 * the first TB entry of each period, after that TB's TLB changes: a full record is where reading
 * can begin again without what came before but the previous entry's count and the TLB.
 */
public final class TraceFile {
    public static final byte[] MAGIC = "TANDEMTT".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 2, HEADER_SIZE = 512;
    public static final int MODE_RECORD = 1, MODE_REPLAY = 2;
    /** Trailer: how the run ended. */
    public static final int END_COMPLETE = 1, END_UNFINISHED = 2, END_DISK_FULL = 3;
    static final int TAG_LONG = 0xF0, TAG_FULL = 0xF1, TAG_TRAILER = 0xF2, TAG_TLB = 0xF3, TAG_PC = 0xF4;
    /** Bytes read from the file at a time; the least holds the longest item (a u16 length, the tag and the length). */
    static final int BUFFER_BYTES = 1 << 20, MIN_BUFFER_BYTES = 3 + 0xffff;
    /** Bytes of trace between the TLB copies of the index: a TLB is at most that far to read. */
    static final long SEGMENT_BYTES = 16L << 20;

    /** PC and registers at a TB: the plugin's full record, written at the first TB of each period. */
    public record Full(long count, long pc, long[] regs, long regsHash, long sysHash, long tlbHash) {}

    /** A TLB entry's new contents, in force from the TB entry at {@code count} on. */
    public record TlbChange(long count, int index, long[] words) {}

    /** The trailer; snapshot and log fields are 0 in a replay trace. */
    public record Trailer(int how, long lastCount, long entries, long snapshotSize, long snapshotHash,
                          long logSize, long logHead) {}

    /**
     * A TB entry: its place among the trace's entries (0 the first), the guest instruction count
     * before the TB ran, its summary, and its PC (a replay trace; -1 in a record trace).
     */
    public record Entry(long index, long count, int summary, long pc) {}

    public final Path path;
    public final int mode, periodLog2, registerCount, systemFrom, tlbFields;
    public final long firstCount;
    public final String target, nondetLog, executable;
    /** Null when the run left none (killed, aborted, or still running). */
    public final Trailer trailer;

    private final int headerSize, bufferBytes;
    private final long size;
    /** Following a trace still written; null: the file is whole. */
    private final CommittedLength following;
    private final long entryCount, lastEntryCount;
    private final boolean hasPcs;
    /**
     * The index: row 0 is the start of the data, each further row a full record that a TB entry
     * follows: its byte offset, the count of its TB (the first entry read from there), the count
     * of the entry before it and how many entries come before.
     */
    private final long[] rowOffset, rowCount, rowPrevCount, rowEntries;
    private final int rows;
    /** Rows that carry the TLB as it is at their count (row 0 and one per segment), and those TLBs. */
    private final int[] tlbRows;
    private final List<Map<Integer, long[]>> tlbCopies;

    private TraceFile(Path path, FileChannel ch, int bufferBytes, long segmentBytes, BooleanSupplier writing) throws IOException {
        this.path = path;
        this.bufferBytes = bufferBytes;
        following = writing == null ? null : new CommittedLength(writing, HEADER_SIZE);
        if (following != null) following.awaitHeader(ch);
        size = ch.size();
        if (size < HEADER_SIZE) throw new TraceException(path + " is not a tandem trace (" + size + " bytes, shorter than its header)");
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { }
        byte[] magic = new byte[8];
        b.get(0, magic);
        if (!Arrays.equals(magic, MAGIC)) throw new TraceException(path + " is not a tandem trace (it does not begin with TANDEMTT)");
        int version = b.getInt(8);
        if (version != VERSION) throw new TraceException(path + " is a tandem trace of format " + version + "; this tandem reads " + VERSION);
        headerSize = b.getInt(12);
        if (headerSize < HEADER_SIZE) throw new TraceException(path + ": its header says it is " + headerSize + " bytes, less than " + HEADER_SIZE + ": the trace is damaged");
        mode = b.get(16);
        periodLog2 = b.get(17);
        registerCount = b.get(18) & 0xff;
        systemFrom = b.get(19) & 0xff;
        tlbFields = b.get(20) & 0xff;
        firstCount = b.getLong(24);
        target = string(b, 32, 16);
        nondetLog = string(b, 48, 192);
        executable = string(b, 240, 256);

        if (writing != null) {
            // no pass ahead of the reader: the trace is read once, as it is written
            rows = 1;
            rowOffset = new long[] {headerSize};
            rowCount = new long[] {firstCount};
            rowPrevCount = new long[] {firstCount};
            rowEntries = new long[] {0};
            tlbRows = new int[] {0};
            tlbCopies = List.of(Map.of());
            entryCount = -1;
            lastEntryCount = -1;
            hasPcs = mode == MODE_REPLAY;
            trailer = null;
            return;
        }
        // the one pass through the whole file: the index, the TLB copies, the trailer
        long[] offs = new long[1024], cnts = new long[1024], prevs = new long[1024], ents = new long[1024];
        int n = 1;
        offs[0] = headerSize;
        cnts[0] = firstCount;
        prevs[0] = firstCount;
        List<Integer> copyRows = new ArrayList<>(List.of(0));
        List<Map<Integer, long[]>> copies = new ArrayList<>();
        copies.add(Map.of());
        Map<Integer, long[]> tlb = new TreeMap<>();
        long lastCopyAt = headerSize;
        Scanner s = new Scanner(this, ch, headerSize, firstCount, 0);
        s.tlb = tlb;
        long fullAt = -1, fullPrev = 0, fullEntries = 0;
        Map<Integer, long[]> fullTlb = null;
        while (true) {
            int kind = s.item();
            if (kind == Scanner.END) break;
            if (kind == TAG_FULL) {
                fullAt = s.itemAt;
                fullPrev = s.count;
                fullEntries = s.entries;
                fullTlb = fullAt - lastCopyAt >= segmentBytes ? new TreeMap<>(tlb) : null;
            } else if (kind == Scanner.NEW_ENTRY && fullAt >= 0) {
                // the full record's TB entry came: a place to read from again
                if (n == offs.length) {
                    offs = Arrays.copyOf(offs, 2 * n); cnts = Arrays.copyOf(cnts, 2 * n);
                    prevs = Arrays.copyOf(prevs, 2 * n); ents = Arrays.copyOf(ents, 2 * n);
                }
                offs[n] = fullAt; cnts[n] = s.rawCount; prevs[n] = fullPrev; ents[n] = fullEntries;
                if (fullTlb != null) {
                    copyRows.add(n);
                    copies.add(fullTlb);
                    lastCopyAt = fullAt;
                }
                n++;
                fullAt = -1;
            } else if (kind == Scanner.NEW_ENTRY || kind == Scanner.JOINED_ENTRY) {
                fullAt = -1;
            }
        }
        s.finish();
        rows = n;
        rowOffset = Arrays.copyOf(offs, n);
        rowCount = Arrays.copyOf(cnts, n);
        rowPrevCount = Arrays.copyOf(prevs, n);
        rowEntries = Arrays.copyOf(ents, n);
        tlbRows = copyRows.stream().mapToInt(Integer::intValue).toArray();
        tlbCopies = List.copyOf(copies);
        entryCount = s.entries;
        lastEntryCount = s.entries == 0 ? firstCount : s.count;
        hasPcs = s.anyPc;
        trailer = s.trailer;
    }

    /** Reads {@code path}; a missing or unreadable file, or one that is not a trace, is a TraceException. */
    public static TraceFile read(Path path) {
        return read(path, BUFFER_BYTES, SEGMENT_BYTES);
    }

    /**
     * Follows the trace {@code path} while a run writes it ({@code writing} true while the run
     * may still write): its header is awaited, and its entries are read from the start as they
     * become final (the header's committed length), each once; once the run is over, to the
     * file's end. Nothing is read ahead, so {@link #entryCount()} and {@link #lastCount()} are
     * -1 and {@link #trailer} null: what a cursor read says how far it got. A TraceException if the
     * run ends without writing a header, or the file is not a trace.
     */
    public static TraceFile follow(Path path, BooleanSupplier writing) {
        try (FileChannel ch = open(path)) {
            return new TraceFile(path, ch, BUFFER_BYTES, SEGMENT_BYTES, writing);
        } catch (IOException e) {
            throw new TraceException("cannot read the trace " + path + ": " + e.getMessage());
        }
    }

    /** The end of what can be read now (waiting, for a trace followed while written, until {@code upto} is in it). */
    private long readableEnd(FileChannel ch, long upto) throws IOException {
        return following == null ? size : following.readableEnd(ch, upto);
    }

    /** {@link #read(Path)} reading {@code bufferBytes} at a time, with a TLB copy every {@code segmentBytes}: for specs. */
    static TraceFile read(Path path, int bufferBytes, long segmentBytes) {
        if (bufferBytes < MIN_BUFFER_BYTES) throw new IllegalArgumentException("a buffer of " + bufferBytes + " bytes is shorter than the longest item");
        try (FileChannel ch = open(path)) {
            return new TraceFile(path, ch, bufferBytes, segmentBytes, null);
        } catch (IOException e) {
            throw new TraceException("cannot read the trace " + path + ": " + e.getMessage());
        }
    }

    private static FileChannel open(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new TraceException("no trace at " + path);
        } catch (IOException e) {
            throw new TraceException("cannot read the trace " + path + ": " + e.getMessage());
        }
    }

    public boolean isRecord() {
        return mode == MODE_RECORD;
    }

    /** How many TB entries the trace has (the last at each count); -1 for a trace followed while written. */
    public long entryCount() {
        return entryCount;
    }

    /** The count of the last TB entry: the last guest instruction count the trace reached; the first count if it has none; -1 for a trace followed while written. */
    public long lastCount() {
        return lastEntryCount;
    }

    /** Whether the entries carry their PC (a replay trace). */
    public boolean hasPcs() {
        return hasPcs;
    }

    /** The file's size in bytes. */
    public long size() {
        return size;
    }

    /**
     * The TB entries from the first, read from the file as they are asked for; close it after
     * use. A TraceException if the file cannot be read again.
     */
    public Entries entries() {
        return new Entries(scanner(0));
    }

    /** The TB entries from the one the run was in at {@code count} (the last beginning at or before it; the first if none does). */
    public Entries entriesFrom(long count) {
        return new Entries(scanner(row(count)));
    }

    /** The TB the run was in at guest instruction {@code count}: the last entry beginning at or before it; null before the first. */
    public Entry entryAtOrBefore(long count) {
        Entry best = null;
        try (Entries e = entriesFrom(count)) {
            while (e.next() && e.count() <= count) best = e.entry();
        }
        return best;
    }

    /** The first TB entry beginning at or after guest instruction {@code count}; null if none does. */
    public Entry entryAtOrAfter(long count) {
        try (Entries e = entriesFrom(count)) {
            while (e.next()) if (e.count() >= count) return e.entry();
        }
        return null;
    }

    /** The last full record at or before {@code count}, read from the file; null if there is none. */
    public Full fullAtOrBefore(long count) {
        int r = row(count);
        if (r == 0) return null;
        try (Scanner s = scanner(r)) {
            if (s.item() != TAG_FULL) throw new TraceException(path + " changed while it was read: no full record at byte " + rowOffset[r]);
            return s.full;
        }
    }

    /**
     * The record run's TLB at {@code count} (before the TB there ran): entry index -> words
     * (VPN, PageMask, ASID, flags, PFN0, PFN1). A TLB change written before a TB entry is in force
     * from that entry's count on (one written after the last entry, from the last entry's).
     */
    public Map<Integer, long[]> tlbAt(long count) {
        int r = row(count);
        int k = Arrays.binarySearch(tlbRows, r);
        if (k < 0) k = -k - 2;
        Map<Integer, long[]> tlb = new TreeMap<>(tlbCopies.get(k));
        Map<Integer, long[]> pending = new TreeMap<>();
        try (Scanner s = scanner(tlbRows[k])) {
            s.tlb = pending;
            while (true) {
                int kind = s.item();
                if (kind == Scanner.END) break;
                if (kind == Scanner.NEW_ENTRY) {
                    if (s.rawCount > count) return tlb;
                    tlb.putAll(pending);
                    pending.clear();
                }
            }
        }
        // changes after the last entry: in force from its count
        if (lastEntryCount <= count) tlb.putAll(pending);
        return tlb;
    }

    /** The index row to read from for {@code count}: the last whose count is at or before it, else row 0. */
    private int row(long count) {
        int lo = 1, hi = rows - 1, best = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (rowCount[mid] <= count) { best = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return best;
    }

    private Scanner scanner(int row) {
        FileChannel ch = open(path);
        return new Scanner(this, ch, rowOffset[row], rowPrevCount[row], rowEntries[row]);
    }

    /** The trace's TB entries in order, read from the file a buffer at a time. */
    public static final class Entries implements AutoCloseable {
        private final Scanner s;
        private boolean pending, ended;
        private long index = -1, count, pc = -1;
        private int summary;
        private long nextIndex, nextCount, nextPc;
        private int nextSummary;

        private Entries(Scanner s) {
            this.s = s;
        }

        /** Moves to the next entry; false at the end of the trace. */
        public boolean next() {
            // an entry is complete once the next entry at another count (or the end) is read:
            // one at the same count replaces it
            while (!ended) {
                int kind = s.item();
                if (kind == Scanner.END) {
                    ended = true;
                    break;
                }
                if (kind == Scanner.JOINED_ENTRY) {
                    nextSummary = s.rawSummary;
                    nextPc = s.nextPc;
                } else if (kind == Scanner.NEW_ENTRY) {
                    boolean had = pending;
                    long i = nextIndex, c = nextCount, p = nextPc;
                    int sum = nextSummary;
                    pending = true;
                    nextIndex = s.entries - 1;
                    nextCount = s.rawCount;
                    nextSummary = s.rawSummary;
                    nextPc = s.nextPc;
                    if (had) {
                        set(i, c, sum, p);
                        return true;
                    }
                }
            }
            if (pending) {
                pending = false;
                set(nextIndex, nextCount, nextSummary, nextPc);
                return true;
            }
            return false;
        }

        private void set(long i, long c, int sum, long p) {
            index = i;
            count = c;
            summary = sum;
            pc = p;
        }

        public long index() { return index; }
        public long count() { return count; }
        public int summary() { return summary; }
        /** The entry's PC (a replay trace), else -1. */
        public long pc() { return pc; }
        public Entry entry() { return new Entry(index, count, summary, pc); }

        @Override
        public void close() {
            s.close();
        }
    }

    /**
     * Reads items from a byte offset on, given the count of the entry before it and how many
     * entries come before: a TB entry at a new count or at the count of the one before (which it
     * replaces), a full record, a TLB change (into {@code tlb}, if set), a PC, the trailer, or the end.
     */
    private static final class Scanner implements AutoCloseable {
        static final int END = -1, NEW_ENTRY = 1, JOINED_ENTRY = 2;
        private final TraceFile t;
        private final FileChannel ch;
        private final ByteBuffer buf;
        private long bufFrom;
        /** Offset of the next item, and of the one read last. */
        long pos, itemAt;
        /** The count of the last entry read, entries read (the last at each count once), the last raw entry. */
        long count, entries;
        long rawCount;
        int rawSummary;
        long nextPc = -1;
        boolean anyPc, ended;
        Full full;
        Trailer trailer;
        Map<Integer, long[]> tlb;

        Scanner(TraceFile t, FileChannel ch, long from, long prevCount, long entriesBefore) {
            this.t = t;
            this.ch = ch;
            buf = ByteBuffer.allocate(t.bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
            buf.limit(0);
            pos = from;
            count = prevCount;
            entries = entriesBefore;
        }

        /** Bytes [pos, pos + n) in the buffer; false when the file ends before them. */
        private boolean have(int n) {
            long rel = pos - bufFrom;
            if (rel >= 0 && rel + n <= buf.limit()) return true;
            try {
                long end = t.readableEnd(ch, pos + n);
                if (pos + n > end) return false;
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), end - pos));
                bufFrom = pos;
                while (buf.hasRemaining()) {
                    if (ch.read(buf, bufFrom + buf.position()) < 0) break;
                }
            } catch (IOException e) {
                throw new TraceException("cannot read the trace " + t.path + ": " + e.getMessage());
            }
            buf.flip();
            return buf.limit() >= n;
        }

        private int at() {
            return (int) (pos - bufFrom);
        }

        /** Reads the next item; returns its kind (END, NEW_ENTRY, JOINED_ENTRY, or its tag). */
        int item() {
            if (ended || !have(1)) return end();
            itemAt = pos;
            int tag = buf.get(at()) & 0xff;
            if (tag == 0) return end();
            if (tag <= 0xEF || tag == TAG_LONG) {
                long delta;
                int summary;
                if (tag == TAG_LONG) {
                    if (!have(9)) return end();
                    delta = buf.getInt(at() + 1) & 0xffffffffL;
                    summary = buf.getInt(at() + 5);
                    pos += 9;
                } else {
                    if (!have(5)) return end();
                    delta = tag - 1;
                    summary = buf.getInt(at() + 1);
                    pos += 5;
                }
                rawSummary = summary;
                if (entries > 0 && delta == 0) {
                    rawCount = count;
                    return JOINED_ENTRY;
                }
                count = entries > 0 ? count + delta : t.firstCount;
                rawCount = count;
                entries++;
                return NEW_ENTRY;
            }
            if (!have(3)) return end();
            int len = buf.getShort(at() + 1) & 0xffff;
            if (!have(3 + len)) return end();
            int body = at() + 3;
            switch (tag) {
                case TAG_FULL -> {
                    int nr = len < 42 ? -1 : buf.getShort(body + 40) & 0xffff;
                    if (nr < 0 || 42 + 8 * nr > len) throw damaged("a full record of " + len + " bytes", tag);
                    long[] regs = new long[nr];
                    for (int i = 0; i < nr; i++) regs[i] = buf.getLong(body + 42 + 8 * i);
                    full = new Full(buf.getLong(body), buf.getLong(body + 8), regs, buf.getLong(body + 16), buf.getLong(body + 24), buf.getLong(body + 32));
                }
                case TAG_TLB -> {
                    if (len < 2) throw damaged("a TLB entry of " + len + " bytes", tag);
                    if (tlb != null) {
                        int idx = buf.getShort(body) & 0xffff;
                        long[] w = new long[(len - 2) / 8];
                        for (int i = 0; i < w.length; i++) w[i] = buf.getLong(body + 2 + 8 * i);
                        tlb.put(idx, w);
                    }
                }
                case TAG_PC -> {
                    if (len < 8) throw damaged("a PC of " + len + " bytes", tag);
                    nextPc = buf.getLong(body);
                    anyPc = true;
                }
                case TAG_TRAILER -> {
                    if (len < 49) throw damaged("a trailer of " + len + " bytes", tag);
                    trailer = new Trailer(buf.get(body), buf.getLong(body + 1), buf.getLong(body + 9), buf.getLong(body + 17),
                            buf.getLong(body + 25), buf.getLong(body + 33), buf.getLong(body + 41));
                    ended = true;
                }
                default -> throw damaged("unknown item", tag);
            }
            pos += 3 + len;
            return tag;
        }

        private TraceException damaged(String what, int tag) {
            return new TraceException(t.path + ": " + what + " 0x" + Integer.toHexString(tag) + " at byte " + pos + ": the trace is damaged");
        }

        private int end() {
            ended = true;
            return END;
        }

        /** Reads on to the end (the trailer, or where the data stops). */
        void finish() {
            while (item() != END) { }
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
        }
    }

    /** The file hash the plugin puts in a record trace's trailer (tt_file_hash): {@link RecordingHash#of}. */
    public static long fileHash(Path file) throws IOException {
        return RecordingHash.of(file);
    }

    private static String string(ByteBuffer b, int at, int width) {
        int end = at;
        while (end < at + width && b.get(end) != 0) end++;
        byte[] s = new byte[end - at];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
