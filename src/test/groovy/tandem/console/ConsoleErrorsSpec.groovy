package tandem.console

import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda

/** What the console says when a line fails: readable, and nothing of the other side lost. */
@Timeout(240)
class ConsoleErrorsSpec extends Specification {

    /** What the console printed for {@code input}, on no sessions. */
    static String typed(String input) {
        StringWriter w = new StringWriter()
        Context ctx = new Context(new PrintWriter(w, true), new Render(false, 120), false)
        new Evaluator(ctx).evaluate(input)
        return w.toString()
    }

    def "a Groovy syntax error says what and where, as gdb says a syntax error"() {
        expect:
        typed(input).trim() == shown

        where:
        input              | shown
        '1 +'              | 'error: not Groovy, a gdb line or a shell line (shell lines start with `$ `): Unexpected input: \'+\' at column 3'
        'x = [1,\n 2,\n'   | 'error: not Groovy, a gdb line or a shell line (shell lines start with `$ `): Unexpected end of input at line 2, column 4'
    }

    /** The console on mini-PANDA replaying {@code recording} on each side, by its command line (rep's replays {@code repName}). */
    static Map console(MiniPanda.Recording recording, String repName) {
        String panda = MiniPanda.binary(Arch.MIPS).toString()
        String rec = ([panda] + MiniPanda.replayArguments(recording.name(), null)).join(' ')
        String rep = ([panda] + MiniPanda.replayArguments(repName, null)).join(' ')
        StringWriter w = new StringWriter()
        Context ctx = new Context(new PrintWriter(w, true), new Render(false, 160), false)
        ctx.use(Sessions.of(null, Demo.GDB, null, rec, null, rep, recording.directory(), [], [], 'mips'))
        [ctx: ctx, ev: new Evaluator(ctx), written: w]
    }

    static String typed(Map c, String line) {
        StringWriter w = c.written
        int from = w.toString().length()
        ((Evaluator) c.ev).evaluate(line)
        return w.toString().substring(from)
    }

    def "on both sides, an error on one side does not hide the other side's answer"() {
        given:
        def before = Demo.children()
        def recording = Demo.record(20_000)
        def c = console(recording, recording.name())

        when: 'a convenience variable set on rec alone: rep has none to divide by'
        typed(c, 'use rec')
        typed(c, 'set $only = 5')
        typed(c, 'use both')
        String out = typed(c, 'p 10 / $only')

        then:
        out.readLines() == ['rec: $1 = 2', 'error: rep: gdb rejected `p 10 / $only`: Argument to arithmetic operation not a number or boolean.']

        cleanup:
        ((Context) c?.ctx)?.sessions?.close()
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def "a side that failed to open leaves the other serving: use rec and use rep work, and the failed side answers in one line"() {
        given: 'rep replays a recording that does not exist: mini-PANDA ends before the start of its replay'
        def before = Demo.children()
        def recording = Demo.record(20_000)
        def c = console(recording, 'nosuch')

        when:
        String both = typed(c, 'instr()')
        String gdbLine = typed(c, 'p 1 + 1')
        String toRec = typed(c, 'use rec')
        String recAlone = typed(c, 'instr()')
        String toRep = typed(c, 'use rep')
        String repAlone = typed(c, 'p 1 + 1')

        then: "rec answers; rep's failure is one line, saying where the console still works"
        both.readLines().size() == 2
        both.readLines()[0] ==~ /rec: \d+/
        both.readLines()[1] ==~ /error: rep did not start \(.+\); `use rec` works on rec/
        gdbLine.readLines() == ['rec: $1 = 2', both.readLines()[1]]
        toRec.trim() == 'focus: rec'
        recAlone.trim() ==~ /\d+/
        toRep.trim() == 'focus: rep'
        repAlone.readLines() == [both.readLines()[1]]

        cleanup:
        ((Context) c?.ctx)?.sessions?.close()
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def "a console ended by SIGTERM while its sides start leaves no tandem-* folder behind"() {
        given: 'a temp folder of its own, so that what it leaves is what this console left'
        def tmp = java.nio.file.Files.createTempDirectory('tandem-sigterm-')
        List<String> cmd = TandemProcess.command(['demo', '--instrs', '20000']).collect {
            it.startsWith('-Djava.io.tmpdir=') ? "-Djava.io.tmpdir=$tmp".toString() : it
        }
        def pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        pb.environment().put('TANDEM_HOME', TandemProcess.HOME.toString())
        def before = TandemProcess.demoProcesses()

        when: "it is ended once a side's gdb runs (its program's output pipe exists)"
        Process p = pb.start()
        long until = System.currentTimeMillis() + 60_000
        while (!tmp.toFile().list().any { it.startsWith('tandem-program-') } && System.currentTimeMillis() < until) sleep 20
        boolean started = tmp.toFile().list().any { it.startsWith('tandem-program-') }
        p.destroy()   // SIGTERM, as a terminal's Ctrl-C ends the JVM before the console reads its first line
        p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)

        then:
        started
        tmp.toFile().list().findAll { it.startsWith('tandem-') } == []
        TandemProcess.leftovers(before).isEmpty()

        cleanup:
        p?.destroyForcibly()
        MiniPanda.deleteTree(tmp)
    }
}
