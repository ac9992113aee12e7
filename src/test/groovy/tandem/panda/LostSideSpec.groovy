package tandem.panda

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.bisect.DemoPair
import tandem.panda.time.WaysBack

/**
 * A side that loses its target, or whose move is interrupted, never passes for one that arrived:
 * mini-PANDA behind gdbserver, where going back re-executes the replay from its start, as on the
 * real PANDA.
 */
@Timeout(180)
class LostSideSpec extends Specification {

    @Shared MiniPanda.Recording recording
    @Shared Set<Long> before
    Pair pair

    def setupSpec() {
        before = Demo.children()
        recording = Demo.record(3_000_000)
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def cleanup() {
        pair?.close()
    }

    def "rep's gdbserver killed during a move on both: rep says it is gone, rec arrives and still answers, the pair refuses moves on both"() {
        given:
        pair = DemoPair.openThroughGdbserver(recording, null)
        pair.both { it.beginRecordOrReplay() }
        PandaSession rep = pair.rep()
        // TB by TB, each TB's condition tested by gdbserver: a move of seconds
        rep.useDebugCounter(false)
        rep.countCondition(rep.divergeCountExpression())
        long server = rep.debugger().target().processIds()[0]
        def killer = Thread.start {
            while (!rep.debugger().running()) sleep 10
            sleep 300
            ProcessHandle.of(server).ifPresent { it.destroyForcibly() }
        }

        when:
        long started = System.nanoTime()
        pair.both { it.toInstr(2_500_000) }

        then:
        def e = thrown(PandaException)
        killer.join()
        (System.nanoTime() - started) / 1e9 < 15
        e.message ==~ /rep did not reach 2500000: gdbserver 127\.0\.0\.1:\d+ \(panda-system-mips\) is gone: gdb lost its connection to it during -exec-continue \(gdb said `Remote connection closed`\), and nothing more can be done on it/
        rep.gone() != null
        pair.rec().gone() == null
        pair.rec().instrCount() >= 2_500_000
        pair.gone() == rep.gone()

        when: 'a move on both is refused before either side moves'
        long rec = pair.rec().instrCount()
        pair.both { it.toInstr(2_900_000) }

        then:
        def refused = thrown(PandaException)
        refused.message == rep.gone()
        pair.rec().instrCount() == rec

        and: 'rec alone moves on'
        pair.rec().toInstr(2_900_000) >= 2_900_000
    }

    def "a move after a move back interrupted while it re-executes the replay reaches its goal (try #attempt)"() {
        given: 'rep far into the replay, with no way back but running it again'
        pair = DemoPair.openThroughGdbserver(recording, null)
        PandaSession rep = pair.rep()
        rep.beginRecordOrReplay()
        long far = rep.toInstr(2_000_000)
        assert rep.rewind() == WaysBack.Rewind.REEXECUTION

        when: 'the move back is interrupted as soon as it runs the replay again (Ctrl-C)'
        rep.onNotice { String text ->
            if (text.startsWith('re-executing')) Thread.start {
                while (!rep.debugger().running()) Thread.onSpinWait()
                sleep delay
                rep.interrupt()
            }
        }
        String said = null
        try {
            rep.toInstr(200_000)
        } catch (PandaException interrupted) {
            said = interrupted.message
        }
        rep.onNotice(null)
        rep.clearInterrupt()
        long again = rep.toInstr(2_000_000)

        then: 'the next move arrives where the first one did, the count read from the program itself'
        said?.contains('interrupted on the way to')
        again == far
        rep.instrCount() == far
        rep.backtrace()[0].function() == PandaSession.EXEC_TB

        where:
        attempt | delay
        1       | 0
        2       | 0
        3       | 5
        4       | 20
        5       | 50
    }
}
