// A record trace or replay trace written by tandem's PANDA plugin tandem_trace
// (src/main/panda/tandem_trace/tandem_trace.c): its header, one entry per TB, full records, TLB
// changes and trailer. The format's one description for Java; the C side has the same numbers.
package tandem.rectrace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trace file, read whole. Layout (little-endian, x86-64 hosts): a {@value #HEADER_SIZE}-byte
 * header ("TANDEMTT", version, header size, mode 1 record / 2 replay, period log2, register count,
 * index of the first system register, words per TLB entry, the first count, target name [16],
 * nondet log path [192], PANDA executable [256]), then items, each starting with a tag byte:
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
 * the handler's TB: the second is the one that ran).
 */
public final class TraceFile {
    public static final byte[] MAGIC = "TANDEMTT".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1, HEADER_SIZE = 512;
    public static final int MODE_RECORD = 1, MODE_REPLAY = 2;
    /** Trailer: how the run ended. */
    public static final int END_COMPLETE = 1, END_UNFINISHED = 2, END_DISK_FULL = 3;
    static final int TAG_LONG = 0xF0, TAG_FULL = 0xF1, TAG_TRAILER = 0xF2, TAG_TLB = 0xF3, TAG_PC = 0xF4;
    /** The plugin's word hash (tt_mix): FNV offset basis as the seed, golden-ratio multiplier. */
    static final long K = 0x9E3779B97F4A7C15L, FILE_HASH_SEED = 0xcbf29ce484222325L;

    /** PC and registers at a TB: the plugin's full record, written at the first TB of each period. */
    public record Full(long count, long pc, long[] regs, long regsHash, long sysHash, long tlbHash) {}

    /** A TLB entry's new contents, first seen at the TB entry {@code entryIndex} (its count). */
    public record TlbChange(long count, int index, long[] words) {}

    /** The trailer; snapshot and log fields are 0 in a replay trace. */
    public record Trailer(int how, long lastCount, long entries, long snapshotSize, long snapshotHash,
                          long logSize, long logHead) {}

    public final Path path;
    public final int mode, periodLog2, registerCount, systemFrom, tlbFields;
    public final long firstCount;
    public final String target, nondetLog, executable;
    /** Counts of the TB entries (the last at each count), ascending, and their summaries. */
    public final long[] counts;
    public final int[] summaries;
    /** The PC of each TB entry (a replay trace), or null (a record trace holds none: size). */
    public final long[] pcs;
    public final List<Full> fulls;
    public final List<TlbChange> tlbChanges;
    /** Null when the run left none (killed, aborted, or still running). */
    public final Trailer trailer;

    private TraceFile(Path path, ByteBuffer b) {
        this.path = path;
        byte[] magic = new byte[8];
        b.get(0, magic);
        if (!Arrays.equals(magic, MAGIC)) throw new TraceException(path + " is not a tandem trace (it does not begin with TANDEMTT)");
        int version = b.getInt(8);
        if (version != VERSION) throw new TraceException(path + " is a tandem trace of format " + version + "; this tandem reads " + VERSION);
        int headerSize = b.getInt(12);
        mode = b.get(16);
        periodLog2 = b.get(17);
        registerCount = b.get(18) & 0xff;
        systemFrom = b.get(19) & 0xff;
        tlbFields = b.get(20) & 0xff;
        firstCount = b.getLong(24);
        target = string(b, 32, 16);
        nondetLog = string(b, 48, 192);
        executable = string(b, 240, 256);

        long[] cs = new long[1 << 16];
        int[] ss = new int[1 << 16];
        long[] ps = new long[1 << 16];
        long nextPc = -1;
        boolean anyPc = false;
        int n = 0;
        List<Full> fs = new ArrayList<>();
        List<TlbChange> tl = new ArrayList<>();
        Trailer tr = null;
        long count = firstCount;
        boolean any = false;
        int pos = headerSize;
        int limit = b.limit();
        while (pos < limit) {
            int tag = b.get(pos) & 0xff;
            if (tag == 0) break;
            if (tag <= 0xEF || tag == TAG_LONG) {
                long delta;
                if (tag == TAG_LONG) { if (pos + 9 > limit) break; delta = b.getInt(pos + 1) & 0xffffffffL; pos += 5; }
                else { if (pos + 5 > limit) break; delta = tag - 1; pos += 1; }
                int summary = b.getInt(pos);
                pos += 4;
                count = any ? count + delta : count;
                if (any && n > 0 && cs[n - 1] == count) { ss[n - 1] = summary; ps[n - 1] = nextPc; continue; }
                any = true;
                if (n == cs.length) { cs = Arrays.copyOf(cs, n * 2); ss = Arrays.copyOf(ss, n * 2); ps = Arrays.copyOf(ps, n * 2); }
                cs[n] = count; ss[n] = summary; ps[n] = nextPc; n++;
                continue;
            }
            if (pos + 3 > limit) break;
            int len = b.getShort(pos + 1) & 0xffff;
            int body = pos + 3;
            if (body + len > limit) break;
            switch (tag) {
                case TAG_FULL -> {
                    int nr = b.getShort(body + 40) & 0xffff;
                    long[] regs = new long[nr];
                    for (int i = 0; i < nr; i++) regs[i] = b.getLong(body + 42 + 8 * i);
                    fs.add(new Full(b.getLong(body), b.getLong(body + 8), regs, b.getLong(body + 16), b.getLong(body + 24), b.getLong(body + 32)));
                }
                case TAG_TLB -> {
                    int idx = b.getShort(body) & 0xffff;
                    long[] w = new long[(len - 2) / 8];
                    for (int i = 0; i < w.length; i++) w[i] = b.getLong(body + 2 + 8 * i);
                    // a change is seen at the next TB entry: its count is not known yet, so the
                    // count of the entry before it plus nothing; fixed below
                    tl.add(new TlbChange(-1 - n, idx, w));
                }
                case TAG_PC -> { nextPc = b.getLong(body); anyPc = true; }
                case TAG_TRAILER -> tr = new Trailer(b.get(body), b.getLong(body + 1), b.getLong(body + 9), b.getLong(body + 17),
                        b.getLong(body + 25), b.getLong(body + 33), b.getLong(body + 41));
                default -> throw new TraceException(path + ": unknown item 0x" + Integer.toHexString(tag) + " at byte " + pos + ": the trace is damaged");
            }
            pos = body + len;
            if (tr != null) break;
        }
        counts = Arrays.copyOf(cs, n);
        summaries = Arrays.copyOf(ss, n);
        pcs = anyPc ? Arrays.copyOf(ps, n) : null;
        // a TLB change written before entry k applies from that entry's count on
        List<TlbChange> fixed = new ArrayList<>(tl.size());
        for (TlbChange t : tl) {
            int k = (int) (-1 - t.count());
            long at = k < n ? counts[k] : (n > 0 ? counts[n - 1] : firstCount);
            fixed.add(new TlbChange(at, t.index(), t.words()));
        }
        fulls = List.copyOf(fs);
        tlbChanges = List.copyOf(fixed);
        trailer = tr;
    }

    /** Reads {@code path}; a missing or unreadable file, or one that is not a trace, is a TraceException. */
    public static TraceFile read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_SIZE) throw new TraceException(path + " is not a tandem trace (" + size + " bytes, shorter than its header)");
            if (size > Integer.MAX_VALUE) throw new TraceException(path + " is " + size + " bytes; traces over 2 GiB are not read yet");
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            return new TraceFile(path, b);
        } catch (NoSuchFileException e) {
            throw new TraceException("no trace at " + path);
        } catch (IOException e) {
            throw new TraceException("cannot read the trace " + path + ": " + e.getMessage());
        }
    }

    public boolean isRecord() {
        return mode == MODE_RECORD;
    }

    /** The file hash the plugin puts in a record trace's trailer (tt_file_hash): its word mix over the file, then the size. */
    public static long fileHash(Path file) throws IOException {
        long h = FILE_HASH_SEED;
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            while (true) {
                int got = ch.read(buf);
                if (got > 0) total += got;
                if (got < 0 || !buf.hasRemaining()) {
                    buf.flip();
                    LongBuffer words = buf.asLongBuffer();
                    while (words.hasRemaining()) h = mix(h, words.get());
                    int rest = buf.remaining() % 8;
                    buf.position(buf.limit() - rest);
                    if (got < 0) {
                        if (rest > 0) {
                            long w = 0;
                            for (int i = 0; i < rest; i++) w |= (buf.get() & 0xffL) << (8 * i);
                            h = mix(h, w);
                        }
                        break;
                    }
                    buf.compact();
                }
            }
        }
        return mix(h, total);
    }

    static long mix(long h, long w) {
        h ^= w;
        h *= K;
        return h ^ (h >>> 29);
    }

    private static String string(ByteBuffer b, int at, int width) {
        int end = at;
        while (end < at + width && b.get(end) != 0) end++;
        byte[] s = new byte[end - at];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
