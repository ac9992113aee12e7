// The cause a divergence is classified as, on the demo's four injected replay bugs: each must come
// out as what mini-PANDA injected (the fixture's bug kind), with the write that did it as the
// evidence. mini-PANDA's text log is not PANDA's, so no log takes part here.
package tandem.bisect

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll
import tandem.panda.MiniPanda

import static tandem.panda.MiniPanda.BugKind

class CauseSpec extends Specification {
    @Shared MiniPanda.Recording recording

    def setupSpec() {
        recording = DemoPair.record(200_000)
    }

    def cleanupSpec() {
        recording?.directory()?.toFile()?.deleteDir()
    }

    @Unroll
    def "a #kind bug injected at #at is classified as #expected, with the injecting write as evidence"() {
        given:
        def bug = new MiniPanda.Bug(kind, at)
        def pair = DemoPair.open(recording, bug)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())
        def why = Explanation.of(d, null, null)

        then: "the kind mini-PANDA injected, and the side that wrote (rep for a bug it made; rec for the interrupt rep delivers late)"
        d.diverged()
        why.cause().kind() == expected
        why.cause().evidence().startsWith(side + ' wrote ')
        why.lines().last() == "why: ${why.cause()}".toString()

        cleanup:
        pair?.close()

        where:
        kind        | at      | expected              | side
        BugKind.REG | 100_000 | Cause.Kind.REGISTER    | 'rep'
        BugKind.RAM | 100_000 | Cause.Kind.RAM         | 'rep'
        BugKind.TLB | 100_000 | Cause.Kind.TRANSLATION | 'rep'
        BugKind.IRQ | 100_000 | Cause.Kind.INTERRUPT   | 'rec'
    }

    def "two runs of one replay: a write on one side only is where the difference surfaced, the cause is state the log does not hold"() {
        given: "a divergence whose watch saw a register written on one side only"
        def pair = DemoPair.open(recording, new MiniPanda.Bug(BugKind.REG, 100_000))
        def d = Bisector.search(pair, BisectOptions.defaults())

        when: "it is taken as two runs of one replay (tandem check): one snapshot, one log, the same commands"
        def why = Explanation.ofOneReplay(d, null)

        then: "nothing either run was given differs, so the cause is what neither holds; the write stays as the evidence"
        Explanation.of(d, null, null).cause().kind() == Cause.Kind.REGISTER
        why.cause().kind() == Cause.Kind.UNLOGGED_STATE
        why.cause().evidence().startsWith('two runs of one replay')
        why.cause().evidence().contains('rep wrote ')
        why.lines().last() == "why: ${why.cause()}".toString()
        why.lines().count { it.startsWith('why: ') } == 1

        cleanup:
        pair?.close()
    }
}
