// What tandem_trace's ring=N option keeps beside a trace (PATH.ring): every register of each of the
// last N TBs the run entered. The plugin writes it through a shared mapping, so it is whole after
// the run is killed: the registers at a TB that a comparison of two traces named once both runs
// had gone past it.
package tandem.panda.trace;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Layout (little-endian): a {@value #HEADER_SIZE}-byte header ("TANDEMTR", u32 slots, u32 words
 * per slot, at byte {@value #LIMIT_OFFSET} the u64 number of TB entries the run may write (lead=N; 0: no limit)), then the slots, each of u64 words: the TB entry's number (from 1; 0: never written, or
 * being written), its guest instruction count, then the full record's registers in the plugin's
 * order (tt_regs, with the TB's PC at the target's PC index; {@link TraceFile#registerCount} of them).
 */
public final class ReplayRing {
    public static final byte[] MAGIC = "TANDEMTR".getBytes(StandardCharsets.US_ASCII);
    public static final int HEADER_SIZE = 64;
    public static final int LIMIT_OFFSET = 16;
    /** TBs the search asks the plugin to keep: about 10^6 guest instructions at 8 a TB, some 50 MB on MIPS. */
    public static final int SLOTS = 1 << 17;

    private ReplayRing() {
    }

    /**
     * The limit of a run started with lead=N: the TB entries its plugin writes before it holds
     * the run, until the limit is raised. Raising waits for nothing: until the plugin has made the ring
     * (at the run's first TB in replay) it does nothing, and the run keeps to its first limit, N.
     */
    public static final class Limit implements AutoCloseable {
        private final Path ring;
        private FileChannel ch;
        private MappedByteBuffer header;
        private long set;
        private int skip;

        public Limit(Path ring, long first) {
            this.ring = ring;
            this.set = first;
        }

        /** The limit as last set (the run's lead=N before any raise). */
        public long get() {
            return set;
        }

        /** Lets the run write {@code to} TB entries in all (0: no limit); false while the ring is not there yet. */
        public boolean raise(long to) {
            try {
                if (header == null) {
                    // a ring the plugin could not make is looked for once every 4096 raises, not at each
                    if (skip > 0) {
                        skip--;
                        return false;
                    }
                    skip = 4096;
                    if (!java.nio.file.Files.isRegularFile(ring) || java.nio.file.Files.size(ring) < HEADER_SIZE) return false;
                    ch = FileChannel.open(ring, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    header = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_SIZE);
                    header.order(ByteOrder.LITTLE_ENDIAN);
                }
                header.putLong(LIMIT_OFFSET, to);
                set = to;
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the mapping goes with the channel's file
            }
        }
    }

    /** The size of a ring file of SLOTS slots, for {@code registers} registers a record. */
    public static long bytes(int registers) {
        return HEADER_SIZE + (long) SLOTS * (2 + registers) * 8;
    }

    /** The ring file the plugin writes beside the trace {@code trace}. */
    public static Path of(Path trace) {
        return trace.resolveSibling(trace.getFileName() + ".ring");
    }

    /**
     * The registers of the last TB entered at guest instruction {@code count}, in the plugin's
     * order; null when the ring no longer (or never) held it. A TraceException when the file is
     * not a ring.
     */
    public static long[] at(Path ring, long count) {
        try (FileChannel ch = FileChannel.open(ring, StandardOpenOption.READ)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            m.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            if (ch.size() < HEADER_SIZE) throw new TraceException(ring + " is not a ring of tandem_trace: " + ch.size() + " bytes");
            m.get(0, magic);
            if (!Arrays.equals(magic, MAGIC)) throw new TraceException(ring + " is not a ring of tandem_trace (no TANDEMTR header)");
            long slots = Integer.toUnsignedLong(m.getInt(8));
            int words = m.getInt(12);
            if (words < 3 || HEADER_SIZE + slots * words * 8 > ch.size()) {
                throw new TraceException(ring + " is cut short: " + slots + " slots of " + words + " words do not fit in " + ch.size() + " bytes");
            }
            LongBuffer w = m.position(HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            long best = 0;
            int bestSlot = -1;
            for (int s = 0; s < slots; s++) {
                int at = s * words;
                long entry = w.get(at);
                if (entry > best && w.get(at + 1) == count) {
                    best = entry;
                    bestSlot = at;
                }
            }
            if (bestSlot < 0) return null;
            long[] regs = new long[words - 2];
            w.get(bestSlot + 2, regs);
            return regs;
        } catch (IOException e) {
            throw new TraceException("cannot read the ring " + ring + ": " + e.getMessage());
        }
    }
}
