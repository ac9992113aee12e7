package tandem.debugger

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Demo
import tandem.panda.MiniPanda

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * Every debugger operation against real gdb driving the demo target (mini-PANDA replaying a
 * 1e5-instruction recording), run by gdb itself; the operations a target supports also through
 * gdbserver and through `rr replay` of the test stand-in for rr.
 */
@Timeout(120)
class GdbDebuggerSpec extends Specification {

    static final Duration LIMIT = Duration.ofSeconds(60)
    static final String COUNT = 'cpus->tqh_first->rr_guest_instr_count'

    @Shared MiniPanda.Recording recording
    @Shared Path trace
    @Shared Set<Long> before
    GdbDebugger gdb

    def setupSpec() {
        before = Demo.children()
        recording = Demo.record(100_000)
        trace = Demo.rrRecord(recording, 'reprep', MiniPanda.replayArguments('ls', null))
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def cleanup() {
        gdb?.close()
    }

    Target live() {
        MiniPanda.replayUnderGdb(recording, null, Demo.GDB)
    }

    Target target(String kind) {
        switch (kind) {
            case 'live': return live()
            case 'gdbserver': return GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, recording.binary(),
                    MiniPanda.replayArguments('ls', null), recording.directory(), null)
            case 'gdbserver forks': return GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, recording.binary(),
                    MiniPanda.replayArguments('ls', null), recording.directory(), null).withForkedCheckpoints()
            case 'rr': return new RrReplay(new RrTrace(Demo.RR, trace), Demo.GDB, null)
        }
        throw new IllegalArgumentException(kind)
    }

    /** Opens the target and runs it to the first TB at or after guest instruction {@code n}. */
    GdbDebugger atTb(Target t = live(), long n = 30_000) {
        gdb = GdbDebugger.open(t)
        def bp = gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= $n")
        def stop = gdb.cont(LIMIT)
        assert stop.reason() == Stop.Reason.BREAKPOINT_HIT && stop.breakpoint() == bp.number()
        gdb
    }

    def "opening stops the program at its first instruction, in the dynamic loader"() {
        when:
        gdb = GdbDebugger.open(live())

        then:
        gdb.backtrace()[0].function() == '_start'
        !gdb.running()
    }

    def "evaluate gives gdb's text and evaluateUnsigned the unsigned 64-bit value"() {
        given:
        atTb()

        expect:
        gdb.evaluate(expression) ==~ text
        Long.toUnsignedString(gdb.evaluateUnsigned(expression)) ==~ unsigned

        where:
        expression                                 | text                 | unsigned
        '2 + 3'                                    | '5'                  | '5'
        '(int) -5'                                 | '-5'                 | '18446744073709551611'
        '(signed char) -1'                         | '-1 .*'              | '18446744073709551615'
        'rr_mode'                                  | 'RR_REPLAY'          | '2'
        'RR_RECORD'                                | 'RR_RECORD'          | '1'
        '(void *) 0x7f81cac0'                      | '0x7f81cac0'         | '2139212480'
        'cpus->tqh_first'                          | /0x[0-9a-f]+ <.*>/   | /\d+/
        'ram_size'                                 | '134217728'          | '134217728'
    }

    def "evaluateUnsigned reads a pointer as its address"() {
        given:
        atTb()

        expect:
        gdb.evaluateUnsigned('cpus->tqh_first') == gdb.evaluateUnsigned('(unsigned long) cpus.tqh_first')
        gdb.evaluateUnsigned('&ram_size') != 0
    }

    def "a value that is not a number is an error with gdb's words"() {
        given:
        atTb()

        when:
        gdb.evaluateUnsigned('debug_counter()')

        then:
        def e = thrown(DebuggerException)
        e.message.contains('debug_counter()')
        e.gdbMessage() == 'Invalid cast.'
    }

    def "an expression gdb rejects is a DebuggerException carrying gdb's message"() {
        given:
        atTb()

        when:
        gdb.evaluate('no_such_symbol + 1')

        then:
        def e = thrown(DebuggerException)
        e.gdbMessage() == 'No symbol "no_such_symbol" in current context.'
        e.message.contains('no_such_symbol + 1')
    }

    def "call runs a function in the program: its value, or empty for void"() {
        given:
        atTb()

        expect:
        gdb.call('rr_checksum_regs()') ==~ /\d+/
        gdb.call('rr_get_guest_instr_count()') == gdb.evaluate(COUNT)
        gdb.call('debug_counter()') == ''
        and: 'the program goes on after calls'
        gdb.cont(LIMIT).exited()
    }

    def "a conditional breakpoint stops where its condition holds"() {
        given:
        gdb = GdbDebugger.open(live())

        when:
        def bp = gdb.breakAt('cpu_loop_exec_tb', "$COUNT >= 40000")
        def stop = gdb.cont(LIMIT)

        then:
        bp.condition() == "$COUNT >= 40000"
        !bp.temporary()
        stop.reason() == Stop.Reason.BREAKPOINT_HIT
        stop.breakpoint() == bp.number()
        stop.frame().function() == 'cpu_loop_exec_tb'
        gdb.evaluateUnsigned(COUNT) >= 40000
        gdb.evaluateUnsigned(COUNT) < 40000 + 100
    }

    def "condition changes a breakpoint's condition; an empty one removes it"() {
        given:
        atTb()
        def bp = gdb.breakAt('cpu_loop_exec_tb', null)

        when:
        gdb.condition(bp.number(), "$COUNT >= 60000")
        gdb.cont(LIMIT)

        then:
        gdb.evaluateUnsigned(COUNT) >= 60000

        when:
        long at = gdb.evaluateUnsigned(COUNT)
        gdb.condition(bp.number(), '')
        gdb.cont(LIMIT)

        then: 'the next TB'
        gdb.evaluateUnsigned(COUNT) > at
        gdb.evaluateUnsigned(COUNT) < at + 100
    }

    def "a temporary breakpoint stops once; disabled or deleted ones do not stop"() {
        given:
        atTb()
        def a = gdb.breakAt('mp_tb_find', null)
        def b = gdb.breakAt('rr_do_end_replay', null)

        when:
        gdb.disable(a.number(), b.number())
        def stop = gdb.cont(LIMIT)

        then: 'the replay runs to its end'
        stop.exited()
        stop.reason() == Stop.Reason.EXITED_NORMALLY || stop.exitCode() == 0

        when: 'from the start again, enabled'
        gdb.enable(a.number())
        stop = gdb.rerun(LIMIT)

        then:
        stop.breakpoint() == a.number()

        when:
        gdb.delete(a.number())
        gdb.enable(b.number())
        stop = gdb.cont(LIMIT)

        then: 'the end of the replay'
        stop.breakpoint() == b.number()
        gdb.console('info breakpoints') =~ /rr_do_end_replay/
        !(gdb.console('info breakpoints') =~ /mp_tb_find/)

        when: 'a temporary breakpoint'
        def t = gdb.temporaryBreakAt('mp_tb_find', null)
        gdb.rerun(LIMIT)

        then:
        t.temporary()
        gdb.backtrace()[0].function() == 'mp_tb_find'
        !(gdb.console('info breakpoints') =~ /mp_tb_find/)
    }

    def "a function of a shared library not mapped yet: a plain breakpoint names it unknown, one set once loaded waits for the library and stops there"() {
        given: 'a program whose library calls `inner` only from inside itself (no PLT entry gdb could break at), as libpanda-ARCH.so calls rr_do_begin_replay'
        def dir = Files.createTempDirectory('tandem-solib-')
        Files.writeString(dir.resolve('lib.c'), 'int inner(int x) { return x + 1; }\nint outer(int x) { return inner(x) * 2; }\n')
        Files.writeString(dir.resolve('main.c'), 'int outer(int);\nint main(void) { return outer(1) == 4 ? 0 : 1; }\n')
        def lib = ['gcc', '-g', '-O0', '-fPIC', '-shared', '-o', dir.resolve('libinner.so').toString(), dir.resolve('lib.c').toString()].execute()
        assert lib.waitFor() == 0: lib.errorStream.text
        def main = ['gcc', '-g', '-O0', '-o', dir.resolve('prog').toString(), dir.resolve('main.c').toString(),
                    "-L$dir", '-linner', "-Wl,-rpath,$dir"].execute()
        assert main.waitFor() == 0: main.errorStream.text

        and: 'stopped at its first instruction, in the dynamic loader, before it maps libinner.so'
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, dir.resolve('prog'), [], dir, null))
        assert !gdb.console('info sharedlibrary').contains('libinner.so')

        when: 'a plain temporary breakpoint'
        gdb.temporaryBreakAt('inner', null)

        then: "gdb's words: no such function here"
        def e = thrown(DebuggerException)
        e.message == 'gdb could not break at inner: Function "inner" not defined.'

        when: 'one set once the library is loaded'
        def pending = gdb.temporaryBreakAtOnceLoaded('inner')
        def stop = gdb.cont(LIMIT)

        then: 'it stops in inner, once'
        pending.temporary()
        stop.breakpoint() == pending.number()
        gdb.backtrace()[0].function() == 'inner'
        !(gdb.console('info breakpoints') =~ /inner/)

        when: 'a name no library has, asked with the library loaded'
        gdb.temporaryBreakAt('no_such_function_anywhere', null)

        then: 'a plain breakpoint still names it unknown'
        def unknown = thrown(DebuggerException)
        unknown.message == 'gdb could not break at no_such_function_anywhere: Function "no_such_function_anywhere" not defined.'

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(dir)
    }

    def "a working directory that does not exist is named as such, not blamed on gdb"() {
        when:
        GdbDebugger.open(new LiveProgram(Demo.GDB, recording.binary(), MiniPanda.replayArguments('ls', null), Path.of('/nonexistent-recordings'), null))

        then:
        def e = thrown(DebuggerException)
        e.message.contains('/nonexistent-recordings, is not a directory')
        e.message.contains('--cwd')
        !e.message.contains('Debian package')
    }

    def "running again behind gdbserver starts the program with its own arguments: the replay begins again"() {
        given:
        atTb(target('gdbserver'))

        when: 'extended-remote `run` starts it with gdb\'s arguments, not those gdbserver was started with'
        def begin = gdb.temporaryBreakAt('rr_do_begin_replay', null)
        def stop = gdb.rerun(LIMIT)

        then:
        stop.breakpoint() == begin.number()
        gdb.backtrace()[0].function() == 'rr_do_begin_replay'
    }

    def "stepInstruction moves one machine instruction; finish returns to the caller"() {
        given:
        atTb()
        long pc = gdb.evaluateUnsigned('$pc')

        when:
        def step = gdb.stepInstruction()

        then:
        step.reason() == Stop.Reason.END_STEPPING_RANGE
        gdb.evaluateUnsigned('$pc') != pc

        when:
        long count = gdb.evaluateUnsigned(COUNT)
        def fin = gdb.finish()

        then:
        fin.reason() == Stop.Reason.FUNCTION_FINISHED
        fin.frame().function() == 'mp_run_until'
        gdb.evaluateUnsigned(COUNT) > count
    }

    def "a checkpoint taken at a TB can be restarted after moving on"() {
        given:
        atTb()
        long at = gdb.evaluateUnsigned(COUNT)

        when:
        int cp = gdb.checkpoint()
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 80000")
        gdb.cont(LIMIT)

        then:
        gdb.evaluateUnsigned(COUNT) >= 80000

        when:
        gdb.restart(cp)

        then:
        gdb.evaluateUnsigned(COUNT) == at
        gdb.backtrace()[0].function() == 'cpu_loop_exec_tb'
    }

    /** The registers a fork's system call changes, and some it must not, as gdb prints them. */
    static final String FORK_REGISTERS = 'info registers rip rsp rbp rax rcx r11 rdi rsi eflags'

    /** The pids of gdb's inferiors that have a process (`info inferiors`: "  2    process 4242 ..."). */
    static List<Long> inferiorProcesses(GdbDebugger g) {
        (g.console('info inferiors') =~ /(?m)^[* ]\s*\d+\s+process (\d+)/).collect { ((List) it)[1] as long }
    }

    def "a program behind gdbserver has checkpoints when asked: tandem forks it, and a restart goes back to where the fork was taken, registers and all"() {
        given:
        atTb(target('gdbserver forks'))
        long at = gdb.evaluateUnsigned(COUNT)
        String registers = gdb.console(FORK_REGISTERS)
        String regsSum = gdb.call('rr_checksum_regs()')
        long first = inferiorProcesses(gdb).first()

        when:
        int cp = gdb.checkpoint()
        def forks = inferiorProcesses(gdb)

        then: 'the program stands where it stood: the fork restored what its system call changed'
        forks.size() == 2
        gdb.console(FORK_REGISTERS) == registers
        gdb.evaluateUnsigned(COUNT) == at
        gdb.listedCheckpoints() == [cp] as Set

        when: 'on, then back'
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 80000")
        gdb.cont(LIMIT)
        long reached = gdb.evaluateUnsigned(COUNT)
        gdb.restart(cp)

        then: 'the fork is the program now, at the checkpoint, and the process that ran on is gone'
        reached >= 80000
        gdb.evaluateUnsigned(COUNT) == at
        gdb.console(FORK_REGISTERS) == registers
        gdb.call('rr_checksum_regs()') == regsSum
        gdb.backtrace()[0].function() == 'cpu_loop_exec_tb'
        inferiorProcesses(gdb) == forks - first
        !ProcessHandle.of(first).map { it.alive && !zombie(first) }.orElse(false)
        gdb.listedCheckpoints().isEmpty()

        when: 'the replay goes on from there as it went the first time'
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 80000")
        gdb.cont(LIMIT)

        then:
        gdb.evaluateUnsigned(COUNT) == reached

        when:
        gdb.restart(cp)

        then: 'gdb\'s semantics: the restart used the checkpoint up'
        def e = thrown(DebuggerException)
        e.gdbMessage() == "Not found: checkpoint id $cp"
    }

    static boolean zombie(long pid) {
        def stat = Path.of("/proc/$pid/stat")
        Files.exists(stat) && Files.readString(stat).replaceAll(/^.*\) /, '').startsWith('Z')
    }

    def "a SIGINT left pending behind gdbserver by an interrupt that raced its stop does not break a checkpoint"() {
        given: 'a SIGINT queued in the stopped program, as an interrupt that came just after a stop leaves it'
        atTb(target('gdbserver forks'))
        long at = gdb.evaluateUnsigned(COUNT)
        long pid = inferiorProcesses(gdb).first()
        assert ['kill', '-INT', "$pid"].execute().waitFor() == 0

        when: 'the fork\'s single step is stopped by it before the system call runs, and made again'
        int cp = gdb.checkpoint()
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 80000")
        gdb.cont(LIMIT)
        gdb.restart(cp)

        then:
        gdb.evaluateUnsigned(COUNT) == at
        inferiorProcesses(gdb).size() == 1
    }

    def "a checkpoint of a program behind gdbserver running several threads is refused with gdb's words, and forks nothing"() {
        given: 'looper stopped in its second thread'
        def dir = Files.createTempDirectory('tandem-threads-')
        def src = dir.resolve('looper.c')
        Files.writeString(src, GdbDebuggerSpec.getResourceAsStream('/mi/looper.c').getText('UTF-8'))
        def gcc = ['gcc', '-g', '-O0', '-pthread', '-o', dir.resolve('looper').toString(), src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
        gdb = GdbDebugger.open(GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, dir.resolve('looper'), ['10', 'thread'], dir, null).withForkedCheckpoints())
        gdb.temporaryBreakAt('worker', null)
        assert gdb.cont(LIMIT).frame().function() == 'worker'

        when:
        gdb.checkpoint()

        then: 'a fork copies only the thread that makes it (gdb refuses the same for its own checkpoints)'
        def e = thrown(DebuggerException)
        e.gdbMessage() == 'checkpoint: can\'t checkpoint multiple threads.'
        inferiorProcesses(gdb).size() == 1

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(dir)
    }

    def "close ends every fork tandem made of a program behind gdbserver"() {
        given:
        def mine = Demo.children()
        atTb(target('gdbserver forks'))
        3.times { gdb.checkpoint() }
        def pids = inferiorProcesses(gdb)
        assert pids.size() == 4

        when:
        gdb.close()

        then:
        Demo.leftovers(mine).isEmpty()
        pids.every { !ProcessHandle.of(it).map { p -> p.alive && !zombie(it) }.orElse(false) }
    }

    def "the checkpoint list is read as #who prints it"() {
        expect:
        GdbCheckpoints.newestListed(text) == newest

        where:
        who                          | text                                                                                                     | newest
        // gdb's linux-fork.c, as this machine's gdb prints it
        'gdb'                        | '  1 process 31340 at 0x5555555551a9, file t.c, line 5\n* 0 Thread 0x7ffff7d8a740 (LWP 31335) (main process) at 0x5555555551b0\n' | 1
        // rr: "ID\tWhen\tWhere" then "N\tTIME\tWHERE" (DebuggerExtensionCommand.cc, invoke_info_checkpoints)
        'rr'                         | 'ID\tWhen\tWhere\n1\t4242\tcpu_loop_exec_tb (cpu=0x5555) at cpu-exec.c:172\n3\t9001\tmain () at vl.c:4700\n' | 3
        'rr with none'               | 'No checkpoints.\n'                                                                                      | -1
    }

    def "readMemory returns the bytes at an address"() {
        given:
        atTb()

        when:
        byte[] bytes = gdb.readMemory(gdb.evaluateUnsigned("&$COUNT"), 8)

        then:
        bytes.length == 8
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong() == gdb.evaluateUnsigned(COUNT)
    }

    def "reading unmapped memory is an error with gdb's words"() {
        given:
        atTb()

        when:
        gdb.readMemory(0x10, 4)

        then:
        def e = thrown(DebuggerException)
        e.gdbMessage() =~ /(?i)(cannot access|unable to read) memory/
    }

    def "backtrace lists the frames, innermost first, with files and lines"() {
        given:
        atTb()

        when:
        def frames = gdb.backtrace()

        then:
        frames*.function().take(3) == ['cpu_loop_exec_tb', 'mp_run_until', 'main']
        frames[0].file().endsWith('cpu_exec.c')
        frames[0].line() > 0
        frames*.level() == (0..<frames.size()).toList()
    }

    def "console runs commands as typed at a gdb prompt, snippets from the notes included"() {
        given:
        atTb()
        gdb.breakAt('cpu_loop_exec_tb', "$COUNT > 50000")

        expect:
        gdb.console('info breakpoints') =~ /cpu_loop_exec_tb/
        gdb.console('p/x 255').trim() ==~ /\$\d+ = 0xff/
        gdb.console('p cpus->tqh_first->rr_guest_instr_count').trim() ==~ /\$\d+ = \d+/
        gdb.console('p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EntryHi').trim() ==~ /\$\d+ = 0x[0-9a-f]+/

        when: 'a console command that resumes waits for the stop'
        def out = gdb.console('continue')

        then:
        out.contains('[stopped: breakpoint-hit')
        gdb.evaluateUnsigned(COUNT) > 50000
    }

    def "a console command gdb rejects is an error with gdb's message"() {
        given:
        gdb = GdbDebugger.open(live())

        when:
        gdb.console('frobnicate')

        then:
        def e = thrown(DebuggerException)
        e.gdbMessage().contains('Undefined command: "frobnicate"')
    }

    def "reverse execution on a target without it is a clear error"() {
        given:
        atTb()

        when:
        op(gdb)

        then:
        def e = thrown(DebuggerException)
        e.message.contains('needs reverse execution')
        e.message.contains('live panda-system-mips')
        and: 'the session is still usable'
        gdb.evaluateUnsigned(COUNT) >= 30000

        where:
        op << [{ it.reverseCont(LIMIT) }, { it.reverseStepInstruction() }]
    }

    def "interrupt ends a long continue with INTERRUPTED and the session stays usable"() {
        given: 'a condition that never holds: gdb tests it at every TB, so the replay crawls'
        def longer = Demo.record(3_000_000)
        atTb(MiniPanda.replayUnderGdb(longer, null, Demo.GDB))
        gdb.breakAt('cpu_loop_exec_tb', "$COUNT == 1")
        def interrupter = Thread.start {
            while (!gdb.running()) sleep 10
            sleep 500
            gdb.interrupt()
        }

        when:
        def stop = gdb.cont(LIMIT)
        interrupter.join()

        then:
        stop.reason() == Stop.Reason.INTERRUPTED
        !gdb.running()
        gdb.evaluateUnsigned(COUNT) > 30000
        gdb.evaluate('1 + 1') == '2'
        gdb.console('delete').isEmpty()
        gdb.cont(LIMIT).exited()

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(longer?.directory())
    }

    def "after a restart, an interrupt stops the restarted process and leaves no SIGINT in a waiting checkpoint"() {
        given: 'the program restarted from a checkpoint, the process it left behind kept as another'
        def longer = Demo.record(3_000_000)
        atTb(MiniPanda.replayUnderGdb(longer, null, Demo.GDB))
        int cp = gdb.checkpoint()
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 60000")
        gdb.cont(LIMIT)
        gdb.restart(cp)
        gdb.checkpoint()
        long running = programPid()
        gdb.breakAt('cpu_loop_exec_tb', "$COUNT == 1")
        def interrupter = Thread.start {
            while (!gdb.running()) sleep 10
            sleep 500
            gdb.interrupt()
        }

        when: 'continue typed as in the console: gdb drops -exec-interrupt then, and SIGINTs follow'
        def said = gdb.console('continue', LIMIT)
        interrupter.join()
        sleep 3500 // past any follow-up SIGINT the interrupt could still send
        def waiting = checkpointPids() - running

        then:
        said.contains('[stopped: interrupted')
        gdb.channel().inferiorPids().contains(running)
        waiting.size() >= 2
        waiting.every { !sigintPending(it) }

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(longer?.directory())
    }

    def "a SIGINT left pending in a checkpoint does not break its restart"() {
        given:
        atTb()
        long at = gdb.evaluateUnsigned(COUNT)
        int cp = gdb.checkpoint()
        long waiting = (checkpointPids() - programPid()).first()

        when: 'a late interrupt signals the stopped fork: the signal waits in it'
        ['kill', '-INT', "$waiting"].execute().waitFor()
        assert sigintPending(waiting)
        gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 80000")
        gdb.cont(LIMIT)
        gdb.restart(cp)

        then:
        gdb.evaluateUnsigned(COUNT) == at
        gdb.console('info signals SIGINT') =~ /SIGINT\s+Yes\s+Yes\s+No/
    }

    /** Whether the process ends within 5 s: gone, or a zombie its new parent has not reaped. */
    static boolean ended(long pid) {
        for (int i = 0; i < 50; i++) {
            def stat = new File("/proc/$pid/stat")
            if (!stat.exists()) return true
            String s = stat.text
            if (s.substring(s.lastIndexOf(')') + 2).startsWith('Z')) return true
            sleep 100
        }
        false
    }

    long programPid() {
        def m = gdb.console('info inferiors') =~ /process (\d+)/
        assert m.find()
        Long.parseLong(m.group(1))
    }

    /** The processes gdb keeps as checkpoints, and the one running. */
    Set<Long> checkpointPids() {
        (gdb.console('info checkpoints') =~ /process (\d+)/).collect { Long.parseLong(it[1]) } as Set
    }

    /** SIGINT (signal 2) waiting in the process's private or shared pending set. */
    static boolean sigintPending(long pid) {
        def status = new File("/proc/$pid/status").readLines()
        ['SigPnd:', 'ShdPnd:'].any { key ->
            def line = status.find { it.startsWith(key) }
            (new BigInteger(line.substring(key.length()).trim(), 16) & 2G) != 0G
        }
    }

    def "gdbserver killed during a continue: the move ends at once with one sentence, and the session is gone"() {
        given: 'a condition that never holds: the replay crawls TB by TB behind gdbserver'
        def longer = Demo.record(3_000_000)
        def server = GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, longer.binary(),
                MiniPanda.replayArguments('ls', null), longer.directory(), null)
        atTb(server)
        long gdbserver = server.processIds()[0]
        gdb.breakAt('cpu_loop_exec_tb', "$COUNT == 1")
        def killer = Thread.start {
            while (!gdb.running()) sleep 10
            sleep 500
            ProcessHandle.of(gdbserver).ifPresent { it.destroyForcibly() }
        }

        when: 'within the four hours a PANDA move may take'
        long started = System.nanoTime()
        gdb.cont(Duration.ofHours(4))

        then: 'gdb said `Remote connection closed` and no *stopped: the waiting ends at once'
        def e = thrown(DebuggerException)
        killer.join()
        (System.nanoTime() - started) / 1e9 < 10
        e.message == "${server.description()} is gone: gdb lost its connection to it during -exec-continue (gdb said `Remote connection closed`), and nothing more can be done on it".toString()
        !gdb.running()
        gdb.gone() == e.message

        and: 'the program gdbserver ran, left running untraced, is ended'
        long program = gdb.channel().inferiorPids().max()
        ended(program)

        when: 'every later operation says the same at once, and none starts the program under gdb itself'
        gdb.evaluate(COUNT)

        then:
        def again = thrown(DebuggerException)
        again.message == e.message

        when:
        gdb.rerun(Duration.ofSeconds(30))

        then:
        thrown(DebuggerException)
        gdb.channel().inferiorPids() == [program] as Set
        ended(program)

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(longer?.directory())
    }

    def "a program killed with SIGKILL during a continue ends the move with gdb's exited-signalled stop, #kind"() {
        given:
        def longer = Demo.record(3_000_000)
        Target t = kind == 'live' ? MiniPanda.replayUnderGdb(longer, null, Demo.GDB)
                : GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, longer.binary(), MiniPanda.replayArguments('ls', null), longer.directory(), null)
        atTb(t)
        // the process gdb runs now, asked of itself: the reported pids include stopped fork checkpoints
        long program = Long.parseLong(gdb.evaluate('(long) getpid()'))
        gdb.breakAt('cpu_loop_exec_tb', "$COUNT == 1")
        def killer = Thread.start {
            while (!gdb.running()) sleep 10
            sleep 500
            ['kill', '-KILL', "$program"].execute().waitFor()
        }

        when: "gdb reports the exit; or (gdb 13.1, now and then, natively) says it cannot find the program's thread or get its registers and reports no stop, or reports the breakpoint whose condition it was testing as hit; or (through gdbserver 13.1, now and then) reports a plain SIGTRAP at that breakpoint, or gdbserver quits"
        def outcome
        try {
            outcome = gdb.cont(Duration.ofHours(4))
        } catch (DebuggerException e) {
            outcome = e
        }
        killer.join()

        then: 'the move ends either way, saying what happened'
        // gdbserver 13.1 quits when a ptrace call on the stopped program it tests a condition on meets
        // the program gone ("gdbserver: Couldn't read debug register: No such process." in its log)
        boolean serverQuit = kind == 'gdbserver' && outcome instanceof DebuggerException
                && outcome.message.contains("; the server quit, saying `") && outcome.message.contains('No such process')
        outcome instanceof Stop ? outcome.reason() == Stop.Reason.EXITED_SIGNALLED && outcome.signal() == 'SIGKILL'
                : outcome.message.contains('killed from outside tandem')
                        && (outcome.message.contains('Cannot find user-level thread') || outcome.message =~ /gdb said `Couldn't [^`:]+: No such process\.`/
                                || outcome.message.contains("program pid $program no longer exists") || serverQuit)

        and: 'the target is there still: gdb could run the program again; unless the server quit, which every later operation says'
        serverQuit ? gdb.gone() == outcome.message : gdb.gone() == null && gdb.evaluate('1 + 1') == '2'
        ended(program)

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(longer?.directory())

        where:
        kind << ['live', 'gdbserver']
    }

    /**
     * gdb's own convenience function {@code $kill_program()}: SIGKILL to the program gdb runs, sent
     * from outside gdb (as `kill -KILL` from a shell), once the program is a zombie returns 1. In a
     * breakpoint condition it kills the program at the very moment gdb tests that condition, which
     * a kill from another process hits only now and then.
     */
    static final String KILL_PROGRAM = '''\
import os, signal, time
import gdb

class KillProgram(gdb.Function):
    def __init__(self):
        super().__init__("kill_program")

    def invoke(self):
        pid = gdb.selected_inferior().pid
        os.kill(pid, signal.SIGKILL)
        for _ in range(1000):
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.01)
        return 1

KillProgram()
'''

    def "a program killed while gdb tests a breakpoint condition (gdb 13.1 reports the breakpoint hit) ends the move saying it was killed, #kind, by #move"() {
        given: 'a condition gdb tests itself also through gdbserver: a convenience function cannot be compiled for the server'
        Target t = target(kind)
        atTb(t)
        long program = Long.parseLong(gdb.evaluate('(long) getpid()'))
        def script = Files.createTempFile('tandem-kill-program-', '.py')
        Files.writeString(script, KILL_PROGRAM)
        gdb.console("source $script")
        def bp = gdb.breakAt('cpu_loop_exec_tb', "\$kill_program() && $COUNT > 0")

        when:
        move == 'cont' ? gdb.cont(LIMIT) : gdb.console('continue', LIMIT)

        then: "gdb could not read the condition's memory and said the breakpoint was hit; tandem says what happened, in one sentence"
        def e = thrown(DebuggerException)
        e.message ==~ /${java.util.regex.Pattern.quote(t.description())} ended during ${java.util.regex.Pattern.quote(during)}, killed from outside tandem while gdb tested the condition of breakpoint ${bp.number()} \(gdb said `Cannot access memory at address 0x\p{XDigit}+`\): gdb reported the breakpoint hit, but program pid $program no longer exists; gdb can run it again/
        !gdb.running()
        ended(program)

        and: 'gdb is there still, and runs the program again'
        gdb.gone() == null
        gdb.evaluate('1 + 1') == '2'
        gdb.delete(bp.number())
        def again = gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 1000")
        def stop = gdb.rerun(LIMIT)
        stop.reason() == Stop.Reason.BREAKPOINT_HIT && stop.breakpoint() == again.number()
        gdb.evaluateUnsigned(COUNT) >= 1000

        cleanup:
        Files.deleteIfExists(script)

        where:
        kind        | move                 | during
        'live'      | 'cont'               | '-exec-continue'
        'live'      | 'console continue'   | '`continue`'
        'gdbserver' | 'cont'               | '-exec-continue'
        'gdbserver' | 'console continue'   | '`continue`'
    }

    def "a SIGTRAP stop (gdbserver 13.1's report of a trap whose program was killed under it) ends the move saying it was killed, only where the pid is this machine's and has ended, #words"() {
        given: 'a program stopped at a breakpoint under a gdbserver tandem started here'
        Target server = target('gdbserver')
        atTb(server)
        long program = Long.parseLong(gdb.evaluate('(long) getpid()'))
        // the stop gdb reported when gdbserver could no longer read the trap's siginfo (6 of 270
        // runs of the SIGKILL-during-a-continue feature under load): a plain SIGTRAP, no
        // breakpoint, in the breakpoint's function
        def trap = new Stop(Stop.Reason.SIGNAL_RECEIVED, 0, gdb.backtrace()[0], null, 'SIGTRAP')

        def here = new KilledWhileTesting(server, gdb.channel(), { false })
        def elsewhere = new KilledWhileTesting(GdbServerTarget.connect(Demo.GDB, '127.0.0.1', 1, recording.binary()), gdb.channel(), { false })

        expect: 'a SIGTRAP on a program that runs is a stop like any other'
        here.check(trap, said, '-exec-continue') == null

        when: 'the program is killed from outside while gdbserver holds it stopped'
        ['kill', '-KILL', "$program"].execute().waitFor()

        then: "a server started elsewhere names its own machine's pids: none is looked up here"
        ended(program)
        elsewhere.check(trap, said, '-exec-continue') == null

        and: "a breakpoint stop without gdb's words of a program it cannot write or test is a stop like any other"
        here.check(new Stop(Stop.Reason.BREAKPOINT_HIT, 1, trap.frame(), null, null), '', '-exec-continue') == null

        when:
        def e = here.check(trap, said, '-exec-continue')

        then: 'the program is gone: tandem says so in one sentence'
        e.message == "${server.description()} ended during -exec-continue, killed from outside tandem at a trap: gdb reported `signal-received SIGTRAP in cpu_loop_exec_tb` (a breakpoint's trap that could no longer be told as one), but program pid $program no longer exists; gdb can run it again".toString()

        and: 'gdbserver reaped it, and runs the program again'
        !new File("/proc/$program").exists()
        gdb.gone() == null
        gdb.evaluate('1 + 1') == '2'
        def again = gdb.temporaryBreakAt('cpu_loop_exec_tb', "$COUNT >= 1000")
        def stop = gdb.rerun(LIMIT)
        stop.reason() == Stop.Reason.BREAKPOINT_HIT && stop.breakpoint() == again.number()
        gdb.evaluateUnsigned(COUNT) >= 1000

        where: 'what gdb said with the SIGTRAP in those runs: mostly that it could not take its breakpoints out, at times nothing'
        words                          | said
        'gdb could not write it'       | 'Cannot remove breakpoints because program is no longer writable.\nFurther execution is probably impossible.\n'
        'gdb said nothing'             | ''
    }

    def "a breakpoint condition gdb cannot test on a program that runs on is a breakpoint stop, as gdb reports it"() {
        given:
        atTb()
        def bp = gdb.breakAt('cpu_loop_exec_tb', '*(int *) 0 == 1')

        when:
        def stop = gdb.cont(LIMIT)

        then: 'gdb stops there (it said it could not read address 0); the program is alive and goes on'
        stop.reason() == Stop.Reason.BREAKPOINT_HIT && stop.breakpoint() == bp.number()
        gdb.evaluateUnsigned(COUNT) > 30_000
        gdb.delete(bp.number())
        gdb.stepInstruction().reason() == Stop.Reason.END_STEPPING_RANGE
    }

    def "gdb killed from outside: the next operation says gdb is gone"() {
        given:
        atTb()

        when:
        ProcessHandle.of(gdb.channel().pid()).ifPresent { it.destroyForcibly() }
        sleep 300
        gdb.evaluate(COUNT)

        then:
        def e = thrown(DebuggerException)
        e.message.contains('is gone')
        e.message.contains('live panda-system-mips')
    }

    def "close ends gdb and the program it debugs"() {
        given:
        def mine = Demo.children()
        atTb()
        assert (Demo.children() - mine).size() >= 2 // gdb and mini-PANDA

        when:
        gdb.close()

        then:
        Demo.leftovers(mine).isEmpty()
    }

    def "the program's output is captured"() {
        given:
        gdb = GdbDebugger.open(live())

        when:
        gdb.cont(LIMIT)

        then:
        gdb.drainProgramOutput().any { it.contains('Replay completed successfully') }
        gdb.drainProgramOutput().isEmpty()
    }

    def "a live program writes its output to a pipe of its own, not on gdb's stdout"() {
        given: 'prompter, which prints "(qemu) " without a newline in prompt() and returns 7'
        def dir = java.nio.file.Files.createTempDirectory('tandem-prompter-')
        def src = dir.resolve('prompter.c')
        java.nio.file.Files.writeString(src, GdbDebuggerSpec.getResourceAsStream('/mi/prompter.c').getText('UTF-8'))
        def gcc = ['gcc', '-g', '-O0', '-o', dir.resolve('prompter').toString(), src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, dir.resolve('prompter'), [], dir, null))
        def fromGdb = new java.util.concurrent.CopyOnWriteArrayList<String>()
        gdb.channel().addTranscript({ d, l -> if (d == tandem.mi.MiTranscript.Direction.FROM_GDB) fromGdb << l } as tandem.mi.MiTranscript)
        gdb.breakAt('prompt', null)
        gdb.cont(LIMIT)

        when:
        def stop = gdb.finish()

        then: 'the stop, and the prompt as program output'
        stop.reason() == Stop.Reason.FUNCTION_FINISHED
        gdb.drainProgramOutput() == ['(qemu) ']

        when:
        def end = gdb.cont(LIMIT)

        then:
        end.exited()
        gdb.drainProgramOutput() == ['', 'prompt gave 7']
        !fromGdb.any { it.startsWith('(qemu)') || it.startsWith('prompt gave') }

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(dir)
    }

    def "what a call printed to stderr is all read once awaitProgramOutput returns, however late the pipe is read"() {
        given: 'a reader of gdb\'s stderr that is slow, as on a loaded machine'
        gdb = atTb()
        gdb.channel().addTranscript { tandem.mi.MiTranscript.Direction d, String line ->
            if (d == tandem.mi.MiTranscript.Direction.GDB_STDERR) sleep(50)
        }
        gdb.drainProgramOutput()

        when: 'cpu_dump_state prints its 14 lines to stderr, unbuffered, and the call returns'
        gdb.console('call cpu_dump_state(cpus->tqh_first, (FILE *) stderr, (fprintf_function) fprintf, 0x20000)')
        gdb.awaitProgramOutput()
        def printed = gdb.drainProgramOutput()

        then: 'every line is there, and the mark that waited for them is not'
        printed.count { it =~ /^GPR\d\d: / } == 8
        printed.any { it.contains('Config5') }
        !printed.any { it.contains('tandem-output-mark') }
        gdb.drainProgramOutput().isEmpty()
    }

    def "a live program is fed its recorded stdin: the monitor records as typed"() {
        given: 'what a user typed at the PANDA monitor (Ctrl-A c switches to it)'
        def dir = java.nio.file.Files.createTempDirectory('tandem-stdin-')
        def stdin = dir.resolve('typed')
        java.nio.file.Files.write(stdin, ('\u0001c\nbegin_record typed\n\u0001c\n/bin/ls /etc\n\u0001c\nend_record\nq\n').getBytes('ISO-8859-1'))
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, recording.binary(),
                ['-m', '128M', '-M', 'malta', '-nographic', '-demo-instrs', '50000'], dir, stdin))
        def begin = gdb.breakAt('rr_do_begin_record', null)

        when:
        def stop = gdb.cont(LIMIT)

        then:
        stop.breakpoint() == begin.number()

        when:
        stop = gdb.cont(LIMIT)

        then:
        stop.exited()
        java.nio.file.Files.exists(dir.resolve('typed-rr-snp'))
        java.nio.file.Files.exists(dir.resolve('typed-rr-nondet.log'))
        consoleBytes(dir.resolve('typed-rr-nondet.log')).contains('/bin/ls /etc')

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    def "the same operations on each target (#kind)"() {
        given:
        atTb(target(kind))

        expect:
        gdb.target().connection() == connection
        gdb.evaluateUnsigned(COUNT) >= 30000
        gdb.evaluate('rr_mode') == 'RR_REPLAY'
        gdb.call('rr_checksum_regs()') ==~ /\d+/
        gdb.backtrace()[0].function() == 'cpu_loop_exec_tb'
        gdb.readMemory(gdb.evaluateUnsigned("&$COUNT"), 8).length == 8
        gdb.console('p/x 255').contains('0xff')
        gdb.stepInstruction().reason() == Stop.Reason.END_STEPPING_RANGE
        gdb.finish().frame().function() == 'mp_run_until'
        gdb.target().canCheckpoint() == checkpoints
        !checkpoints || gdb.checkpoint() > 0
        gdb.target().evaluatesConditions() == targetConditions

        where:
        kind        | connection                   | checkpoints | targetConditions
        'live'      | Target.Connection.NATIVE     | true        | false
        'gdbserver' | Target.Connection.REMOTE     | false       | true
        // tandem forks the program itself (ServerForks)
        'gdbserver forks' | Target.Connection.REMOTE | true      | true
        // the stand-in runs plain gdb: fork checkpoints, no reverse execution, gdb tests conditions
        'rr'        | Target.Connection.UNKNOWN    | true        | true
    }

    /**
     * The bytes the guest read from the UART's receive register, in a nondet log of PANDA's format
     * (rr_log.c's rr_write_item: u64 header; per item u64 count, u8 kind, u8 callsite, payload):
     * mini-PANDA logs every MMIO read as RR_INPUT_8 (kind 3) at RR_CALLSITE_IO_READ_ALL (4), and
     * its interrupt requests (kind 4) with an i32; a byte value is a console read (clock reads are
     * 0x5e000000 and up, an empty FIFO 0xffffffff).
     */
    private static String consoleBytes(java.nio.file.Path log) {
        def b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(log)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        b.getLong()
        def read = new StringBuilder()
        while (b.remaining() >= 10) {
            b.getLong()
            int kind = b.get(), callsite = b.get()
            if (kind == 3) {
                long v = b.getLong()
                if (callsite == 4 && v < 0x100) read.append((char) v)
            } else if (kind == 4) {
                b.getInt()
            }
        }
        read.toString()
    }
}
