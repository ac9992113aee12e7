package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.debugger.GdbDebugger
import tandem.panda.Demo
import tandem.panda.MiniPanda
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.time.WaysBack

/**
 * Pasted gdb lines on mini-PANDA's replay under real gdb that has no libc debug info (as on a
 * machine without libc6-dbg): calls into libc whose return type gdb lacks, and a call that crashes.
 */
@Stepwise
@Timeout(180)
class GdbLinesSpec extends Specification {

    @Shared MiniPanda.Recording recording
    @Shared PandaSession s
    @Shared Set<Long> before
    BreakpointNumbers.Line breakpoints = new BreakpointNumbers().line()

    def setupSpec() {
        before = Demo.children()
        recording = Demo.record(50_000)
        def target = MiniPanda.replayUnderGdb(recording, null, Demo.GDB)
                .withGdbOptions('-iex', 'set debug-file-directory /nonexistent')
        s = PandaSession.open('rec', PandaSession.Role.REPLAY, GdbDebugger.open(target), Optional.empty())
        s.toInstr(10_000)
    }

    def cleanupSpec() {
        s?.close()
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def "a string-returning call is cast to char *, as libc declares it, and gdb shows the string"() {
        given: 'the program inherited this environment from gdb'
        String path = System.getenv('PATH')

        when:
        def out = GdbLines.run(s, 'p getenv("PATH")', breakpoints)

        then:
        out.contains('ran: p (char *) getenv("PATH")')
        out.contains('cast to char *')
        out =~ /\$\d+ = 0x[0-9a-f]+ "\Q${path.take(40)}\E/
    }

    def "a pointer-returning call keeps every bit of the pointer"() {
        when:
        def out = GdbLines.run(s, 'call malloc(16)', breakpoints)
        def shown = (out =~ /\$\d+ = \(void \*\) (0x[0-9a-f]+)/)

        then: 'the value is the one gdb holds, read back as an unsigned 64-bit number'
        out.contains('ran: call (void *) malloc(16)')
        shown.find()
        Long.decode(shown.group(1)) == s.debugger().evaluateUnsigned('$')
        Long.decode(shown.group(1)) > 0xffffffffL
    }

    def "an IFUNC that gdb names by its address is cast as the line calls it"() {
        when: "gdb: 'at 0x0x7ffff7f1cac0' has unknown return type"
        def out = GdbLines.run(s, 'call strlen("abc")', breakpoints)

        then:
        out.contains('ran: call (unsigned long) strlen("abc")')
        out.readLines().last() ==~ /\$\d+ = 3/
    }

    def "a function libc's list does not know is cast to a pointer-sized integer, and says so"() {
        given:
        def pageSize = ['getconf', 'PAGESIZE'].execute().text.trim()

        when:
        def out = GdbLines.run(s, 'call getpagesize()', breakpoints)

        then:
        out.contains('ran: call (long) getpagesize()')
        out.contains('pointer-sized')
        out.readLines().last() ==~ /\$\d+ = $pageSize/
    }

    def "a call that crashes is undone: the side stays where it was, and the error says what the call did"() {
        given:
        long count = s.instrCount()
        long pc = s.pc()

        when:
        GdbLines.run(s, 'call (int) puts(0)', breakpoints)

        then:
        def e = thrown(PandaException)
        e.message.contains('`call (int) puts(0)` got a signal inside the function it called')
        e.message.contains('rec is where it was before it')
        !e.message.contains('recording ends')
        s.instrCount() == count
        s.pc() == pc
        s.debugger().backtrace()[0].function() == 'cpu_loop_exec_tb'

        when: 'the side moves on as if nothing happened'
        long reached = s.toInstr(20_000)

        then:
        reached >= 20_000
        reached < 20_600
    }

    def "gdb's own checkpoint is refused on a side behind gdbserver, whose fork gdb cannot keep; the checkpoints tandem forks there take it back"() {
        given:
        def target = tandem.debugger.GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, recording.binary(),
                MiniPanda.replayArguments(recording.name(), null), recording.directory(), null).withForkedCheckpoints()
        def remote = PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(target), Optional.empty())
        long at = remote.toInstr(10_000)
        def processes = { -> remote.debugger().console('info inferiors').readLines().count { it =~ /\bprocess \d+/ } }
        int before = processes()   // the program and tandem's forks

        when:
        GdbLines.run(remote, typed, breakpoints)

        then: 'gdb 13 through gdbserver: "Failed to find new fork", and the copy runs on untraced'
        def e = thrown(PandaException)
        e.message.startsWith("`$typed` would have gdb fork rep behind gdbserver")
        e.message.endsWith('To go back, `toInstr N`.')
        processes() == before

        when: 'going back restarts a fork tandem took'
        remote.toInstr(20_000)
        long back = remote.toInstr(at)

        then:
        remote.rewind() == WaysBack.Rewind.FORK_CHECKPOINTS
        back == at

        cleanup:
        remote?.close()

        where:
        typed << ['checkpoint', 'checkp']
    }
}
