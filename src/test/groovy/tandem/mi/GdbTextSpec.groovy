package tandem.mi

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.console.Render
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.panda.Both
import tandem.panda.Demo

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * Bytes that are not UTF-8 (gdb-js#5, pygdbmi#64): gdb under `set charset ISO-8859-1`, and a
 * program's raw output, on latin1.c compiled here. Two values that differ in such a byte must
 * stay two values.
 */
@Timeout(90)
class GdbTextSpec extends Specification {

    @Shared Path dir
    @Shared Path program

    def setupSpec() {
        dir = Files.createTempDirectory('tandem-latin1-')
        def src = dir.resolve('latin1.c')
        Files.writeString(src, GdbTextSpec.getResourceAsStream('/mi/latin1.c').getText('UTF-8'))
        program = dir.resolve('latin1')
        def gcc = ['gcc', '-g', '-O0', '-o', program.toString(), src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
    }

    def cleanupSpec() {
        dir?.toFile()?.deleteDir()
    }

    def "an octal escape that is no UTF-8 keeps its byte; UTF-8 escapes still make their character"() {
        when:
        def value = ((ResultRecord) MiParser.parseLine(line)).string('value')

        then:
        GdbText.bytes(value) == bytes as byte[]
        GdbText.shown(value) == shown

        where:
        line                                   | bytes                                | shown
        '^done,value="\\"caf\\351\\""'         | [34, 99, 97, 102, 0xe9, 34]          | '"caf\\351"'
        '^done,value="\\"caf\\352\\""'         | [34, 99, 97, 102, 0xea, 34]          | '"caf\\352"'
        '^done,value="\\"caf\\303\\251\\""'    | [34, 99, 97, 102, 0xc3, 0xa9, 34]    | '"café"'
        '^done,value="\\"\\351\\303\\251\\""'  | [34, 0xe9, 0xc3, 0xa9, 34]           | '"\\351é"'
    }

    def "gdb under ISO-8859-1: two strings that differ in a byte that is no UTF-8 differ, byte for byte"() {
        given:
        def gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, program, [], dir, null)
                .withGdbOptions('-iex', 'set charset ISO-8859-1').withFirstStop('main'))

        when:
        String rec = gdb.evaluate('rec')
        String rep = gdb.evaluate('rep')
        def both = new Both(rec, rep)

        then: 'gdb escaped the bytes (MI: "\\"caf\\351\\""); they come back as gdb wrote them'
        rec != rep
        GdbText.bytes(rec) == [34, 99, 97, 102, 0xe9, 34] as byte[]
        GdbText.bytes(rep) == [34, 99, 97, 102, 0xea, 34] as byte[]
        !both.same()
        both.differences() == ['line 1']
        new Render(false, 100).both(both) == '* rec "caf\\351" | rep "caf\\352"  differ: line 1'

        cleanup:
        gdb?.close()
    }

    def "a program's raw output through its own pipe keeps its bytes"() {
        given:
        def gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, program, [], dir, null).withFirstStop('printed'))

        when:
        gdb.awaitProgramOutput()
        def lines = gdb.drainProgramOutput().findAll { it.startsWith('caf') }

        then:
        lines.collect { GdbText.bytes(it) as List } == [[99, 97, 102, 0xe9], [99, 97, 102, 0xea]].collect { it*.byteValue() }

        cleanup:
        gdb?.close()
    }

    def "a program's raw output on gdb's own stdout keeps its bytes"() {
        given: 'no terminal of its own: the program writes where gdb writes its MI records'
        def gdb = new GdbLauncher().args(program.toString()).workingDir(dir.toFile()).start()

        when:
        def stop = gdb.resume(MiCommand.of('-exec-run'), Duration.ofSeconds(20))
        def lines = gdb.programOutput().findAll { it.startsWith('caf') }

        then:
        stop.reason() == 'exited-normally'
        lines.collect { GdbText.bytes(it) as List } == [[99, 97, 102, 0xe9], [99, 97, 102, 0xea]].collect { it*.byteValue() }

        cleanup:
        gdb?.close()
    }
}
