// `tandem bisect RECTRACE REPTRACE` end to end on rr traces of the demo made by the stand-in rr
// (src/test/rr/rr): the record run, a replay with a bug, a replay without one. The stand-in can't
// reverse, so every search here moves forwards only and takes hi from where a run ends.
package tandem.cli

import groovy.json.JsonSlurper
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.bisect.BisectOptions
import tandem.bisect.Bisector
import tandem.console.TandemProcess
import tandem.debugger.GdbDebugger
import tandem.debugger.RrReplay
import tandem.debugger.RrTrace
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda
import tandem.panda.MiniPanda.Bug
import tandem.panda.MiniPanda.BugKind
import tandem.panda.Pair
import tandem.panda.PandaSession

import java.nio.file.Files
import java.nio.file.Path

@Timeout(120)
class BisectCliSpec extends Specification {
    static final long INSTRS = 40_000
    static final Bug BUG = new Bug(BugKind.RAM, 20_000)

    @Shared MiniPanda.Recording recording
    @Shared Path recrep
    @Shared Path reprep
    @Shared Path cleanrep
    @Shared long truth
    @Shared Set<Long> before

    def setupSpec() {
        before = Demo.children()
        def dir = Files.createTempDirectory('tandem-bisect-rr-')
        recording = new MiniPanda.Recording(MiniPanda.binary(Arch.MIPS), dir, 'ls', INSTRS)
        recrep = Demo.rrRecord(recording, 'recrep', MiniPanda.recordArguments('ls', INSTRS))
        reprep = Demo.rrRecord(recording, 'reprep', MiniPanda.replayArguments('ls', BUG))
        cleanrep = Demo.rrRecord(recording, 'cleanrep', MiniPanda.replayArguments('ls', null))
        truth = MiniPanda.injectedAt(MiniPanda.replay(recording, BUG))
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    static Map tandem(List<String> args) {
        TandemProcess.run(['bisect', *args, '--rr', Demo.RR.toString(), '--gdb', Demo.GDB.toString()])
    }

    def "both rr replays opened with RrReplay: the search, forwards only, names the exact count"() {
        given:
        def sides = [['rec', PandaSession.Role.RECORD, recrep], ['rep', PandaSession.Role.REPLAY, reprep]].collect { name, role, dir ->
            def trace = new RrTrace(Demo.RR, dir as Path)
            PandaSession.open(name as String, role as PandaSession.Role, GdbDebugger.open(new RrReplay(trace, Demo.GDB, null)),
                    Arch.fromCommandLine(trace.pandaCommand()))
        }
        def pair = new Pair(sides[0], sides[1])

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.firstDiverged() == truth
        d.lastEqual() < truth
        !d.memory().isEmpty()

        cleanup:
        pair?.close()
    }

    def "tandem bisect: exit 0, the count as the last line, and a JSON and a Markdown report"() {
        given:
        def dir = Files.createTempDirectory('tandem-cli-report-')
        def report = dir.resolve('divergence.json')

        when:
        def r = tandem([recrep.toString(), reprep.toString(), '--report', report.toString()])
        def json = new JsonSlurper().parse(report.toFile())
        def md = dir.resolve('divergence.md').toFile().text

        then:
        r.code == 0
        r.out.readLines().last() == "first divergence at guest instruction $truth"
        json.firstDiverged == truth
        json.lastEqual < truth
        json.registers instanceof List
        !json.memory.isEmpty()
        json.tlb instanceof Boolean
        json.recBacktrace instanceof List && !json.recBacktrace.isEmpty()
        json.repBacktrace instanceof List && !json.repBacktrace.isEmpty()
        md.contains("first divergence at guest instruction $truth")
        md.contains(String.valueOf(json.lastEqual))

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    def "tandem bisect: exit 1 when the replay never diverges"() {
        when:
        def r = tandem([recrep.toString(), cleanrep.toString()])

        then:
        r.code == 1
        r.out.readLines().last().startsWith('the runs never diverge')
    }

    def "tandem bisect: exit 2 with a clear message on bad input"() {
        given: 'REC and REP stand for the two good traces'
        def real = args.collect { it == 'REC' ? recrep.toString() : it == 'REP' ? reprep.toString() : it }

        when:
        def r = tandem(real)

        then:
        r.code == 2
        (r.out + r.err).contains(text)

        where:
        args                                      | text
        ['REC', '/nonexistent/trace']             | 'it is not a directory'
        ['REC', NOT_RR]                           | 'has no `version` file'
        ['REC', 'REP', '--instr-bounds=30000,10000'] | 'reversed'
        ['REC', 'REP', '--instr-bounds=ten,20']   | 'not an instruction count: ten'
        ['REC', 'REP', '--strategy=sideways']     | 'sideways'
    }

    def "tandem bisect: exit 2 naming both archs when rec and rep are PANDAs of different archs"() {
        given:
        def dir = Files.createTempDirectory('tandem-bisect-x86-')
        def x86 = MiniPanda.record(MiniPanda.binary(Arch.X86_64), dir, 'ls', 20_000)
        def x86rep = Demo.rrRecord(x86, 'reprep', MiniPanda.replayArguments('ls', BUG))

        when:
        def r = tandem([recrep.toString(), x86rep.toString()])

        then:
        r.code == 2
        r.out.contains('rec is a mips PANDA and rep a x86_64 one')

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    static final String NOT_RR = Files.createTempDirectory('not-rr-').toString()
}
