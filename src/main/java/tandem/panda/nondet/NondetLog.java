// PANDA's nondet log (NAME-rr-nondet.log) read whole: its header and every item, and where a count
// falls among them (which item a replay consumed last at a count, the items around it, where two
// logs of one recording first differ).
package tandem.panda.nondet;

import tandem.panda.PandaCommand;
import tandem.panda.PandaException;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The format is PANDA's (branch mips_serious_rec_attempt, aa98eab5, panda/src/rr/rr_log.c):
 * {@code rr_create_record_log} writes a u64 header, which {@code rr_destroy_log} rewrites at the end
 * with the guest instruction count of the last item written (:1280-1345); then {@code rr_write_item}
 * writes each item as u64 guest instruction count, u8 {@link NondetKind}, u8 call site
 * ({@link Callsites}) and the kind's payload (:280-386), in the host's byte order: little-endian,
 * with x86-64's struct layouts (the only hosts PANDA builds on). A replay reads items in file order
 * ({@code rr_read_item}, :800-935) and consumes each at its count.
 *
 * <p>mini-PANDA (the demo's target, src/main/c/minipanda/rr.c) writes the same format.
 */
public final class NondetLog {
    /** {@code rr_log.c:1379-1394}: the log beside the snapshot, NAME-rr-nondet.log. */
    public static final String SUFFIX = "-rr-nondet.log";
    static final int HEADER_BYTES = 8, ITEM_HEADER_BYTES = 10;

    private final Path path;
    private final long lastInstrCount;
    private final List<NondetItem> items;

    private NondetLog(Path path, long lastInstrCount, List<NondetItem> items) {
        this.path = path;
        this.lastInstrCount = lastInstrCount;
        this.items = List.copyOf(items);
    }

    public Path path() {
        return path;
    }

    /** The header: the guest instruction count of the last item written (RR_END_OF_LOG's, for a finished recording). */
    public long lastInstrCount() {
        return lastInstrCount;
    }

    /** Every item, in file order. */
    public List<NondetItem> items() {
        return items;
    }

    /**
     * The log a PANDA command line replays: {@code -replay NAME} means NAME-rr-nondet.log in NAME's
     * folder, from the command's directory (rr_log.c:1379-1394); empty for a command that records.
     */
    public static Optional<Path> of(PandaCommand command) {
        List<String> w = command.words();
        int i = w.indexOf("-replay");
        if (i < 0 || i + 1 >= w.size()) return Optional.empty();
        return Optional.of(command.directory().resolve(w.get(i + 1) + SUFFIX).normalize());
    }

    private record Stamp(long size, FileTime modified) {
    }

    private record Cached(Stamp stamp, NondetLog log) {
    }

    private static final Map<Path, Cached> CACHE = new ConcurrentHashMap<>();

    /** {@link #read}, once per version of the file: the console asks again and again of one log. */
    public static NondetLog cached(Path file) {
        Path p = file.toAbsolutePath().normalize();
        Stamp s;
        try {
            s = new Stamp(Files.size(p), Files.getLastModifiedTime(p));
        } catch (IOException e) {
            return read(p); // says what is wrong with the file
        }
        Cached c = CACHE.get(p);
        if (c != null && c.stamp.equals(s)) return c.log;
        NondetLog log = read(p);
        CACHE.put(p, new Cached(s, log));
        return log;
    }

    /**
     * Reads every item of {@code file}. Errors (a {@link PandaException} naming the file and the byte):
     * no such file; shorter than the header; an item kind, call kind or buffer
     * length PANDA does not write; an item cut short.
     */
    public static NondetLog read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PandaException("can't read the nondet log " + file + ": " + (Files.exists(file) ? e.getMessage() : "no such file"), e);
        }
        if (all.length < HEADER_BYTES) {
            throw new PandaException(file + " has " + all.length + " bytes, less than a nondet log's " + HEADER_BYTES + "-byte header: not a PANDA nondet log");
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long last = b.getLong();
        List<NondetItem> items = new ArrayList<>();
        while (b.hasRemaining()) {
            int start = b.position();
            try {
                items.add(item(file, b, items.size()));
            } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
                throw new PandaException(file + ": item #" + items.size() + " at byte " + start + " is cut short ("
                        + all.length + " bytes in the file): a log PANDA did not finish writing, or not a nondet log");
            }
        }
        return new NondetLog(file, last, items);
    }

    private static NondetItem item(Path file, ByteBuffer b, int index) {
        int start = b.position();
        long count = b.getLong();
        int kindId = b.get() & 0xff, callsite = b.get() & 0xff;
        NondetKind kind = NondetKind.of(kindId);
        if (kind == null) {
            throw new PandaException(file + ": item #" + index + " at byte " + start + " has kind " + kindId
                    + ", which PANDA does not write (RR_INPUT_1 = 0 to RR_EXCEPTION = 9): not a nondet log of PANDA's"
                    + " format, or a damaged one (the items before it: " + index + ")");
        }
        SkippedCall call = null;
        Long value = null;
        String detail = "";
        if (kind == NondetKind.RR_SKIPPED_CALL) {
            int callId = b.get() & 0xff;
            call = SkippedCall.of(callId);
            if (call == null) {
                throw new PandaException(file + ": item #" + index + " at byte " + start + " is a skipped call of kind " + callId
                        + ", which PANDA does not write (RR_CALL_CPU_MEM_RW = 0 to RR_STORE_CPU_INTERRUPT_HARD = 13)");
            }
            int args = b.position();
            ByteBuffer a = b.slice(args, call.argsBytes).order(ByteOrder.LITTLE_ENDIAN);
            long buffer = call.bufferLengthAt < 0 ? 0
                    : call.bufferLengthBytes == 8 ? a.getLong(call.bufferLengthAt) : a.getInt(call.bufferLengthAt) & 0xffffffffL;
            if (buffer > b.limit()) throw new IllegalArgumentException("buffer longer than the file");
            b.position(Math.toIntExact(args + call.argsBytes + buffer));
            switch (call) {
                // fifo_addr is a host pointer of the record process: not shown
                case RR_CALL_SERIAL_RECEIVE, RR_CALL_SERIAL_SEND -> value = (long) (a.get(8) & 0xff);
                case RR_CALL_SERIAL_READ, RR_CALL_SERIAL_WRITE -> {
                    value = (long) (a.get(12) & 0xff);
                    detail = String.format("port 0x%x", a.getInt(8) & 0xffffffffL);
                }
                case RR_TIMER_EXPIRE -> value = a.getLong(0);
                case RR_STORE_CAUSE -> value = a.getInt(0) & 0xffffffffL;
                case RR_STORE_CPU_INTERRUPT_HARD -> value = (long) a.get(0);
                case RR_CALL_CPU_MEM_RW, RR_CALL_CPU_MEM_UNMAP -> detail = String.format("addr 0x%x len %d", a.getLong(0), buffer);
                case RR_CALL_MEM_REGION_CHANGE -> detail = String.format("%s %s addr 0x%x size 0x%x",
                        a.get(32) != 0 ? "added" : "removed",
                        new String(Arrays.copyOfRange(b.array(), args + call.argsBytes, (int) (args + call.argsBytes + buffer)),
                                StandardCharsets.UTF_8), a.getLong(0), a.getLong(8));
                case RR_CALL_HD_TRANSFER, RR_CALL_NET_TRANSFER -> detail = String.format("type %d src 0x%x dest 0x%x bytes %d",
                        a.getInt(0), a.getLong(8), a.getLong(16), a.getInt(24) & 0xffffffffL);
                case RR_CALL_HANDLE_PACKET -> detail = String.format("size %d direction %d", buffer, a.get(12));
                case RR_CALL_CPU_REG_WRITE -> detail = String.format("cpu %d reg %d len %d", a.getInt(0), a.getInt(16), buffer);
            }
        } else {
            switch (kind.payloadBytes()) {
                case 0 -> { }
                case 1 -> value = (long) (b.get() & 0xff);
                case 2 -> value = (long) (b.getShort() & 0xffff);
                // interrupt requests and exception indexes are signed ints; inputs and pending interrupts unsigned
                case 4 -> value = kind == NondetKind.RR_INTERRUPT_REQUEST || kind == NondetKind.RR_EXCEPTION
                        ? (long) b.getInt() : b.getInt() & 0xffffffffL;
                default -> value = b.getLong();
            }
        }
        byte[] bytes = Arrays.copyOfRange(b.array(), start, b.position());
        return new NondetItem(index, start, count, kind, callsite, call, value, detail, bytes);
    }

    /**
     * The index of the last item a replay at {@code count} has reached: the last whose count is at
     * most {@code count} (items at {@code count} itself are consumed while executing there); -1 when
     * every item comes later.
     */
    public int lastAt(long count) {
        int lo = 0, hi = items.size() - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (items.get(mid).instrCount() <= count) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The items at exactly {@code count}, in file order. */
    public List<NondetItem> at(long count) {
        List<NondetItem> r = new ArrayList<>();
        for (int i = lastAt(count); i >= 0 && items.get(i).instrCount() == count; i--) r.add(0, items.get(i));
        return r;
    }

    /** Up to {@code before} items up to {@code count} (those at it included) and up to {@code after} items past it. */
    public List<NondetItem> around(long count, int before, int after) {
        int last = lastAt(count);
        int from = Math.max(0, last - before + 1), to = Math.min(items.size(), last + 1 + after);
        return items.subList(from, to);
    }

    /**
     * The first item that differs from {@code other}'s (another log of the same recording, e.g. an
     * edited copy): empty when the two are item for item the same. When one log is a prefix of the
     * other, the index is the shorter one's size.
     */
    public Optional<Integer> firstDifference(NondetLog other) {
        int n = Math.min(items.size(), other.items.size());
        for (int i = 0; i < n; i++) if (!items.get(i).sameAs(other.items.get(i))) return Optional.of(i);
        return items.size() == other.items.size() ? Optional.empty() : Optional.of(n);
    }

    /** Items of each kind, in kind order (PANDA's end-of-replay statistics count the same). */
    public Map<NondetKind, Integer> countByKind() {
        Map<NondetKind, Integer> m = new java.util.EnumMap<>(NondetKind.class);
        for (NondetItem i : items) m.merge(i.kind(), 1, Integer::sum);
        return m;
    }

    @Override
    public String toString() {
        return path + ": " + items.size() + " items up to guest instruction " + lastInstrCount;
    }
}
