package tandem.panda

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.GdbDebugger
import tandem.debugger.Stop

import java.time.Duration

/**
 * mini-PANDA as PANDA's stand-in under real gdb: a replay without a bug ends where the record ended
 * with the same state, and each injected bug makes the replay fail with PANDA's failure text after
 * changing the state exactly at the count it reports, not one TB earlier.
 */
@Timeout(300)
class MiniPandaSpec extends Specification {

    static final long LENGTH = 60_000
    static final Duration LIMIT = Duration.ofSeconds(60)

    @Shared MiniPanda.Recording recording
    @Shared Set<Long> before

    def setupSpec() {
        before = Demo.children()
        recording = Demo.record(LENGTH)
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    Pair open(MiniPanda.Bug bug) {
        new Pair(PandaSession.open('rec', PandaSession.Role.RECORD, GdbDebugger.open(MiniPanda.recordUnderGdb(recording, Demo.GDB)), Optional.empty()),
                PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(MiniPanda.replayUnderGdb(recording, bug, Demo.GDB)), Optional.empty()))
    }

    def "a replay without a bug ends cleanly, with the record's final registers, RAM and TLB"() {
        given:
        def replay = MiniPanda.replay(recording, null)
        def pair = open(null)

        when: 'both run to PANDA\'s end of record / end of replay'
        def ends = pair.both { PandaSession s ->
            String end = s.role() == PandaSession.Role.RECORD ? 'rr_do_end_record' : 'rr_do_end_replay'
            s.debugger().breakAt(end, null)
            Stop stop = s.debugger().cont(LIMIT)
            assert stop.reason() == Stop.Reason.BREAKPOINT_HIT
            s.checksums()
        }

        then:
        !replay.failed()
        replay.exitCode() == 0
        replay.lines().any { it.contains('Replay completed successfully') }
        ends.rec().instr() == LENGTH
        ends.rep().instr() == LENGTH
        ends.same()
        ends.rec().tlb() != null

        cleanup:
        pair?.close()
    }

    def "the #kind bug fails the replay with PANDA's text, and state first differs at the count it reports"() {
        given:
        def bug = new MiniPanda.Bug(kind, LENGTH / 2 as long)
        def replay = MiniPanda.replay(recording, bug)
        long injected = MiniPanda.injectedAt(replay)
        def pair = open(bug)

        when: 'both sides walk TB by TB from a little before the injected count up to it'
        pair.both { it.toInstr(injected - 100) }
        List<Both<Checksums>> before = []
        Both<Long> at = pair.both { it.instrCount() }
        while (at.rec() < injected) {
            assert at.rec() == at.rep(): 'TB boundaries are the same on both sides before the bug'
            before << pair.both { it.checksums() }
            at = pair.both { it.nextTb() }
        }
        def atBug = pair.both { it.checksums() }

        then:
        replay.failed()
        replay.exitCode() != 0
        replay.failureText().any { it.contains('FOUND DISAGREEMENT') || it.contains('rr_assertion') }
        replay.lastInstr().asLong > injected
        before.size() > 0
        before.every { it.same() }
        at.rec() == injected
        at.rep() == injected
        atBug.differences().contains(differs)

        cleanup:
        pair?.close()

        where:
        kind                      | differs
        MiniPanda.BugKind.TLB     | 'tlb'
        MiniPanda.BugKind.REG     | 'regs'
        MiniPanda.BugKind.RAM     | 'ram'
        MiniPanda.BugKind.IRQ     | 'regs'
    }
}
