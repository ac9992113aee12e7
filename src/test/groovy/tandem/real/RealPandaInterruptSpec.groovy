// Ctrl-C during a move that runs the real PANDA's replay again from its start, and the move after
// it: that move reaches its goal on both sides, or says where each side is; it never answers a
// count a side did not reach. The counts it must reach come from a plain gdb on PANDA.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaNames
import tandem.panda.PandaSession
import tandem.panda.time.WaysBack

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaInterruptSpec extends Specification {
    /** The issue's moves: forward far, back (re-executing), then to another count. */
    static final long FAR = 1_500_000, BACK = 200_000, GOAL = 625_647

    @Shared RealPanda.Recording recording
    /** What a plain gdb reads of rr_guest_instr_count at the first cpu_loop_exec_tb at or after GOAL, and after rr_do_begin_replay. */
    @Shared long goalTb, beginTb
    @Shared Pair pair
    @Shared List<String> notices = Collections.synchronizedList([])
    /** Where each interrupt landed, by delay: the move's goal when it was stopped (printed for the report). */
    @Shared Map<String, String> landed = Collections.synchronizedMap(new TreeMap<String, String>())

    def setupSpec() {
        recording = RealPanda.get().unchanged()
        String count = 'cpus->tqh_first->rr_guest_instr_count'
        long bucket = PandaNames.periodStartAtOrBefore(GOAL)
        def witness = RealPanda.get().replayUnderGdb(recording, [], false, [
                'break rr_do_begin_replay', 'run', 'delete',
                'break cpu_loop_exec_tb', 'continue', "printf \"begin %llu\\n\", $count".toString(), 'delete',
                // to the debug_counter period start first: testing the condition at every TB from the start is slow
                "break debug_counter if $count >= $bucket".toString(), 'continue', 'delete',
                "break cpu_loop_exec_tb if $count >= $GOAL".toString(), 'continue',
                "printf \"goal %llu\\n\", $count".toString()])
        beginTb = ((witness.output =~ /(?m)^begin (\d+)$/)[0][1]) as long
        goalTb = ((witness.output =~ /(?m)^goal (\d+)$/)[0][1]) as long
        assert goalTb >= GOAL && goalTb < GOAL + 512
        pair = RealPandaPair.open(RealPandaPair.side('rec', recording), RealPandaPair.side('rep', recording), notices)
    }

    def cleanupSpec() {
        pair?.close()
        println "RealPandaInterruptSpec: where each interrupt landed (the goal of the step stopped): $landed"
    }

    def "a move after toInstr back interrupted #delay ms into its re-execution reaches its goal on both sides"() {
        given: 'both sides far into the replay, where going back runs it again from its start'
        pair.clearInterrupt()
        pair.both { it.toInstr(FAR) }
        assert pair.rep().rewind() == WaysBack.Rewind.REEXECUTION

        when: 'toInstr back, Ctrl-C once both sides run their replay again'
        def interrupter = interruptOnceRunningAgain(delay)
        String said = null
        try {
            pair.both { it.toInstr(BACK) }
        } catch (PandaException e) {
            said = e.message
        }
        interrupter.join()
        landed["pair, $delay ms".toString()] = said == null ? 'the move completed first' : goalOf(said)
        pair.clearInterrupt()
        def reached = pair.both { it.toInstr(GOAL) }

        then: 'stopped before its first TB, a side says so rather than the count it reads there (0 before the replay began)'
        said == null || goalOf(said) == "$BACK" || said.contains('before the first TB after rr_do_begin_replay of a run from its start that was stopped')

        and: "each side is at the first TB at or after $GOAL, as plain gdb finds it, by the count PANDA holds"
        reached.rec() == goalTb
        reached.rep() == goalTb
        pair.rec().instrCount() == goalTb
        pair.rep().instrCount() == goalTb
        pair.both { it.backtrace()[0].function() } == new tandem.panda.Both(PandaSession.EXEC_TB, PandaSession.EXEC_TB)

        where:
        delay << [0, 20, 50, 100, 150, 200, 300, 600]
    }

    def "the move that opens a side, interrupted after rr_do_begin_replay ran and before the first TB, is taken up by the next move"() {
        given: "a side not opened yet, whose start commands say when it stands at rr_do_begin_replay"
        Path mark = Files.createTempFile('tandem-interrupt-', '.mark')
        Files.delete(mark)
        def side = RealPandaPair.side('rep', recording, ["shell touch $mark && sleep 0.5".toString()])
        PandaSession rep = side.open(Optional.empty())
        def interrupter = Thread.start {
            while (!Files.exists(mark)) sleep 5
            rep.interrupt()
        }

        when: 'interrupted while it runs its start commands at rr_do_begin_replay'
        rep.toInstr(GOAL)

        then:
        def e = thrown(PandaException)
        e.message.contains("interrupted on the way to ${PandaSession.EXEC_TB} (now before the first TB after rr_do_begin_replay; the next move goes on from there)")

        when:
        interrupter.join()
        rep.clearInterrupt()
        long reached = rep.toInstr(GOAL)

        then: 'the next move reaches the goal from where the first stopped, as a plain gdb does'
        reached == goalTb
        rep.instrCount() == goalTb
        rep.begin() == beginTb

        cleanup:
        rep?.close()
        Files.deleteIfExists(mark)
    }

    def "the move that opens a side, interrupted #delay ms in, is taken up by the next move"() {
        given:
        PandaSession rep = RealPandaPair.side('rep', recording).open(Optional.empty())
        def interrupter = Thread.start {
            while (!rep.debugger().running()) sleep 1
            sleep delay
            rep.interrupt()
        }

        when:
        String said = null
        try {
            rep.toInstr(GOAL)
        } catch (PandaException e) {
            said = e.message
        }
        interrupter.join()
        landed["opening, $delay ms".toString()] = said == null ? 'the move completed first' : goalOf(said)
        rep.clearInterrupt()
        long reached = rep.toInstr(GOAL)

        then:
        reached == goalTb
        rep.instrCount() == goalTb
        rep.begin() == beginTb

        cleanup:
        rep?.close()

        where:
        delay << [0, 50, 150, 300]
    }

    /** Interrupts the pair {@code delay} ms after both sides said they run their replay again and gdb runs it. */
    private Thread interruptOnceRunningAgain(long delay) {
        def rerunning = new java.util.concurrent.CountDownLatch(2)
        [pair.rec(), pair.rep()].each { PandaSession s ->
            s.onNotice { String text ->
                notices << "${s.name()}: $text".toString()
                if (text.startsWith('re-executing')) rerunning.countDown()
            }
        }
        Thread.start {
            try {
                if (!rerunning.await(60, java.util.concurrent.TimeUnit.SECONDS)) return
                while (!pair.rep().debugger().running() || !pair.rec().debugger().running()) sleep 1
                sleep delay
                pair.interrupt()
            } finally {
                [pair.rec(), pair.rep()].each { PandaSession s -> s.onNotice { String text -> notices << "${s.name()}: $text".toString() } }
            }
        }
    }

    /** "rr_do_begin_replay", "cpu_loop_exec_tb" or the goal count: what an interrupted move was on its way to. */
    private static String goalOf(String message) {
        def m = message =~ /interrupted on the way to (\S+?)(?: \(|$)/
        m.find() ? m.group(1) : message
    }
}
