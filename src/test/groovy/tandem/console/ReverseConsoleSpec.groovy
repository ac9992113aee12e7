package tandem.console

import spock.lang.Specification
import spock.lang.Timeout

/** rc, rsi and origin typed at the demo console, on both sides at once (the demo runs under plain gdb). */
@Timeout(240)
class ReverseConsoleSpec extends Specification {

    def "rc, rsi and origin answer side by side on the demo"() {
        given: 'a count before the injected bug (10000), where the two sides are the same run'
        String input = '''\
            toInstr 9000
            break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count < 8000
            rc
            instr()
            rsi
            origin 'EntryHi'
            origin rep, 'gpr[7]'
            origin 'no_such_variable'
            '''.stripIndent()
        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)
        def counts = (r.out =~ /guest instruction (\d+)/).collect { it[1] as long }

        then: 'rc went back on both sides to a stop of the breakpoint, before 8000'
        r.out =~ /breakpoint \d+, guest instruction 7\d\d\d, pc 0x8/
        r.out =~ /rec 7\d\d\d \| rep 7\d\d\d/

        and: 'the origins of EntryHi agree before the bug; one side can be asked alone'
        r.out.contains('origins agree: guest instruction ')
        r.out =~ /origins agree: .*: 0x[0-9a-f]+ -> 0x[0-9a-f]+/        // values in hex, as every register display
        !(r.out =~ /(?s)origins agree: [^\n]*\n.*?differ: /)              // no footer saying otherwise (host backtraces differ)
        r.out.contains('last change of gpr[7] before now:')
        r.out =~ /error: rec: can't watch `no_such_variable`/ || r.out =~ /error: rep: can't watch `no_such_variable`/
        counts

        and: 'no demo process is left'
        TandemProcess.leftovers(before).isEmpty()
    }
}
