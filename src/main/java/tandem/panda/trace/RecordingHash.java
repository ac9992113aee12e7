// The hash of a recording's snapshot that a record trace's trailer holds.
package tandem.panda.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The plugin's file hash (tandem_trace.c tt_file_hash), which names the recording a record trace belongs to. */
final class RecordingHash {
    /** The plugin's word mix (tt_mix): FNV offset basis as the seed, golden-ratio multiplier. */
    static final long K = 0x9E3779B97F4A7C15L, SEED = 0xcbf29ce484222325L;

    private RecordingHash() {
    }

    /** The hash of {@code file}: the word mix over its 64-bit little-endian words (the last one padded with zeros), then its size in bytes. */
    static long of(Path file) throws IOException {
        long h = SEED;
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
}
