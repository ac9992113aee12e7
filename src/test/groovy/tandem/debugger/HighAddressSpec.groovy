package tandem.debugger

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Demo

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * Addresses at or above 2^63, as gdb prints them for a program that calls the legacy vsyscall
 * page (rr#2519, rr PR #2531) or jumps wild: real gdb on wild-call.c, compiled here with gcc.
 */
@Timeout(90)
class HighAddressSpec extends Specification {

    static final long VSYSCALL_TIME = 0xffffffffff600400L
    static final long WILD = 0xffffffffffffff00L
    static final Duration LIMIT = Duration.ofSeconds(30)

    @Shared Path dir
    @Shared Path program
    @Shared Set<Long> before
    GdbDebugger gdb

    def setupSpec() {
        before = Demo.children()
        dir = Files.createTempDirectory('tandem-wild-')
        def src = dir.resolve('wild-call.c')
        Files.writeString(src, HighAddressSpec.getResourceAsStream('/debugger/wild-call.c').getText('UTF-8'))
        program = dir.resolve('wild-call')
        def gcc = ['gcc', '-g', '-O0', '-o', program.toString(), src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
    }

    def cleanupSpec() {
        dir?.toFile()?.deleteDir()
        assert Demo.leftovers(before).isEmpty()
    }

    def cleanup() {
        gdb?.close()
    }

    GdbDebugger atMain(String... args) {
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, program, args as List<String>, dir, null).withFirstStop('main'))
    }

    /** Steps one instruction at a time (by {@code step}) until the program is above 2^63; that stop. */
    Stop stepIntoTheTop(Closure<Stop> step) {
        for (int i = 0; i < 40; i++) {
            Stop s = step()
            if (s.frame() != null && s.frame().address() < 0) return s   // unsigned: at or above 2^63
            assert !s.exited()
        }
        throw new AssertionError('the call never left main')
    }

    def "stepi into the vsyscall page stops at 0xffffffffff600400; the backtrace and \$pc say so"() {
        given:
        atMain('vsyscall')

        when:
        Stop stop = stepIntoTheTop { gdb.stepInstruction() }

        then: 'the address gdb printed, 64 bits unsigned'
        stop.reason() == Stop.Reason.END_STEPPING_RANGE
        stop.frame().address() == VSYSCALL_TIME
        gdb.backtrace()[0].address() == VSYSCALL_TIME
        gdb.backtrace()[0].toString().startsWith('#0 0xffffffffff600400 in ')
        gdb.evaluateUnsigned('$pc') == VSYSCALL_TIME

        when: 'one more step'
        Stop next = gdb.stepInstruction()

        then: 'the kernel emulated time() and the program is back in main; with no vsyscall page, the call faulted there'
        Files.readString(Path.of('/proc/self/maps')).contains('[vsyscall]')
                ? next.frame().function() == 'main'
                : next.reason() == Stop.Reason.SIGNAL_RECEIVED && next.frame().address() == VSYSCALL_TIME
    }

    def "stepi typed at gdb's prompt reports the stop above 2^63"() {
        given:
        atMain('vsyscall')

        when:
        String last = null
        for (int i = 0; i < 40 && gdb.evaluateUnsigned('$pc') != VSYSCALL_TIME; i++) last = gdb.console('stepi')

        then:
        gdb.evaluateUnsigned('$pc') == VSYSCALL_TIME
        last.contains('[stopped: end-stepping-range at 0xffffffffff600400]')
    }

    def "a wild call to 0xffffffffffffff00: continue stops there with SIGSEGV, and backtrace starts there"() {
        given:
        atMain()

        when:
        Stop stop = gdb.cont(LIMIT)

        then:
        stop.reason() == Stop.Reason.SIGNAL_RECEIVED
        stop.signal() == 'SIGSEGV'
        stop.frame().address() == WILD
        gdb.backtrace()[0].address() == WILD
        gdb.evaluateUnsigned('$pc') == WILD
    }
}
