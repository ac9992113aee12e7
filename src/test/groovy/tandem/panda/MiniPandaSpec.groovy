package tandem.panda

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.debugger.Stop

import java.nio.file.Files
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

    /** The counts of the stops at cpu_loop_exec_tb after record or replay began, up to `stops` of them or count `upTo`. */
    static List<Long> tbStops(GdbDebugger gdb, PandaSession.Role role, int stops, long upTo = Long.MAX_VALUE) {
        try (PandaSession s = PandaSession.open(role.shortName, role, gdb, Optional.empty())) {
            List<Long> counts = [s.beginRecordOrReplay()]
            while (counts.size() < stops && counts.last() < upTo) counts << s.nextTb()
            counts
        }
    }

    /** The counts at the first `periods` debug_counter calls after record or replay began. */
    static List<Long> counterCalls(GdbDebugger gdb, PandaSession.Role role, int periods) {
        try (PandaSession s = PandaSession.open(role.shortName, role, gdb, Optional.empty())) {
            s.beginRecordOrReplay()
            s.debugger().breakAt('debug_counter', null)
            (1..periods).collect {
                assert s.debugger().cont(LIMIT).reason() == Stop.Reason.BREAKPOINT_HIT
                s.instrCount()
            }
        }
    }

    def "PANDA chains TBs while recording: rec stops at cpu_loop_exec_tb only at chain starts, with -d nochain at every TB as in replay"() {
        when:
        def chained = tbStops(GdbDebugger.open(MiniPanda.recordUnderGdb(recording, Demo.GDB, true)), PandaSession.Role.RECORD, 12)
        def unchained = tbStops(GdbDebugger.open(MiniPanda.recordUnderGdb(recording, Demo.GDB, false)), PandaSession.Role.RECORD, 100_000, chained.last())
        def replayed = tbStops(GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB)), PandaSession.Role.REPLAY, 100_000, chained.last())

        then: 'the replay stops at every TB; an unchained record run at the same ones'
        unchained == replayed
        and: 'a chained record run stops at some of them only, skipping whole chains of TBs'
        replayed.containsAll(chained)
        chained.size() < replayed.size()
        (0..<chained.size() - 1).any { i -> replayed.count { it > chained[i] && it < chained[i + 1] } > 1 }
    }

    def "PANDA recording with TBs chained calls debug_counter up to a chain past its 2^17 period start; replay within one TB"() {
        given: 'a recording of more than three periods'
        def longer = Demo.record(450_000)

        when:
        def chained = counterCalls(GdbDebugger.open(MiniPanda.recordUnderGdb(longer, Demo.GDB, true)), PandaSession.Role.RECORD, 3)
        def replayed = counterCalls(GdbDebugger.open(MiniPanda.replayUnderGdb(longer, null, Demo.GDB)), PandaSession.Role.REPLAY, 3)
        long period = PandaSession.DEBUG_COUNTER_PERIOD

        then: 'each call comes at or after its period start: one TB (32 instructions here) after it in replay'
        replayed.every { it % period < 32 }
        chained.every { it >= period }
        chained.any { it % period >= 32 }

        cleanup:
        MiniPanda.deleteTree(longer?.directory())
    }

    def "a failed replay's output reads as a terminal shows it: each program point right under its label, stdout and stderr in one stream"() {
        given: 'PANDA prints the labels on stdout and the points with qemu_log on stderr (rr_log.c:226-230, 150-153)'
        def out = MiniPanda.replay(recording, new MiniPanda.Bug(MiniPanda.BugKind.TLB, recording.instrs().intdiv(2)))

        when:
        int replay = out.lines().indexOf('Replay program point:')
        int record = out.lines().indexOf('Record program point:')

        then:
        out.failed()
        replay >= 0
        out.lines()[replay + 1] ==~ /\{guest_instr_count=\d+}/
        record > replay + 1
        out.lines().subList(replay + 2, record).every { it.isBlank() }
        out.lines()[record + 1] ==~ /\{guest_instr_count=\d+}/
        out.lastInstr().asLong == (out.lines()[replay + 1] =~ /\d+/)[0] as long
    }

    def "PANDA's texts: `Recording ready for use.`, the `instrs total.` line, progress every 1%, `log is empty.`, one `Replay completed successfully`"() {
        given:
        def dir = Files.createTempDirectory('tandem-texts-')

        when:
        def rec = MiniPanda.run(recording.binary(), dir, MiniPanda.recordArguments('t', 20_000))
        def rep = MiniPanda.run(recording.binary(), dir, MiniPanda.replayArguments('t', null))
        def progress = rep.lines().findAll { it ==~ /^t:\s+\d+ \(\s*[0-9.]+%\) instrs\..*/ }

        then:
        rec.lines().contains('opening nondet log for write:\t./t-rr-nondet.log')
        rec.lines().last() == 'Recording ready for use.'
        rep.lines().contains('./t-rr-nondet.log:       20000 instrs total.')
        progress.size() == 99
        rep.lines().contains('./t-rr-nondet.log:  log is empty.')
        rep.lines().count { it.contains('Replay completed successfully') } == 1
        rep.lines().contains('Replay completed successfully')
        !rep.lines().any { it.startsWith('Checksum of guest memory') }
        rep.lastInstr().asLong == progress.collect { (it =~ /(\d+) \(/)[0][1] as long }.max()

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    def "a failed replay says `Ahead of log` with the log's next entry before `FOUND DISAGREEMENT!`"() {
        when:
        def rep = MiniPanda.replay(recording, new MiniPanda.Bug(MiniPanda.BugKind.IRQ, LENGTH / 2 as long))
        int ahead = rep.lines().findIndexOf { it.startsWith('Ahead of log while looking for log entry of type ') }
        int found = rep.lines().indexOf('FOUND DISAGREEMENT!')

        then:
        ahead >= 0
        found > ahead
        // the entry goes to stdout right after the `Ahead of log` line, the count to stderr (qemu_log),
        // as in PANDA: only the order within each stream is fixed once both share one pipe
        rep.lines().drop(ahead + 1).takeWhile { it != 'FOUND DISAGREEMENT!' }.any { it ==~ /\tRR_\w+ from \S+/ }
        rep.lines().any { it ==~ /\{guest_instr_count=\d+\}/ }
        rep.failed()
    }

    static final String ICOUNT = 'timers_state.qemu_icount - (int32_t)cpus->tqh_first->icount_decr.u32 - cpus->tqh_first->icount_extra'

    def "PANDA keeps QEMU's icount fields only under -icount: without it they read 0 and only diverge.py's rr_guest_instr_count condition counts"() {
        given:
        def plain = MiniPanda.replayUnderGdb(recording, null, Demo.GDB)
        def icount = new LiveProgram(Demo.GDB, recording.binary(), MiniPanda.replayArguments(recording.name(), null) + ['-icount', '7'],
                recording.directory(), null)

        when:
        def at = [plain, icount].collect { target ->
            try (PandaSession s = PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(target), Optional.empty())) {
                s.toInstr(20_000)
                [s.instrCount(), s.debugger().evaluateUnsigned(ICOUNT), s.debugger().evaluateUnsigned(s.divergeCountExpression())]
            }
        }

        then:
        at[0][0] >= 20_000
        at[0][1] == 0
        at[0][2] == at[0][0]
        at[1][1] == at[1][0]
        at[1][2] == at[1][0]
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

    /**
     * A copy of the recording whose snapshot is {@code snapshot(real)} (null: no snapshot), in a
     * temp folder the caller deletes.
     */
    MiniPanda.Recording damaged(Closure<String> snapshot) {
        def dir = Files.createTempDirectory('tandem-snp-')
        def copy = new MiniPanda.Recording(recording.binary(), dir, recording.name(), recording.instrs())
        Files.copy(recording.log(), copy.log())
        String text = snapshot(Files.readString(recording.snapshot()))
        if (text != null) Files.writeString(copy.snapshot(), text)
        copy
    }

    // what the real panda-system-mips of the notes' branch printed for each, measured (PANDA.md)
    static final Map<String, Closure<String>> SNAPSHOTS = [
            missing  : { String real -> null },
            garbage  : { String real -> 'x' * 100 },
            'cut short': { String real -> real.readLines().take(1).join('\n') + '\n' },
    ]

    def "a snapshot PANDA cannot load: mini-PANDA prints the real PANDA's words, exits as it does, and the replay never starts"() {
        given:
        def bad = damaged(SNAPSHOTS[snapshot])

        when:
        def out = MiniPanda.replay(bad, null)

        then:
        out.exitCode() == code
        out.lines().containsAll(words)
        !out.lines().any { it.contains('instrs total') }

        and: 'tandem reads the reason from those words'
        out.failureText().containsAll(words.findAll { it != 'loading snapshot' })
        out.snapshotNotLoaded().get().contains(reason)

        cleanup:
        MiniPanda.deleteTree(bad?.directory())

        where:
        snapshot    | code | reason                          | words
        'missing'   | 134  | "snapshot file doesn't exist?"  | ['loading snapshot', "... snapshot file doesn't exist?"]
        'garbage'   | 1    | 'Not a migration stream'        | ['loading snapshot', 'panda-system-mips: Not a migration stream', 'Failed to load vmstate', 'Failed to start replay']
        'cut short' | 1    | 'Missing section footer for ram' | ['loading snapshot', 'panda-system-mips: Missing section footer for ram', 'Failed to load vmstate', 'Failed to start replay']
    }

    def "a replay under gdb whose snapshot PANDA cannot load: the error names the file and PANDA's reason, not the recording's end"() {
        given:
        def bad = damaged(SNAPSHOTS[snapshot])
        def rep = PandaSession.open('rep', PandaSession.Role.REPLAY,
                GdbDebugger.open(MiniPanda.replayUnderGdb(bad, null, Demo.GDB)), Optional.empty())

        when:
        rep.beginRecordOrReplay()

        then:
        def e = thrown(PandaException)
        e.message.contains(bad.snapshot().toString())
        e.message.contains(reason)
        e.message.contains('the replay never started')
        !e.message.contains('the recording ends')

        cleanup:
        rep?.close()
        MiniPanda.deleteTree(bad?.directory())

        where:
        snapshot    | reason
        'missing'   | "snapshot file doesn't exist?"
        'garbage'   | 'Not a migration stream'
        'cut short' | 'Missing section footer for ram'
    }
}
