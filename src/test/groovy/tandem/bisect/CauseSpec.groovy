// The cause a divergence is classified as, on the demo's four injected replay bugs: each must come
// out as what mini-PANDA injected (the fixture's bug kind), with the write that did it as the
// evidence; and, with rec recording TBs chained (no -d nochain), a divergence hidden inside a chain
// of rec's TBs as a TB boundary difference, with the chain's counts from a plain gdb run. The
// nondet log takes no part here (the same log on both sides).
package tandem.bisect

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll
import tandem.panda.MiniPanda

import java.nio.file.Files

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

    def "rec records with TBs chained and rep's failed replay ends inside a chain of rec's TBs: a TB boundary difference, with the chain's counts"() {
        given: "a RAM bug whose replay ends (PANDA's abort) before the record run next returns to cpu_loop_exec_tb"
        def bug = new MiniPanda.Bug(BugKind.RAM, 100_000)
        def replay = MiniPanda.replay(recording, bug)
        long injected = MiniPanda.injectedAt(replay), end = replay.lastInstr().asLong

        and: "where the record run, chained as PANDA records by default, stops at cpu_loop_exec_tb: a plain gdb run"
        List<Long> stops = chainStarts(injected - 5_000, end + 5_000)
        long chainStart = stops.findAll { it < injected }.max()

        when:
        def pair = DemoPair.open(recording, bug, true)
        def d = Bisector.search(pair, BisectOptions.defaults())
        def why = Explanation.of(d, null, null)

        then: "the chain holding the bug and rep's end: rec ran through it, nothing in it compared"
        stops.every { it <= chainStart || it > end }
        d.diverged()
        why.cause().kind() == Cause.Kind.TB_BOUNDARY
        d.tbBoundaries().side() == 'rec'
        d.tbBoundaries().from() == chainStart
        d.tbBoundaries().at() >= injected && d.tbBoundaries().at() < end
        why.cause().evidence().startsWith("rep ends at ${d.tbBoundaries().at()}, inside a chain of rec's TBs that starts at $chainStart")
        why.lines().contains("TB boundaries differ: ${d.tbBoundaries()}".toString())
        why.lines().last() == "why: ${why.cause()}".toString()

        cleanup:
        pair?.close()
    }

    def "rec records with TBs chained, an interrupt on one side only where rec's chain returns to PANDA's loop, rep failing soon after: exact, an interrupt"() {
        given: "an interrupt bug at 100000: rep's replay fails some TBs after it"
        def bug = new MiniPanda.Bug(BugKind.IRQ, 100_000)
        def replay = MiniPanda.replay(recording, bug)
        long injected = MiniPanda.injectedAt(replay), end = replay.lastInstr().asLong

        and: "the chained record run stops at cpu_loop_exec_tb at that count (a plain gdb run), so both sides can stand there"
        List<Long> stops = chainStarts(injected - 5_000, end + 5_000)
        injected in stops

        when:
        def pair = DemoPair.open(recording, bug, true)
        def d = Bisector.search(pair, BisectOptions.defaults())
        def why = Explanation.of(d, null, null)

        then: "the TB where the interrupt was taken on one side, its PC another on each side, classified as the interrupt"
        d.diverged()
        d.firstDiverged() == injected
        d.lastEqual() == stops.findAll { it < injected }.max()
        'pc' in d.registers()
        why.cause().kind() == Cause.Kind.INTERRUPT
        why.lines().any { it.startsWith('TB boundaries differ: rec runs TBs chained') }
        why.lines().last() == "why: ${why.cause()}".toString()

        cleanup:
        pair?.close()
    }

    /** The counts at which the chained record run enters cpu_loop_exec_tb between lo and hi, as gdb prints them. */
    private List<Long> chainStarts(long lo, long hi) {
        def dir = Files.createTempDirectory('tandem-cause-chain-')
        try {
            def script = dir.resolve('stops.gdb')
            Files.writeString(script, """set pagination off
break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count >= $lo
commands
silent
printf "tb %llu\\n", cpus->tqh_first->rr_guest_instr_count
if cpus->tqh_first->rr_guest_instr_count > $hi
kill
quit
end
continue
end
run
""")
            def p = new ProcessBuilder(['gdb', '-batch', '-nx', '-x', script.toString(), '--args', recording.binary().toString(),
                                        *MiniPanda.recordArguments(recording.name(), recording.instrs(), true)])
                    .directory(dir.toFile()).redirectErrorStream(true).start()
            String out = p.inputStream.text
            p.waitFor()
            List<Long> stops = (out =~ /(?m)^tb (\d+)$/).collect { it[1] as long }
            assert stops && stops.last() > hi: out
            return stops
        } finally {
            dir.toFile().deleteDir()
        }
    }
}
