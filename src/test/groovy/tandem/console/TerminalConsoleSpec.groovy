package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout

// The real REPL in a real terminal: tmux runs `tandem demo`, keys are typed with send-keys and
// the screen is read with capture-pane. tmux is a test dependency: .ci/run installs it.
@Stepwise
@Timeout(300)
class TerminalConsoleSpec extends Specification {
    @Shared String session = "tandem-spec-${ProcessHandle.current().pid()}"
    @Shared File log = File.createTempFile('tandem-tmux', '.log')
    @Shared Set<String> before

    def setupSpec() {
        before = TandemProcess.demoProcesses()
        String cmd = TandemProcess.command(['demo', '--instrs', '3000000', '--at', '1500000'])
                .collect { "'" + it.replace("'", "'\\''") + "'" }.join(' ')
        tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '60',
                "TANDEM_HOME=${TandemProcess.HOME} $cmd; echo TANDEM-EXIT=\$?; sleep 600".toString())
        waitFor(60) { screen().contains('tandem[both]>') }
    }

    def cleanupSpec() {
        tmux('kill-session', '-t', session)
    }

    def "the prompt comes with the demo's failing replay above it"() {
        expect:
        screen().contains("replaying 'ls' with a tlb bug at guest instruction 1500000")
        screen() =~ /last instruction count reached: \d+/
    }

    def "toInstr, regs and v2p answer side by side"() {
        when:
        type('toInstr 5000')
        type('regs()')
        type('v2p 0x7f81cac0')

        then:
        waitFor(60) { screen().contains('0x7f81cac0 -> unmapped') }
        screen() =~ /rec 50\d\d \| rep 50\d\d/
        screen() =~ /EntryHi\s+0x7f83/
    }

    def "every command of the notes works pasted verbatim"() {
        when:
        NOTES.each { type(it) }
        waitFor(60) { screen(400).contains('$12 = ') }
        String s = screen(400)

        then:
        s =~ /Breakpoint \d+ at 0x\w+: file minipanda\/rr.c/           // break rr_do_begin_record
        s =~ /Breakpoint \d+ at 0x\w+: file minipanda\/cpu_exec.c/
        s =~ /0x8000\w{4}:  \w+/                                         // target_disas output
        s.contains('GPR00: r0 00000000')                                 // cpu_dump_state to stderr
        s =~ /rec \$\d+ = 0x\w+ \| rep \$\d+ = 0x\w+/                    // p/x lines
        s.contains('tandem already replays both runs')                   // rr replay recrep
        s =~ /breakpoint \d+, guest instruction \d+, pc 0x8000/           // rc on a live program: tandem's own
        !s.contains('error: gdb rejected')
    }

    def "Ctrl-C stops a long continue on both sides and gives the prompt back"() {
        when:
        type('disable')
        // from early in the run, so the continue below is long (TB by TB) however fast gdb stops
        type('toInstr 100000')
        waitFor(60) { answered('toInstr 100000') }
        type('break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > 2900000')
        type('continue')
        sleep(1000)
        tmux('send-keys', '-t', session, 'C-c')
        waitFor(60) { screen().contains('interrupted') }
        type('instr()')

        then:
        waitFor(30) { screen() =~ /(?m)rec \d+ \| rep \d+/ }
        screen().contains('[stopped: interrupted')
    }

    def "exit ends tandem and every gdb and demo process it started"() {
        when:
        type('exit')

        then:
        waitFor(30) { screen().contains('TANDEM-EXIT=0') }
        waitFor(10) { TandemProcess.leftovers(before).isEmpty() }
    }

    static final List<String> NOTES = [
            'rr replay recrep',
            'break rr_do_begin_record',
            'break rr_do_begin_replay',
            'break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > 1718780',
            'break cpu_loop_exec_tb',
            'call target_disas(stdout, cpu, tb->pc, tb->size, 0)',
            'call cpu_dump_state((CPUState*) cpus->tqh_first, stderr, fprintf, CPU_DUMP_FPU)',
            'p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EPC',
            'p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EntryHi',
            '(rr) p cpus->tqh_first->rr_guest_instr_count',
            'p/x ((CPUMIPSState*)cpus->tqh_first->env_ptr)->active_tc.PC',
            'call rr_checksum_regs()',
            'call rr_checksum_ram()',
            'call rr_checksum_tlb() ',
            'call panda_virt_to_phys(cpus->tqh_first, 0x7f81cac0)',
            '(rr) rc',
            'p 1',
    ]

    // ---- tmux ----

    void type(String line) {
        tmux('send-keys', '-t', session, '-l', line)
        tmux('send-keys', '-t', session, 'Enter')
    }

    /** Whether the prompt came back after the last time {@code command} was typed. */
    boolean answered(String command) {
        String s = screen().stripTrailing()
        int at = s.lastIndexOf(command)
        at >= 0 && s.substring(at + command.length()).contains('tandem[both]>') && s.endsWith('tandem[both]>')
    }

    String screen(int history = 100) {
        def p = ['tmux', 'capture-pane', '-p', '-J', '-S', "-$history", '-t', session].execute()
        String s = p.text
        p.waitFor()
        log.text = s
        s
    }

    static void tmux(String... args) {
        def p = (['tmux'] + args.toList()).execute()
        p.waitForProcessOutput(new StringBuilder(), new StringBuilder())
    }

    static boolean waitFor(int seconds, Closure<Boolean> c) {
        long end = System.currentTimeMillis() + seconds * 1000L
        while (System.currentTimeMillis() < end) {
            if (c.call()) return true
            sleep(200)
        }
        return c.call()
    }
}
