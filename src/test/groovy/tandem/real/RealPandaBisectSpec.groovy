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

        and: 'few full passes: going back re-executes'
        pair.rec().reexecutions() <= 4

        cleanup:
        pair?.close()
        assert RealPandaPair.pandaProcesses() - before == [] as Set
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
