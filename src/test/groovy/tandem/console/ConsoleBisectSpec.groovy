// The console's `bisect lo, hi` verb, typed at the piped REPL of `tandem demo`: the search runs on
// the console's pair and its answer, the exact count, shows in the output.
package tandem.console

import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda

@Timeout(180)
class ConsoleBisectSpec extends Specification {

    def "bisect lo, hi at the demo console names the first divergent guest instruction"() {
        given: 'the ground truth: where the demo replay takes the tlb bug'
        def r = Demo.record(20_000)
        long truth = MiniPanda.injectedAt(MiniPanda.replay(r, new MiniPanda.Bug(MiniPanda.BugKind.TLB, 10_000)))
        def before = TandemProcess.demoProcesses()

        when:
        def out = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], 'bisect 0, 20000\n')

        then:
        out.code == 0
        out.out.contains("first divergence at guest instruction $truth")
        out.out =~ /(?m)^.*tlb.*$/
        // the report's rec and rep columns meet at one place, the disassembly's tabs included
        out.out.readLines().findAll { it.contains(' | ') }.size() > 5
        out.out.readLines().findAll { it.contains(' | ') }.collect { it.indexOf(' | ') }.unique().size() == 1
        TandemProcess.leftovers(before).isEmpty()

        cleanup:
        MiniPanda.deleteTree(r?.directory())
    }

    def "bisect's progress starts at once with its phase, bracket and stops, and shows no time left before one is known"() {
        given:
        def before = TandemProcess.demoProcesses()

        when: 'bisect alone: the search does not know where it ends until a side ends'
        def out = TandemProcess.run(['demo', '--instrs', '200000', '--at', '100000'], 'bisect\n')
        List<String> progress = out.out.readLines().findAll { it ==~ /^[a-z]+\s+\[\d+, (\d+|end)\]  probes \d+ done.*/ }
        int firstEstimate = progress.findIndexOf { it.contains('s left') }

        then: 'the first line comes before any probe, with the bounds as they are known'
        out.code == 0
        progress[0] ==~ /start\s+\[0, end\]  probes 0 done  \d+\.\d s elapsed  0 stops/
        progress.every { it =~ /  \d+ stops$/ }

        and: 'an estimate only once there is one: never 0.0 s, never before a probe, and never first'
        firstEstimate > 0
        !out.out.contains('~0.0 s left')
        progress.findAll { it.contains('s left') }.every { !it.contains('probes 0 done') }
        !progress.any { it.contains('~0 left') }

        and: 'once a side ended, no bracket reaches past that end'
        def ended = out.out =~ /the search ends at guest instruction (\d+)/
        ended.find()
        long end = ended.group(1) as long
        def uppers = progress.collect { (it =~ /\[\d+, (\d+)\]/).with { m -> m.find() ? m.group(1) as long : null } }.findAll { it != null }
        !uppers.isEmpty()
        uppers.every { it <= end }

        and: 'the search ends with its answer'
        out.out.contains('first divergence at guest instruction')
        TandemProcess.leftovers(before).isEmpty()
    }

    def "bisect's progress shows a time left only once there is one to show"() {
        expect:
        BisectHook.line(new tandem.bisect.BisectListener.Progress('narrow', 0, 100, done, 5,
                java.time.Duration.ofMillis(1500), java.time.Duration.ofMillis(left), 3)).contains('s left') == shown

        where:
        done | left  | shown
        0    | 0     | false      // nothing measured yet: no "~0.0 s left"
        1    | 0     | false
        1    | 27300 | true
    }
}
