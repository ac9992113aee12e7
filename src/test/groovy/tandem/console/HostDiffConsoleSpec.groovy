// `hostDiff()` in the console on mini-PANDA: the host-level lockstep at the TB both sides stand at.
// Two replays of one recording with no bug run the same host code (the truth: nothing was
// injected), so it finds nothing and leaves both sides at that TB; sides at other counts, away
// from a TB, or a record run against a replay are refused in one line, and the console goes on.
// What it names on the real PANDA: RealPandaWhySpec.
package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda
import tandem.panda.PandaSession
import tandem.panda.PandaSide

@Timeout(300)
class HostDiffConsoleSpec extends Specification {
    @Shared MiniPanda.Recording recording

    def setupSpec() {
        recording = Demo.record(20_000)
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
    }

    def "two replays with no bug at one TB: no host function's result differs, and both sides are back at that TB"() {
        given:
        def before = Demo.children()
        def c = ConsoleErrorsSpec.console(recording, recording.name())

        when:
        String moved = ConsoleErrorsSpec.typed(c, 'toInstr 5000')
        long at = (moved =~ /rec (\d+)/)[0][1] as long
        String out = ConsoleErrorsSpec.typed(c, 'hostDiff()')
        String after = ConsoleErrorsSpec.typed(c, 'instr()')

        then: 'the TB at that count stepped on both sides alike, up to the next TB'
        out.readLines().any { it ==~ /first host difference: none found: the host code of the TBs from guest instruction $at to \d+ called the same functions with the same results on both sides.*/ }
        !out.contains('error:')
        after.trim() == "rec $at | rep $at  (same)".toString()

        cleanup:
        ((Context) c?.ctx)?.sessions?.close()
        assert Demo.leftovers(before).isEmpty()
    }

    def "sides at other counts, or not at a TB, are refused in one line saying what to do; the console goes on"() {
        given:
        def before = Demo.children()
        def c = ConsoleErrorsSpec.console(recording, recording.name())
        ConsoleErrorsSpec.typed(c, 'toInstr 5000')

        when: 'rec one TB ahead of rep'
        ConsoleErrorsSpec.typed(c, 'use rec')
        long recAt = ConsoleErrorsSpec.typed(c, 'nextTb()').trim() as long
        ConsoleErrorsSpec.typed(c, 'use both')
        String apart = ConsoleErrorsSpec.typed(c, 'hostDiff()')

        and: "both at one count again, then rec into its TB's execution (mini-PANDA's tb_exec)"
        ConsoleErrorsSpec.typed(c, "toInstr $recAt")
        ConsoleErrorsSpec.typed(c, 'use rec')
        ConsoleErrorsSpec.typed(c, 'tbreak tb_exec')
        ConsoleErrorsSpec.typed(c, 'c')
        ConsoleErrorsSpec.typed(c, 'use both')
        String inside = ConsoleErrorsSpec.typed(c, 'hostDiff()')
        String still = ConsoleErrorsSpec.typed(c, 'use rep')

        then:
        apart.readLines().first() ==~ /error: rec is at guest instruction $recAt, rep at \d+: hostDiff steps one TB on both sides from one count \(toInstr N brings both to the first TB at or after N\)/
        inside.readLines().first() ==~ /error: rec stands in tb_exec, not at a TB \(cpu_loop_exec_tb\): hostDiff steps a TB from its start \(toInstr $recAt brings both to the first TB at or after it\)/
        still.trim() == 'focus: rep'

        cleanup:
        ((Context) c?.ctx)?.sessions?.close()
        assert Demo.leftovers(before).isEmpty()
    }

    def "a record run against a replay (the demo) is refused: PANDA's host code differs between recording and replaying by design"() {
        given:
        def before = Demo.children()
        StringWriter w = new StringWriter()
        Context ctx = new Context(new PrintWriter(w, true), new Render(false, 160), false)
        def rec = MiniPanda.recordUnderGdb(recording, Demo.GDB)
        ctx.use(Sessions.open('demo', new PandaSide('rec', PandaSession.Role.RECORD, rec),
                new PandaSide('rep', PandaSession.Role.REPLAY, MiniPanda.replayUnderGdb(recording, null, Demo.GDB)), Arch.MIPS))
        def c = [ctx: ctx, ev: new Evaluator(ctx), written: w]

        when:
        String out = ConsoleErrorsSpec.typed(c, 'hostDiff()')

        then:
        out.readLines() == ["error: hostDiff compares like with like: rec records and rep replays, and PANDA's host code differs"
                                    + " between recording and replaying by design: it compares two replays"]

        cleanup:
        ctx?.sessions?.close()
        MiniPanda.deleteTree(rec?.workingDirectory())
        assert Demo.leftovers(before).isEmpty()
    }
}
