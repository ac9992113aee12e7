package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout

// The real REPL in a real terminal: tmux runs `tandem demo`, keys are typed with send-keys and
// the screen is read with capture-pane. tmux is a test dependency: .ci/run installs it. The spec
// runs its own tmux server on a socket in a temp folder: never the user's.
@Stepwise
@Timeout(300)
class TerminalConsoleSpec extends Specification {
    @Shared String session = "tandem-spec-${ProcessHandle.current().pid()}"
    @Shared File dir = java.nio.file.Files.createTempDirectory('tandem-tmux-').toFile()
    @Shared File log = new File(dir, 'screen.log')
    @Shared String socket = new File(dir, 'socket').path
    @Shared Set<String> before
    /** Where mini-PANDA says the demo's replay took the bug: what a search must find. */
    @Shared String injected

    def setupSpec() {
        before = TandemProcess.demoProcesses()
        String cmd = TandemProcess.command(['demo', '--instrs', '3000000', '--at', '1500000'])
                .collect { "'" + it.replace("'", "'\\''") + "'" }.join(' ')
        tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '60',
                "TANDEM_HOME=${TandemProcess.HOME} $cmd; echo TANDEM-EXIT=\$?; sleep 600".toString())
        waitFor(60) { screen().contains('tandem[both]>') }
        injected = (screen() =~ /injected tlb bug at guest instruction (\d+)/).with { it.find() ? it.group(1) : null }
    }

    def cleanupSpec() {
        tmux('kill-server')
        dir.deleteDir()
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

    def "a name the user bound is Groovy: `r` shows r, it never restarts the programs; kill is refused"() {
        when:
        type('// mark 1')
        type('def r = rec.regs(); r.pc')
        type('r')
        type('kill')
        type('toInstr 5000')
        waitFor(60) { answered('toInstr 5000') }
        String s = after('// mark 1')

        then:
        s =~ /(?m)^0x[0-9a-f]{8}$/                                 // r.pc, in hex
        s.contains('EntryHi')                                       // `r` shows r's registers
        s.contains('error: `kill` would end the program')
        s =~ /rec 50\d\d \| rep 50\d\d/                              // both still where tandem can move them
        !s.contains('Not found: checkpoint')
    }

    def "the line editor keeps the blank typed before a closing brace"() {
        when:
        type('twice = { v -> v * 2 }')
        type('twice.toString().size() > 0 ? twice(21) : 0')
        waitFor(30) { answered('twice(21) : 0') }
        String s = screen()

        then:
        s.contains('tandem[both]> twice = { v -> v * 2 }')
        s.readLines().any { it == '42' }
        !s.contains('_closure')
    }

    def "a pasted shell block ends at its last line, and the next line runs on its own"() {
        when:
        tmux('set-buffer', '-b', 'notes', NOTES_BLOCK)
        tmux('paste-buffer', '-p', '-b', 'notes', '-t', session)
        sleep(500)
        type('instr()')
        waitFor(30) { answered('instr()') }
        String s = screen()

        then:
        s.contains('record the two rr traces outside tandem')
        s =~ /(?m)^rec \d+ \| rep \d+/
        !s.readLines().last().contains('...>')
    }

    def "Ctrl-D at a continuation prompt drops the unfinished statement"() {
        when:
        type('unfinished = [1,')
        waitFor(10) { screen().stripTrailing().endsWith('...>') }
        tmux('send-keys', '-t', session, 'C-d')
        type('binding.hasVariable("unfinished")')
        waitFor(30) { answered('binding.hasVariable("unfinished")') }

        then:
        screen().readLines().any { it == 'false' }
    }

    def "side by side output follows the terminal's width when it changes, each column wrapped on its own"() {
        when: 'the terminal is made narrower after tandem started'
        tmux('resize-window', '-t', session, '-x', '100', '-y', '60')
        type('// mark 2')
        type('disas()')
        type('info breakpoints')
        waitFor(60) { answered('info breakpoints') }
        List<String> rows = after('// mark 2').readLines()
        List<String> sideBySide = rows.findAll { it.contains(' | ') }

        then: 'no row is wider than the terminal (capture-pane -J joins the rows the terminal wrapped)'
        sideBySide.size() > 10
        rows.every { it.length() <= 100 }

        and: "rec's and rep's columns meet at one place, tabs expanded"
        sideBySide.collect { it.indexOf(' | ') }.unique().size() <= 2   // disas() and info breakpoints may differ
        !rows.any { it.contains('\t') }
    }

    def "Tab after rec. offers the user's API, not tandem's internals"() {
        when:
        type('// mark 3')
        tmux('send-keys', '-t', session, '-l', 'rec.')
        tmux('send-keys', '-t', session, 'Tab')
        waitFor(10) { after('// mark 3').contains('toInstr(') }
        String offered = after('// mark 3')
        tmux('send-keys', '-t', session, 'C-u')
        type('1 + 1')
        waitFor(10) { answered('1 + 1') }

        then:
        ['regs()', 'toInstr(', 'v2p(', 'instr()', 'checksums()'].every { offered.contains(it) }
        !['readyToMoveTo(', 'useDebugCounter(', 'keepCheckpoint', 'debugger()', 'timeline()'].any { offered.contains(it) }
        screen().readLines().any { it == '2' }
    }

    def "Ctrl-C during bisect says where rec and rep are and how to go on, and going on finds the divergence"() {
        when: 'the search is interrupted as soon as it shows its first progress'
        type('// mark 4')
        type('bisect')
        waitFor(60) { after('// mark 4') =~ /(?m)^start\s+\[0, end\]/ }
        tmux('send-keys', '-t', session, 'C-c')
        waitFor(60) { after('// mark 4').contains('So far') && screen().stripTrailing().endsWith('tandem[both]>') }
        String stopped = after('// mark 4')
        // a side the interrupt caught at its program's end has no count, and says so
        def now = stopped =~ /now: rec (?:at guest instruction (\d+)|has no guest instruction count[^,]*), rep (?:at guest instruction (\d+)|has no guest instruction count)/
        def again = stopped =~ /`(bisect(?: \d+(?:, \d+)?)?)` (?:goes on from there|starts it again)/

        and: 'the console answers the next command, then goes on with the search as it said'
        type('// mark 5')
        type('instr()')
        waitFor(30) { answered('instr()') }
        String counts = after('// mark 5')
        type(again.find() ? again.group(1) : 'bisect')
        waitFor(240) { after('// mark 5').contains('back here:') && screen().stripTrailing().endsWith('tandem[both]>') }

        then:
        stopped.contains('interrupted')
        now.find()
        !now.group(1) || !now.group(2) || counts =~ /rec ${now.group(1)} \| rep ${now.group(2)}/   // where it said they are
        again.find(0)
        injected
        after('// mark 5').contains("first divergence at guest instruction $injected")
    }

    def "exit ends tandem and every gdb and demo process it started"() {
        when:
        type('exit')

        then:
        waitFor(30) { screen().contains('TANDEM-EXIT=0') }
        waitFor(10) { TandemProcess.leftovers(before).isEmpty() }
    }

    /** The notes' rr record block, as pasted from them (a trailing newline included). */
    static final String NOTES_BLOCK = '''rr record -o recrep \\
  ./mips-softmmu/panda-system-mips \\
  ~/.panda/debian_7.3_mips.qcow \\
  -m 1g -M malta \\
  -nographic
'''

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

    /** The screen after the last line that contains {@code mark}. */
    String after(String mark) {
        String s = screen(400)
        int at = s.lastIndexOf(mark)
        at < 0 ? s : s.substring(s.indexOf('\n', at) + 1)
    }

    String screen(int history = 100) {
        def p = (tmuxCommand() + ['capture-pane', '-p', '-J', '-S', "-$history", '-t', session]).execute()
        String s = p.text
        p.waitFor()
        log.text = s
        s
    }

    /** tmux on this spec's own server, which reads no user configuration. */
    List<String> tmuxCommand() {
        ['tmux', '-S', socket, '-f', '/dev/null']
    }

    void tmux(String... args) {
        def p = (tmuxCommand() + args.toList()).execute()
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
