// The ring tandem_trace keeps with ring=N (PATH.ring), read as the plugin writes it: slots of
// (entry number, count, registers) after a 64-byte header whose word at 16 is the lead=N limit.
package tandem.panda.trace

import spock.lang.Specification
import spock.lang.TempDir

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path

class ReplayRingSpec extends Specification {
    @TempDir
    Path dir

    /** A ring of {@code slots} slots of 2 + regs words, with {@code entries}: [entry number, count, registers...]. */
    private Path ring(int slots, int regs, List<List<Long>> entries) {
        def b = ByteBuffer.allocate(ReplayRing.HEADER_SIZE + slots * (2 + regs) * 8).order(ByteOrder.LITTLE_ENDIAN)
        b.put(ReplayRing.MAGIC).putInt(slots).putInt(2 + regs).putLong(65536)
        for (e in entries) {
            int at = ReplayRing.HEADER_SIZE + (int) ((e[0] as long) % slots) * (2 + regs) * 8
            e.eachWithIndex { long w, int i -> b.putLong(at + 8 * i, w) }
        }
        def p = dir.resolve('t.ring')
        Files.write(p, b.array())
        p
    }

    def "the registers of the last TB entered at a count; a count the ring no longer holds is null"() {
        given: 'four slots: entries 5-8 overwrote 1-4; entries 6 and 7 are two TBs at one count (an exception and its handler)'
        def p = ring(4, 3, [[1L, 10L, 1L, 1L, 1L], [5L, 50L, 5L, 5L, 5L], [6L, 60L, 6L, 6L, 6L], [7L, 60L, 7L, 7L, 7L], [8L, 80L, 8L, 8L, 8L]])

        expect:
        ReplayRing.at(p, 50) == [5L, 5L, 5L] as long[]
        ReplayRing.at(p, 60) == [7L, 7L, 7L] as long[]
        ReplayRing.at(p, 10) == null
        ReplayRing.at(p, 70) == null
    }

    def "a slot being written (entry number 0) is not taken for its count"() {
        given:
        def p = ring(2, 1, [[0L, 40L, 9L], [3L, 41L, 3L]])

        expect:
        ReplayRing.at(p, 40) == null
        ReplayRing.at(p, 41) == [3L] as long[]
    }

    def "a file that is not a ring, or one cut short, is a TraceException that says so"() {
        given:
        def notRing = dir.resolve('x.ring')
        Files.write(notRing, new byte[100])
        def cut = ring(4, 3, [])
        Files.write(cut, Files.readAllBytes(cut)[0..<100] as byte[])

        when:
        ReplayRing.at(notRing, 1)

        then:
        def e = thrown(TraceException)
        e.message.contains('is not a ring of tandem_trace')

        when:
        ReplayRing.at(cut, 1)

        then:
        def f = thrown(TraceException)
        f.message.contains('is cut short')
    }

    def "raising the limit writes the word the plugin reads, once the ring is there"() {
        given:
        def p = dir.resolve('later.ring')
        def limit = new ReplayRing.Limit(p, 65536)

        expect: 'no ring yet: nothing is written, the run keeps its first limit'
        !limit.raise(100_000)
        limit.get() == 65536

        when:
        ring(4, 3, [])
        Files.move(dir.resolve('t.ring'), p)
        def limit2 = new ReplayRing.Limit(p, 65536)

        then:
        limit2.raise(131_072)
        limit2.get() == 131_072
        ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN).getLong(ReplayRing.LIMIT_OFFSET) == 131_072

        cleanup:
        limit?.close()
        limit2?.close()
    }
}
