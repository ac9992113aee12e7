package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.DebuggerException
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.panda.Demo

import java.nio.file.Files
import java.nio.file.Path

/**
 * The cast retry when gdb names the function it lacks a return type for under another name than
 * the line's (an alias, an IFUNC's target): real gdb on alias.S and alias-main.c, built here.
 */
@Timeout(90)
class CastRetrySpec extends Specification {

    @Shared Path dir
    @Shared Path program
    GdbDebugger gdb

    def setupSpec() {
        dir = Files.createTempDirectory('tandem-alias-')
        ['alias.S', 'alias-main.c'].each { Files.writeString(dir.resolve(it), CastRetrySpec.getResourceAsStream("/console/$it").getText('UTF-8')) }
        program = dir.resolve('alias')
        def gcc = ['gcc', '-g', '-O0', '-o', program.toString(), dir.resolve('alias-main.c').toString(), dir.resolve('alias.S').toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
    }

    def cleanupSpec() {
        dir?.toFile()?.deleteDir()
    }

    def setup() {
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, program, [], dir, null).withFirstStop('main'))
    }

    def cleanup() {
        gdb?.close()
    }

    /** The line as GdbLines runs it: as typed, then again with casts; what it said and gdb's last answer. */
    String run(String line) {
        def out = new StringBuilder()
        try {
            out << gdb.console(line)
        } catch (DebuggerException e) {
            out << GdbLines.retriedWithCasts(line, e, { String c -> gdb.console(c) }, out)[1]
        }
        out.toString()
    }

    def "a call gdb reports under an alias's name is cast to the type of the function the line names"() {
        when: "gdb: 'last_of' has unknown return type"
        def out = run('p rindex(text, 108)')

        then: 'char *, as libc declares rindex: gdb shows the string from the last l'
        out.contains('ran: p (char *) rindex(text, 108)')
        out.contains('the return type of rindex (cast to char *, as libc declares it)')
        out.readLines().last() ==~ /\$\d+ = 0x[0-9a-f]+ <text\+3> "lo"/
    }

    def "the call cast is the one gdb's name stands for, when the line names that function too"() {
        when: "gdb names both calls 'last_of': first last_of's own, then rindex's"
        def out = run('p last_of(text, 104) == rindex(text, 104)')

        then:
        out.contains('ran: p (long) last_of(text, 104) == (char *) rindex(text, 104)')
        out.readLines().last() ==~ /\$\d+ = 1/
    }

    def "a function with no declaration tandem knows is cast to a pointer-sized integer"() {
        when:
        def out = run('p last_of(text, 108) - (long) text')

        then:
        out.contains('ran: p (long) last_of(text, 108) - (long) text')
        out.readLines().last() ==~ /\$\d+ = 3/
    }
}
