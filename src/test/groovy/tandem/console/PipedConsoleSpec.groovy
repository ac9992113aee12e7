package tandem.console

import spock.lang.Specification
import spock.lang.Timeout

@Timeout(180)
class PipedConsoleSpec extends Specification {

    def "the demo console reads its commands from a pipe: DSL verbs, pasted gdb lines, errors"() {
        given:
        String input = '''\
            toInstr 5000
            regs()
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
        def tlb = (r.out =~ /PANDA has no rr_checksum_tlb\(\)[^\n]*tandem's crc32 of the TLB entries: (0x[0-9a-f]{8})/)
        def ram = (r.out =~ /PANDA has no rr_checksum_ram\(\)[^\n]*tandem's crc32 of guest RAM in the PANDA process: (0x[0-9a-f]{8})/)

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
}
