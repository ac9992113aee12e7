package tandem.console

import spock.lang.Specification
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda
import spock.lang.Timeout

@Timeout(180)
class PipedConsoleSpec extends Specification {

    def "a breakpoint on a function the program lacks is refused in gdb's words, not in silence"() {
        given:
        def before = TandemProcess.demoProcesses()

        when: 'gdb answers it on its log stream only, and makes no breakpoint'
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], 'break nosuchfn\ninfo breakpoints\n')

        then:
        r.out.contains('Function "nosuchfn" not defined.')
        r.out.contains('No breakpoints or watchpoints of yours.')
        TandemProcess.leftovers(before).isEmpty()
    }

    def "after `c` ran a side to its end, moves go back on both sides: the aborted replay is never resumed, and the checkpoint gdb went on in is taken again"() {
        given: 'where each side takes its first TB at or after 1000: a fresh demo answers it'
        def before = TandemProcess.demoProcesses()
        def fresh = TandemProcess.run(['demo'], 'toInstr 1000\n')
        def first = fresh.out =~ /rec (\d+) \| rep (\d+)  \(same\)/
        first.find()
        String answer = first.group(0)

        when: 'rep runs to its abort and rec to its exit (gdb then carries on in a fork checkpoint), twice for rec'
        def a = TandemProcess.run(['demo'], 'c\ntoInstr 1000\n')
        def b = TandemProcess.run(['demo'], 'toInstr 5000\nbreak mp_tlb_flush\nc\nc\nrc\ntoInstr 1000\n')

        then:
        a.out.readLines().last() == answer
        !a.out.contains('did not reach')
        b.out.readLines().last() == answer
        !b.out.contains('Not found: checkpoint id')
        !b.out.contains("can't go back")
        TandemProcess.leftovers(before).isEmpty()
    }

    def "the demo console reads its commands from a pipe: DSL verbs, pasted gdb lines, errors"() {
        given:
        String input = '''\
            toInstr 5000
            regs()
            regs().pc
            v2p 0x7f81cac0
            (rr) p cpus->tqh_first->rr_guest_instr_count
            call cpu_dump_state((CPUState*) cpus->tqh_first, stderr, fprintf, CPU_DUMP_FPU)
            x = [1,
              2]
            x.sum() + 40
            use rep
            instr()
            $ echo from \\
              the shell
            rr replay reprep
            nosuchthing
            '''.stripIndent()

        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)

        then: 'the demo shows the failing replay first'
        r.out.contains("replaying 'ls' with a tlb bug at guest instruction 10000")
        r.out =~ /last instruction count reached: \d+/

        and: 'both sides answer side by side, in plain text'
        r.out =~ /rec 50\d\d \| rep 50\d\d/
        r.out =~ /(?m)^  pc\s+0x[0-9a-f]{8}\s+0x[0-9a-f]{8}$/
        r.out =~ /rec 0x8000[0-9a-f]{4} \| rep 0x8000[0-9a-f]{4}/   // regs().pc: a register of both, in hex
        r.out.contains('0x7f81cac0 -> unmapped')
        r.out =~ /rec \$1 = 50\d\d \| rep \$1 = 50\d\d/
        r.out.contains('GPR00: r0 00000000')
        !r.out.contains('\u001b[')

        and: 'state persists, multi-line input continues, the focus moves'
        r.out.contains('42')
        r.out.contains('focus: rep')
        r.out.readLines().any { it ==~ /50\d\d/ }
        r.out.contains('from the shell')
        r.out.contains('tandem already replays both runs')

        and: 'an error is one message, and the exit code says there was one'
        r.out.contains('error: unknown name `nosuchthing`')
        !r.out.contains('at org.codehaus')
        r.code == 1

        and: 'no demo process is left'
        TandemProcess.leftovers(before).isEmpty()
    }

    def "the notes' call rr_checksum_tlb() and rr_checksum_ram(), which no PANDA has, answer with tandem's own hashes and say so"() {
        given:
        String input = '''\
            toInstr 5000
            call rr_checksum_tlb()
            call rr_checksum_ram()
            checksums()
            '''.stripIndent()
        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)
        // a long answer wraps within its column: each column read back as one text
        List<String> rows = r.out.readLines().findAll { it =~ /^[* ] .* \| / }
        String columns = rows.collect { it.substring(2, it.indexOf(' | ')).trim() }.join(' ') + '\n' +
                rows.collect { it.substring(it.indexOf(' | ') + 3).trim() }.join(' ')
        String text = r.out + '\n' + columns
        def tlb = (text =~ /PANDA has no rr_checksum_tlb\(\)[^\n]*?tandem's crc32 of the TLB entries: (0x[0-9a-f]{8})/)
        def ram = (text =~ /PANDA has no rr_checksum_ram\(\)[^\n]*?tandem's crc32 of guest RAM in the PANDA process: (0x[0-9a-f]{8})/)

        then: 'both sides answer (one line when they agree, as before the bug at 10000)'
        tlb.size() >= 1
        ram.size() >= 1
        tlb.size() == 1 || tlb[0][1] == tlb[1][1]
        !r.out.contains('No symbol "rr_checksum')
        and: 'checksums() shows the same values on both sides and names where each comes from'
        r.out =~ /(?m)^  tlb\s+${tlb[0][1]}\s+${tlb[0][1]}$/
        r.out =~ /(?m)^  ram\s+${ram[0][1]}\s+${ram[0][1]}$/
        r.out.contains("regs: PANDA's rr_checksum_regs(); ram: tandem's crc32 of guest RAM in the PANDA process; tlb: tandem's crc32 of the TLB entries")
        r.code == 0
        TandemProcess.leftovers(before).isEmpty()
    }

    def "names the user bound are Groovy, never gdb; lines that would lose the replay position are refused"() {
        given:
        String input = '''\
            def r = rec.regs(); r.pc
            r
            x = 3
            x
            kill
            run
            start
            k
            q
            delete checkpoint 1
            clear
            (rr) clear cpu_loop_exec_tb
            r 5
            def twice(v) { v * 2 }
            twice 21
            twice(x)
            half = { v -> v.intdiv(2) }
            half 84
            toInstr 5000
            both.instr()
            both { it.instrCount() }
            gdb 'resta 1'
            gdb 'ru'
            gdb 'del ch 1'
            gdb 'f'
            use rec
            info checkpoints
            '''.stripIndent()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)
        List<String> lines = r.out.readLines()

        then: 'def keeps r; r.pc is the pc of the register table, in hex'
        def pcRow = lines.find { it ==~ /^pc\s+0x[0-9a-f]{8}\s.*/ }
        pcRow != null
        lines.contains(pcRow.split(/\s+/)[1])
        lines.count { it.startsWith('pc ') } == 1          // `r` shows the registers, it is not gdb's run
        lines.count { it == '3' } == 2                     // x = 3, then x

        and: 'run, start and kill are refused with the tandem way; r 5 is Groovy since r is bound'
        r.out.contains('error: `kill` would end the program')
        r.out.contains('error: `run` would start the program again from its beginning')
        r.out.contains('error: `start` would start the program again')
        r.out.contains('error: `k` would end the program')
        r.out.contains('error: `q` would end gdb under tandem. To leave tandem, `exit`.')
        r.out.contains('error: `delete checkpoint 1` would delete a checkpoint tandem goes back through')
        r.out.contains("error: `clear` would delete every breakpoint at that place, tandem's own")
        r.out.contains("error: `clear cpu_loop_exec_tb` would delete every breakpoint at that place")
        r.out =~ /error: no verb or method `r\(Integer\)`|error: .*r.*Registers/

        and: 'so are their abbreviations, which gdb takes for them; f is gdb\'s frame, not file'
        r.out.contains('`resta 1` is `restart 1` to gdb: `restart 1` would switch to a gdb checkpoint')
        r.out.contains('`ru` is `run` to gdb: `run` would start the program again')
        r.out.contains('`del ch 1` is `delete checkpoint 1` to gdb: `delete checkpoint 1` would delete a checkpoint')
        !r.out.contains('error: `f`')
        r.out =~ /(?m)#0 .*cpu_loop_exec_tb/

        and: 'gdb\'s list of checkpoints says which are tandem\'s'
        def own = r.out =~ /\(tandem's: (\d+) at guest instruction (\d+)/
        own.find()
        r.out =~ /(?m)^\s*${own.group(1)} process \d+ at 0x/

        and: 'methods and closures defined at the prompt stay; a closure is not echoed as Script..._closure'
        lines.contains('42')
        lines.contains('6')
        !r.out.contains('_closure')

        and: 'both sides are where they were: toInstr works, instr() and a closure on both answer'
        r.out =~ /rec 50\d\d \| rep 50\d\d/
        r.out.readLines().count { it ==~ /rec 50\d\d \| rep 50\d\d.*/ } == 3
        !r.out.contains('Not found: checkpoint')
        !r.out.contains('Cannot access memory')
    }

    def "arguments: negative and fractional counts are refused by name, help takes a verb, bisect alone searches the whole run"() {
        given:
        String input = '''\
            toInstr -5
            v2p -1
            toInstr 5000.7
            help bisect
            help break
            help reverse-finish
            toinstr 5000
            use foo
            rr record -o recrep \\
              ./mips-softmmu/panda-system-mips \\
              ~/.panda/debian_7.3_mips.qcow \\
              -m 1g -M malta \\
              -nographic
            instr()
            bisect
            toInstr 19000
            '''.stripIndent()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)

        then:
        r.out.contains('error: `toInstr`: a guest instruction count is 0 or more, not -5')
        r.out.contains('error: `v2p`: a guest virtual address is 0 or more, not -1')
        r.out.contains('error: `toInstr` takes a whole number as a guest instruction count, not 5000.7')
        r.out.contains('bisect 0, 1718780    first divergence between two counts')
        r.out.contains("error: no verb `break`: `help` lists them; gdb's own help: gdb 'help break'") // a Groovy keyword, yet no `...>`
        r.out.contains("reverse-finish    back to the first instruction of the current host function's call")
        r.out.contains('(help lists the verbs); did you mean `toInstr`?')
        r.out.contains('error: use rec, use rep or use both, not `foo`')

        and: 'the pasted shell block ended at its last line: the next line ran on its own'
        r.out.contains('record the two rr traces outside tandem')
        r.out.readLines().any { it ==~ /rec \d+ \| rep \d+.*/ }

        and: 'a toInstr past the end of rep says where each side is now'
        r.out =~ /(?s)error: .*19000.*\nnow: rec at guest instruction 19\d\d\d, rep (at guest instruction \d+|has no guest instruction count)/

        and: 'bisect with no bounds finds the injected bug, from mini-PANDA\'s own report of it'
        def injected = (r.out =~ /injected tlb bug at guest instruction (\d+)/)[0][1]
        r.out.contains("first divergence at guest instruction $injected")
    }

    def "on rr traces: a relative --rr path works, rc without a breakpoint says what it needs in one sentence, and gdb's own commands are known"() {
        given: 'two stand-in rr traces, and --rr given relative to the directory tandem runs in'
        def dir = java.nio.file.Files.createTempDirectory('tandem-console-rr-')
        def recording = new MiniPanda.Recording(MiniPanda.binary(Arch.MIPS), dir, 'ls', 20_000)
        def recrep = Demo.rrRecord(recording, 'recrep', MiniPanda.recordArguments('ls', 20_000))
        def reprep = Demo.rrRecord(recording, 'reprep', MiniPanda.replayArguments('ls', new MiniPanda.Bug(MiniPanda.BugKind.parse('tlb'), 10_000)))
        File cwd = Demo.RR.parent.parent.toFile()       // src/test: the stand-in is rr/rr from here
        String input = 'toInstr 5000\nbreak main\nclear main\nrc\ninstr()\n'

        when:
        def r = TandemProcess.run(['console', '--rr', 'rr/rr', '--gdb', Demo.GDB.toString(), recrep.toString(), reprep.toString()], input, cwd)

        then:
        !r.out.contains('Exit value') && !r.out.contains('-559038737')
        r.out =~ /rec 50\d\d \| rep 50\d\d/
        r.out =~ /Deleted breakpoints? \d+/                       // gdb's `clear`, which is not in tandem's own list
        // the stand-in rr's gdb cannot reverse: tandem's own reverse execution answers, and with no
        // breakpoint left (clear deleted it) there is nothing to stop at
        r.out =~ /reverse-continue needs a breakpoint or watchpoint to stop at/
        !r.out.contains('does not support this command')
        r.out.readLines().count { it ==~ /rec 50\d\d \| rep 50\d\d.*/ } == 2

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    def "breakpoints are the user's own: info breakpoints, gdb's also-set notes, delete, enable; tandem's own stay where toInstr needs them"() {
        given: 'on rec, where tandem keeps breakpoints of its own, one of them on the TB function'
        String input = '''\
            toInstr 5000
            use rec
            info breakpoints
            break cpu_loop_exec_tb
            break cpu_loop_exec_tb
            own = (rec.gdb('maint info breakpoints') =~ /(?m)^(\\d+)\\s+breakpoint\\s/).collect { it[1] as int } - ctx.breakpointsOf(rec)
            atTb = own.findAll { n -> rec.gdb('maint info breakpoints') =~ /(?m)^$n\\s+breakpoint\\s.*cpu_loop_exec_tb/ }
            println "tandem's own: ${own.join(' ')}; at cpu_loop_exec_tb: ${atTb.join(' ')}"
            typed = own - ctx.breakpoints.on('rec').keySet()
            println "typed: ${typed.join(' ')}"
            gdb "delete ${typed.join(' ')}"
            left = (rec.gdb('maint info breakpoints') =~ /(?m)^(\\d+)\\s+breakpoint\\s/).collect { it[1] as int }
            println "tandem's own left: ${own.every { it in left }}"
            delete 99999
            info breakpoints
            delete
            enable
            use both
            toInstr 9000
            '''.stripIndent()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)
        Set<String> mine = (r.out =~ /(?m)^Breakpoint (\d+) at 0x\w+: file minipanda\/cpu_exec.c/).collect { it[1] } as Set
        def tandems = r.out =~ /(?m)^tandem's own: ([\d ]+); at cpu_loop_exec_tb: ([\d ]*)$/
        List<String> own = tandems.find() ? tandems.group(1).split(' ') as List<String> : []
        List<String> ownAtTb = own ? tandems.group(2).split(' ').findAll() as List<String> : []
        List<String> notes = r.out.readLines().findAll { it.contains('also set at pc') }
        List<String> rows = (r.out =~ /(?m)^(\d+)\s+breakpoint\s+keep/).collect { it[1] }

        then: 'before the user sets any there are none of theirs, though tandem has its own'
        r.out.contains('No breakpoints or watchpoints of yours.')
        mine.size() == 2
        own && ownAtTb

        and: "gdb's note of other breakpoints at the same pc names the user's only"
        notes.size() == 1
        notes[0] =~ /^Note: breakpoint \d+ also set at pc/
        (notes[0] =~ /\d+/)[0] in mine

        and: "tandem's own are not the user's to delete: the console's numbers are the user's, and gdb's of tandem's own answer as numbers that do not exist"
        def typed = r.out =~ /(?m)^typed: ([\d ]+)$/
        typed.find()
        typed.group(1).split(' ').every { r.out.contains("No breakpoint number ${it}.") }
        r.out.contains("tandem's own left: true")
        r.out.contains('No breakpoint number 99999.')

        and: "info breakpoints lists the user's; delete and enable alone act on the user's"
        rows as Set == mine
        r.out.contains("deleted ${mine.collect { it as int }.sort().join(' ')}")
        r.out.contains('no breakpoints of yours to enable')

        and: 'toInstr still moves both sides with the breakpoints tandem keeps'
        r.out =~ /rec 90\d\d \| rep 90\d\d/
        !r.out.contains('error:')
    }

    def "a continue that runs a side to its end says so, and where the next command runs"() {
        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], 'toInstr 5000\nuse rec\ncontinue\ninstr()\n')

        then: "rec's program ends; gdb carries on in the checkpoint toInstr kept on its way"
        r.out.contains('[stopped: exited-normally')
        def m = r.out =~ /\(rec: the program ended; gdb now runs commands in tandem's checkpoint at guest instruction (\d+)\./
        m.find()
        r.out.readLines().contains(m.group(1))       // instr() there says the same count
    }

    def "load runs a script file with the console's bindings and the arguments given after its path"() {
        given:
        def script = File.createTempFile('tandem-load-', '.groovy')
        script.text = 'println "loaded ${args.join(\'+\')} at ${rec.instrCount()}"\n'
        String input = "load '${script.absolutePath}', 'x', 'y'\nload '/no/such/recipe.groovy'\n"

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)

        then:
        r.out.contains('loaded x+y at 0')
        r.out.contains('error: load: no script at /no/such/recipe.groovy')
        r.code == 1

        cleanup:
        script.delete()
    }

    def "a verb given arguments it does not take is refused before it moves or reads anything: no search runs, no register past the array is read"() {
        given: "mini-PANDA's TLB size, from its source"
        int tlbEntries = (new File('src/main/c/minipanda/minipanda.h').text =~ /#define MP_TLB_ENTRIES\s+(\d+)/)[0][1] as int
        String input = """\
            bisect 'abc'
            bisect 5, 'x'
            regs 'x'
            origin 'gpr[99]'
            origin 'gpr[32]'
            origin 'tlb[${tlbEntries}].VPN2'
            toInstr 'abc'
            toInstr 5000
            origin 'gpr[31]'
            """.stripIndent()
        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['demo', '--instrs', '20000', '--at', '10000'], input)
        List<String> errors = r.out.readLines().findAll { it.startsWith('error: ') }

        then: 'no search started: its first progress line never shows'
        !(r.out =~ /(?m)^start\s+\[/)

        and: 'each bad call is one error naming what it was given; on both sides, one per side'
        errors.size() == 10
        errors[0].contains("`bisect`") && errors[0].contains("'abc'")
        errors[1].contains("`bisect`") && errors[1].contains("'x'")
        errors[2].contains("`regs`") && errors[2].contains("'x'")
        errors[9].contains("`toInstr`") && errors[9].contains("'abc'")

        and: "a general register past MIPS's 32 is refused on each side, not read from what follows the array"
        errors[3..4].every { it.contains('gpr[99]') && it.contains('gpr[0] to gpr[31]') }
        errors[3].startsWith('error: rec: ') && errors[4].startsWith('error: rep: ')
        errors[5..6].every { it.contains('gpr[32]') && it.contains('gpr[0] to gpr[31]') }
        !r.out.contains('last change of gpr[99]')

        and: "a TLB entry past this PANDA's count is refused, naming it"
        errors[7..8].every { it.contains("tlb[${tlbEntries}]") && it.contains("${tlbEntries} entries") && it.contains("tlb[${tlbEntries - 1}]") }

        and: 'the last register is still one: origin answers for it'
        r.out.contains('gpr[31]') && (r.out.contains('last change of gpr[31]') || r.out.contains('no change of'))
        TandemProcess.leftovers(before).isEmpty()
    }
}
