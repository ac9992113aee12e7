// tandem's reader of PANDA's nondet log (tandem.panda.nondet) against logs the real
// panda-system-mips wrote. The truth: PANDA's own statistics at the end of a replay (items and
// bytes of each kind, rr_log.c:1709-1717) and the fixtures' edit (which item they changed, where,
// to what), never the reader itself.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.PandaCommand
import tandem.panda.PandaException
import tandem.panda.nondet.NondetKind
import tandem.panda.nondet.NondetLog

import java.nio.file.Files

@Requires({ RealPanda.required() })
@Timeout(600)
class NondetLogReaderSpec extends Specification {
    @Shared RealPanda fx
    @Shared RealPanda.Recording recording

    def setupSpec() {
        fx = RealPanda.get()
        recording = fx.unchanged()
    }

    def "every item of a real recording's log: as many of each kind, and as many bytes, as PANDA's replay counted"() {
        given: "PANDA's statistics after replaying it to the end: `KIND number = N, size = B bytes`"
        def replay = fx.replay(recording)
        assert replay.completed: replay.output
        Map<String, List<Long>> stats = [:]
        (replay.output =~ /(RR_\w+) number = (\d+), size = (\d+) bytes/).each { m ->
            stats[m[1] as String] = [m[2] as long, m[3] as long]
        }
        assert stats.size() == NondetKind.values().size()

        when:
        def log = NondetLog.read(recording.nondetLog())

        then:
        NondetKind.values().every { k ->
            def items = log.items().findAll { it.kind() == k }
            items.size() == stats[k.name()][0] && items.sum(0L) { it.bytes().length } == stats[k.name()][1]
        }

        and: 'the items fill the file after its 8-byte header, and end with RR_END_OF_LOG at the header\'s count'
        8 + log.items().sum(0L) { it.bytes().length } == Files.size(recording.nondetLog())
        log.items().last().kind() == NondetKind.RR_END_OF_LOG
        log.items().last().instrCount() == log.lastInstrCount()

        and: "the count PANDA's replay printed as the total"
        replay.output.contains("${log.lastInstrCount()} instrs total.")
    }

    def "the item an edited copy changed: found at the fixture's offset with its count, kind, call site and both values"() {
        given:
        def edited = fx.edited()

        when:
        def original = NondetLog.read(recording.nondetLog())
        def copy = NondetLog.read(edited.recording.nondetLog())
        int first = original.firstDifference(copy).get()

        then: 'the first differing item is the one the fixture changed, and the only one'
        original.items()[first].offset() == edited.original.offset
        original.items()[first].instrCount() == edited.original.instrCount
        original.items()[first].kind().name() == edited.original.kind
        original.items()[first].callsite() == edited.original.callsite
        original.items()[first].value() == edited.original.value
        copy.items()[first].value() == edited.newValue
        (0..<original.items().size()).count { !original.items()[it].sameAs(copy.items()[it]) } == 1

        and: 'at its count, it is the item a replay there has consumed last'
        original.items()[original.lastAt(edited.editedCount)].instrCount() == edited.editedCount
        original.at(edited.editedCount).contains(original.items()[first])
        original.around(edited.editedCount, 3, 2).size() == 5
    }

    def "the log a PANDA command line replays: -replay NAME in its directory"() {
        expect:
        NondetLog.of(new PandaCommand(recording.replayCommand(fx.panda), recording.dir, [])).get() == recording.nondetLog()
        !NondetLog.of(new PandaCommand([fx.panda.toString(), '-M', 'malta'], recording.dir, [])).isPresent()
    }

    def "a log cut short, a file that is no log, and no file: one error naming the file and the byte"() {
        given:
        def dir = Files.createDirectories(fx.workDir.resolve('nondet-bad'))
        byte[] real = Files.readAllBytes(recording.nondetLog())
        def cut = dir.resolve('cut-rr-nondet.log')
        Files.write(cut, Arrays.copyOf(real, real.length - 3))
        def other = dir.resolve('other-rr-nondet.log')
        Files.write(other, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0] as byte[])

        when:
        NondetLog.read(cut)
        then:
        def e1 = thrown(PandaException)
        e1.message.contains("$cut: item #")
        e1.message.contains('is cut short')

        when:
        NondetLog.read(other)
        then:
        def e2 = thrown(PandaException)
        e2.message.contains("$other: item #0 at byte 8 has kind 42, which PANDA does not write")

        when:
        NondetLog.read(dir.resolve('none-rr-nondet.log'))
        then:
        def e3 = thrown(PandaException)
        e3.message.contains('no such file')
    }
}
