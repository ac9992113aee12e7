// The committed length in a trace's header, for reading a trace while its run still writes it.
package tandem.panda.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.function.BooleanSupplier;

/**
 * Where the readable bytes of a trace being written end: the plugin raises the header's
 * committed length (a u64 at byte {@value #AT}) as items become final (written, never to be
 * rewritten: all before the last TB entry, or before its full record), after writing them; it is
 * 0 until the header is written. Once the run is over, everything in the file is final.
 */
final class CommittedLength {
    /** Header offset of the committed length (tandem_trace.c TT_HEADER_COMMITTED). */
    static final int AT = 496;
    /** How long a reader waits before it looks at the committed length again (ms). */
    static final long POLL_MILLIS = 2;

    private final BooleanSupplier writing;
    private final int headerSize;
    /** The file's size once the run is over, -1 before. */
    private volatile long settledSize = -1;

    /** {@code writing}: true while the run may still write; {@code headerSize}: the format's header size in bytes. */
    CommittedLength(BooleanSupplier writing, int headerSize) {
        this.writing = writing;
        this.headerSize = headerSize;
    }

    /** Waits until the run has written the header (its committed length is set), or is over. */
    void awaitHeader(FileChannel ch) throws IOException {
        while (read(ch) < headerSize && writing.getAsBoolean()) pause();
    }

    /**
     * The end of what can be read now, waiting while the run writes until {@code upto} is in it:
     * the committed length while the run goes on, the file's size once it is over.
     */
    long readableEnd(FileChannel ch, long upto) throws IOException {
        while (true) {
            long settled = settledSize;
            if (settled >= 0) return settled;
            long c = read(ch);
            if (c >= upto) return c;
            if (!writing.getAsBoolean()) {
                settledSize = ch.size();
                return settledSize;
            }
            pause();
        }
    }

    /** The header's committed length, 0 while the header is not written yet. */
    private long read(FileChannel ch) throws IOException {
        if (ch.size() < headerSize) return 0;
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, AT + b.position()) > 0) { }
        return b.hasRemaining() ? 0 : b.getLong(0);
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("interrupted while following a trace being written");
        }
    }
}
