// The comparison of a record trace with a replay trace on traces written here in the plugin's
// format (TraceFile), with TB boundaries as measured on the real PANDA's x86_64 Linux guest: a
// recording of `ls /etc` that PANDA replays exactly, whose record run began TBs at 245329,
// 245358 and 245360 where the replay began them at 245329, 245330, 245359 and 245360 (the same
// code cut into other TBs; LinuxRecordTraceSpec runs the real thing).
package tandem.rectrace

import spock.lang.Specification
import tandem.panda.trace.TraceException
import tandem.panda.trace.TraceFile
import spock.lang.TempDir

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path

class TraceComparisonSpec extends Specification {
    @TempDir Path dir

    /** A trace of {@code mode} (1 record, 2 replay) with one TB entry per count, its summary, and (a replay) its PC. */
    private TraceFile trace(int mode, List<Long> counts, Map<Long, Integer> summaries = [:], Map<Long, Long> pcs = [:]) {
        def b = ByteBuffer.allocate(512 + counts.size() * 24 + 64).order(ByteOrder.LITTLE_ENDIAN)
        b.put('TANDEMTT'.bytes).putInt(TraceFile.VERSION).putInt(512)
        b.put(16, (byte) mode).put(17, (byte) 17).put(18, (byte) 24).put(19, (byte) 17).put(20, (byte) 6)
        b.putLong(24, counts[0])
        b.put(32, 'x86_64'.bytes)
        b.position(512)
        long last = counts[0]
        counts.each { long c ->
            if (mode == 2) b.put((byte) 0xF4).putShort((short) 8).putLong(pcs[c] ?: 0x1000L + c)
            long delta = c - last
            if (delta <= 0xEE) b.put((byte) (delta + 1))
            else b.put((byte) 0xF0).putInt((int) delta)     // TraceFile.TAG_LONG: the delta as a u32
            b.putInt(summaries[c] ?: 0x1234)
            last = c
        }
        def f = Files.createTempFile(dir, 'trace-', '')
        Files.write(f, Arrays.copyOf(b.array(), b.position()))
        TraceFile.read(f)
    }

    def "a record TB whose start the replay ran through is passed over when both begin the next TB at one count"() {
        when:
        def r = TraceComparison.compare(trace(1, [245329L, 245358L, 245360L]), trace(2, [245329L, 245330L, 245359L, 245360L]))

        then:
        r.agreesToTheEnd()
        r.comparedTbs() == 2
        r.uncomparedTbs() == 1
    }

    def "after such TBs the summaries are compared again: a difference there is the divergence, the last compared TB agreed"() {
        when:
        def r = TraceComparison.compare(trace(1, [245329L, 245358L, 245360L, 245370L]),
                trace(2, [245329L, 245330L, 245359L, 245360L, 245370L], [245360L: 0x1235]))

        then:
        r.divergence().count() == 245360
        r.divergence().lastAgreed() == 245329
        r.divergence().groups() == [TraceComparison.Group.REGISTERS]
    }

    def "the replay running through a record TB with no count both begin a TB at within 512 instructions: control flow differs there"() {
        when:
        def r = TraceComparison.compare(trace(1, [1000L, 1010L, 2000L]), trace(2, [1000L, 1001L, 1600L, 2000L]))

        then:
        r.divergence().count() == 1010
        r.divergence().noReplayBoundary()
        r.divergence().replayTbAt() == 1001
        r.divergence().lastAgreed() == 1000
    }
}
