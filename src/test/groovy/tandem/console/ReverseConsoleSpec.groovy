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
        r.out =~ /the histories of EntryHi agree: \d+ changes, the same on both sides/   // before the bug the sides are one run
        r.out.contains('last change of gpr[7] before now:')
        r.out =~ /error: rec: can't watch `no_such_variable`/ || r.out =~ /error: rep: can't watch `no_such_variable`/
        counts

        and: 'no demo process is left'
        TandemProcess.leftovers(before).isEmpty()
    }

    def "rc over a breakpoint hit at every TB says, while it goes back, the count reached of where it started, the rate, the time left and how to stop it"() {
        given: 'a breakpoint hit at every TB, thousands of stops between the start and now; the line threshold lowered from its seconds'
        String input = '''\
            toInstr 15000
            break cpu_loop_exec_tb
            rc
            '''.stripIndent()
        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input, null, ['-Dtandem.progressAfterMs=0'])
        def now = r.out =~ /rec (\d+) \| rep (\d+)/
        now.find()
        long recNow = now.group(1) as long
        List<String> lines = r.out.readLines().findAll { it.startsWith('rc: ') }
        def reached = lines.collect { (it =~ /rec at guest instruction (\d+) of (\d+) \(from (\d+)\)/) }.findAll { it.find() }

        then: 'progress lines while rc ran, each saying how to stop it'
        lines.size() >= 2
        lines.every { it.contains('(Ctrl-C stops)') }

        and: "rec's lines count towards where rec was (the toInstr above), from where the pass set out"
        reached.size() >= 1
        reached.every { (it.group(2) as long) == recNow && (it.group(1) as long) <= recNow && (it.group(3) as long) <= (it.group(1) as long) }

        and: 'once a rate is known, the time left too'
        lines.any { it =~ /rec at guest instruction \d+ of \d+ \(from \d+\), \d+ guest instructions\/s, ~\d+ s left/ }

        and: 'rc still arrives'
        r.out =~ /breakpoint \d+, guest instruction \d+/
        TandemProcess.leftovers(before).isEmpty()
    }
}
