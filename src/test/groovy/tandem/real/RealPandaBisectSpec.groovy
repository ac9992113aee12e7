// The divergence search on the real panda-system-mips, against answers the fixtures know without
// tandem: the log entry a copied nondet log changes, PANDA's own MIPS TLB divergence (the first
// tlbwr whose entry differs between the plain replay and the one given the record run's seed),
// and a log left alone.
package tandem.real

import spock.lang.Requires
import spock.lang.Specification
import spock.lang.Timeout
import tandem.bisect.BisectOptions
import tandem.bisect.Bisector

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaBisectSpec extends Specification {

    def "bisect names the TB where a changed input of the nondet log is consumed"() {
        given:
        def fx = RealPanda.get()
        def edited = fx.edited()
        long consumed = edited.editedCount
        def before = RealPandaPair.pandaProcesses()
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', edited.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then: 'the last equal and first differing TB boundaries enclose the read of the edited value'
        d.diverged()
        d.lastEqual() <= consumed
        consumed < d.firstDiverged()
        d.firstDiverged() - d.lastEqual() <= 512

        and: 'what differs is named, with both backtraces'
        !d.registers().isEmpty() || !d.memory().isEmpty()
        !d.recBacktrace().isEmpty()
        !d.repBacktrace().isEmpty()
        d.toString().readLines().count { it.startsWith('pc 0x') } == 1

        and: 'few full passes: going back re-executes'
        pair.rec().reexecutions() <= 4

        and: "where rep ended is named for what it is: PANDA's replay failing (rr_do_end_replay with is_error set)"
        d.notes().any { it.contains("rep ended at ${replayPoint(edited.recording)} (PANDA's replay failed there: rr_assert_fail aborted it)") }

        cleanup:
        pair?.close()
        assert RealPandaPair.pandaProcesses() - before == [] as Set
    }

    def "given the failing replay's point as instrMax (diverge.py's --instr-max), the search goes back only for the analysis' watch"() {
        given:
        def fx = RealPanda.get()
        def edited = fx.edited()
        long consumed = edited.editedCount
        long instrMax = replayPoint(edited.recording)
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', edited.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults().instrMax(instrMax))

        then:
        d.diverged()
        d.lastEqual() <= consumed
        consumed < d.firstDiverged()
        d.firstDiverged() <= instrMax

        and: 'the scan stops below instrMax, so nothing runs back to it; the watch for the cause runs back once'
        pair.rec().reexecutions() <= 1
        pair.rep().reexecutions() <= 1

        cleanup:
        pair?.close()
    }

    def "bisect finds PANDA's own MIPS TLB divergence: the first tlbwr whose entry differs, and that the TLB differs"() {
        given:
        def fx = RealPanda.get()
        def tlb = fx.tlbDivergence()
        long tlbwr = tlb.firstDifferingTlbwr.instrCount
        // rec: the replay given the record run's Random seed at rr_do_begin_replay (it completes);
        // rep: the plain replay, which fails (PANDA.md)
        def pair = RealPandaPair.open(RealPandaPair.side('rec', tlb.recording, tlb.seedRestoreCommands),
                RealPandaPair.side('rep', tlb.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.lastEqual() < tlbwr
        tlbwr <= d.firstDiverged()
        d.firstDiverged() - d.lastEqual() <= 512
        d.tlb()

        cleanup:
        pair?.close()
    }

    /** The count a plain replay of {@code r} fails at: "Current replay point" or "Replay program point" in PANDA's failure text. */
    private static long replayPoint(RealPanda.Recording r) {
        def replay = RealPanda.get().replay(r)
        assert !replay.completed: "the replay of ${r.dir} completed:\n${replay.output}"
        def m = replay.output =~ /(?:Current replay point|Replay program point):\s*\{guest_instr_count=(\d+)\}/
        assert m.find(): "no replay point in:\n${replay.output}"
        m.group(1) as long
    }

    def "an unchanged log never diverges"() {
        given:
        def fx = RealPanda.get()
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', fx.unchanged()))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        !d.diverged()

        cleanup:
        pair?.close()
    }
}
