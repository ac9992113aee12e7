package tandem.panda

import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.debugger.Debugger
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.debugger.Stop

import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.time.Duration

/**
 * PandaSession on the demo: a 1e5-instruction recording, its record run and its replay with a TLB
 * flush injected at 50000 (mini-PANDA applies it at the first TB boundary at or after that count and
 * says where), each under gdb. The live program stands in for an rr replay: re-running it is
 * deterministic, and gdb's fork checkpoints stand in for rr's.
 */
@Stepwise
@Timeout(180)
class PandaSessionSpec extends DemoTlbPairSpec {

    static PandaSession open(String name, PandaSession.Role role, LiveProgram target) {
        PandaSession.open(name, role, GdbDebugger.open(target), Optional.empty())
    }

    /** Where a plain gdb, with the condition typed by hand, stops: the independent witness. */
    long plainGdbStop(LiveProgram target, String condition) {
        try (Debugger gdb = GdbDebugger.open(target)) {
            gdb.breakAt('cpu_loop_exec_tb', condition)
            def stop = gdb.cont(Duration.ofSeconds(60))
            assert stop.reason() == Stop.Reason.BREAKPOINT_HIT
            gdb.evaluateUnsigned(COUNT)
        }
    }

    def "the injected bug took effect at a TB boundary at or after its count"() {
        expect:
        injected >= BUG_AT
        injected < BUG_AT + 100
    }

    def "beginRecordOrReplay stops at the first TB after record or replay began and keeps a checkpoint there"() {
        when:
        def both = pair.both { it.beginRecordOrReplay() }

        then:
        both.rec() == rec.instrCount()
        both.rep() == rep.instrCount()
        both.rec() == rec.begin()
        rec.backtrace()[0].function() == 'cpu_loop_exec_tb'
        rep.backtrace()[0].function() == 'cpu_loop_exec_tb'
        rec.checkpoints().has(both.rec())
        rep.checkpoints().has(both.rep())
        rec.eval('rr_mode') == 'RR_RECORD'
        rep.eval('rr_mode') == 'RR_REPLAY'
    }

    def "toInstr stops at the first TB at or after the count, where a plain gdb breakpoint with >= stops"() {
        given:
        int passes = BreakpointHits.of(rep, PandaNames.LOOP_PASS_FUNCTION)

        when:
        long reached = rep.toInstr(20_000)

        then:
        reached >= 20_000
        reached < 20_100
        reached == rep.instrCount()
        rep.backtrace()[0].function() == 'cpu_loop_exec_tb'
        reached == plainGdbStop(MiniPanda.replayUnderGdb(recording, bug, Demo.GDB), "$COUNT >= 20000")

        and: "PANDA's loop stopped the move once, on its first pass past cpu->temp_rr_bp_instr; the call it makes there was popped before it ran"
        BreakpointHits.of(rep, PandaNames.LOOP_PASS_FUNCTION) == passes + 1
        rep.eval('cpus->tqh_first->temp_rr_bp_instr') == '0'
        !rep.debugger().drainProgramOutput().any { it.contains('Inserted bp @ instr count') }
    }

    def "the notes' `> n` breakpoint stops one TB later when a TB starts exactly at n"() {
        given: 'a count where a TB starts'
        long n = rep.toInstr(20_000)

        expect:
        rep.toInstr(n) == n
        plainGdbStop(MiniPanda.replayUnderGdb(recording, bug, Demo.GDB), "$COUNT > $n") > n
    }

    def "toInstr forward, backward from a checkpoint, and to the same count twice"() {
        when:
        long a = rep.toInstr(30_000)
        long b = rep.toInstr(45_000)
        long back = rep.toInstr(30_000)
        int stops = rep.stops()
        long again = rep.toInstr(30_000)

        then:
        b > a
        back == a
        again == a
        rep.stops() == stops // already there: no move at all
        rep.checkpoints().has(a)
        rep.checkpoints().has(b)
    }

    def "a backward move restarts from the nearest checkpoint at or before the goal"() {
        given:
        rep.toInstr(49_000)
        def cps = rep.checkpoints().snapshot()
        long nearest = cps.floorKey(40_000L)
        int stops = rep.stops()

        when:
        long reached = rep.toInstr(40_000)

        then:
        reached >= 40_000
        nearest < 40_000
        // the restart, then the move forward: PANDA's loop stops itself at its first pass at or
        // past the goal (cpu->temp_rr_bp_instr), then one continue to that pass's TB
        rep.stops() - stops == 3
    }

    def "pc, regs, epc and asid read the MIPS guest state"() {
        given:
        rep.toInstr(40_000)
        def regs = rep.regs()

        expect:
        regs.get('pc') == rep.pc()
        regs.get('zero') == 0
        regs.values().keySet().containsAll(['pc', 'sp', 'ra', 'a3', 'EPC', 'EntryHi', 'Status', 'Cause'])
        regs.get('EPC') == rep.epc()
        rep.asid() == (regs.get('EntryHi') & 0xff)
        rep.asid() == 0x2a
        rep.pc() == rep.debugger().evaluateUnsigned('((CPUMIPSState*)cpus->tqh_first->env_ptr)->active_tc.PC')
    }

    def "regs of rec and rep are diffable: the same before the bug"() {
        when:
        def both = pair.both { it.toInstr(40_000); it.regs() }

        then:
        both.rec().values().size() == 37
        both.same()
        both.diff() == 'same'
    }

    def "disas is PANDA's target_disas of the TB about to execute"() {
        given:
        rep.toInstr(40_000)
        long pc = rep.pc()

        when:
        def text = rep.disas()
        def lines = text.readLines().findAll { it.trim() }

        then:
        lines[0].startsWith(String.format('0x%08x:', pc))
        lines.size() == rep.debugger().evaluateUnsigned('tb->icount')
    }

    def "cpuDump is PANDA's cpu_dump_state text"() {
        given:
        rep.toInstr(40_000)

        when:
        def text = rep.cpuDump()

        then:
        text.startsWith(String.format('pc=0x%08x', rep.pc()))
        text.contains('GPR00:')
        text.contains('CP0 Status')
    }

    def "disas and cpuDump work when gdb has no libc debug info"() {
        given:
        def target = MiniPanda.replayUnderGdb(recording, null, Demo.GDB)
                .withGdbOptions('-iex', 'set debug-file-directory /nonexistent')
        def s = open('plain', PandaSession.Role.REPLAY, target)

        when:
        s.toInstr(40_000)

        then: 'every libc call is cast to its declared type, so gdb needs no libc types'
        s.disas().startsWith(String.format('0x%08x:', s.pc()))
        s.cpuDump().contains('GPR00:')

        cleanup:
        s?.close()
    }

    def "checksums: registers, RAM and TLB, equal in rec and rep before the bug"() {
        when:
        def both = pair.both { it.toInstr(40_000); it.checksums() }

        then:
        both.rec().instr() == both.rep().instr()
        both.rec().tlb() != null
        both.rec().ram() == rep.ramCrc(0, rep.ramSize())
        both.same()
        rep.hasTlbHash()
    }

    def "both: v2p of a data address agrees before the bug; after it rec maps it and rep does not"() {
        given: 'the data word the guest works on where the bug hits (0x7f81cac0 is not in the TLB then)'
        pair.both { it.toInstr(injected) }
        long data = rec.regs().get('v0')

        when:
        def after = pair.both { it.toInstr(injected); it.v2p(data) }

        then:
        after.rec().mapped()
        !after.rep().mapped()
        after.differences() == ['mapped in rec only']
        after.diff() == 'differ: mapped in rec only'
        after.rep().toString() == String.format('0x%x -> unmapped', data)

        when: 'the TLB checksum tells it too'
        def sums = pair.both { it.checksums() }

        then:
        sums.differences() == ['tlb']

        when: 'one TB before the bug, back through checkpoints'
        def early = pair.both { it.toInstr(injected - 64); it.v2p(data) }

        then:
        early.same()
        early.rec().mapped()
        early.rec().physical() == after.rec().physical()
    }

    def "toInstr past the end of the recording says the recording ends before it"() {
        when:
        rec.toInstr(5_000_000)

        then:
        def e = thrown(PandaException)
        e.message.contains('the recording ends before it')
        e.message.contains('5000000')
    }

    def "toInstr past a failed replay's end says the replay failed there, not that the recording ends"() {
        when: "rep's replay fails soon after its injected bug: PANDA's rr_do_end_replay(is_error = 1)"
        rep.toInstr(5_000_000)

        then:
        def e = thrown(PandaException)
        e.message.contains("PANDA's replay failed at guest instruction")
        !e.message.contains('the recording ends before it')
    }

    def "toInstr to the count where the replay fails says no TB began there, not just that it was not reached"() {
        given: "the replay point of a plain run of the failing replay: PANDA prints it under its label"
        def lines = MiniPanda.replay(recording, bug).lines()
        int label = lines.findIndexOf { it.contains('Replay program point:') }
        assert label >= 0
        long failedAt = (lines[label + 1] =~ /guest_instr_count=(\d+)/)[0][1] as long

        when:
        rep.toInstr(failedAt)

        then:
        def e = thrown(PandaException)
        e.message.contains("did not reach $failedAt: PANDA's replay failed at guest instruction $failedAt, before a TB at or past $failedAt began")
    }

    def "toInstr reaches the same TB with and without debug_counter"() {
        given: 'a recording long enough for debug_counter (every 2^17 instructions) to matter'
        def longer = Demo.record(1_000_000)
        def with = open('with', PandaSession.Role.REPLAY, MiniPanda.replayUnderGdb(longer, null, Demo.GDB))
        def without = open('without', PandaSession.Role.REPLAY, MiniPanda.replayUnderGdb(longer, null, Demo.GDB))
        without.useDebugCounter(false)

        when:
        long a = with.toInstr(700_001)
        long b = without.toInstr(700_001)

        then:
        a == b
        a >= 700_001

        cleanup:
        with?.close()
        without?.close()
        MiniPanda.deleteTree(longer?.directory())
    }

    def "a build without debug symbols is refused with the fix"() {
        given:
        def dir = Files.createTempDirectory('tandem-nodebug-')
        def target = new LiveProgram(Demo.GDB, MiniPanda.binaryWithoutDebugInfo(), MiniPanda.replayArguments('ls', null), dir, null)
        def gdb = GdbDebugger.open(target)

        when:
        PandaSession.open('rep', PandaSession.Role.REPLAY, gdb, Optional.empty())

        then:
        def e = thrown(PandaException)
        e.message.contains('has no debug symbols')
        e.message.contains('`cpus`')
        e.message.contains('--enable-debug')

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(dir)
    }

    def "an arch that can't be told from the binary's name is an error naming --arch"() {
        given:
        def dir = Files.createTempDirectory('tandem-arch-')
        def copy = Files.copy(MiniPanda.binary(Arch.MIPS), dir.resolve('my-emulator'), StandardCopyOption.COPY_ATTRIBUTES)
        def gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, copy, [], dir, null))

        when:
        PandaSession.open('rep', PandaSession.Role.REPLAY, gdb, Optional.empty())

        then:
        def e = thrown(PandaException)
        e.message.contains("can't tell the guest arch of my-emulator")
        e.message.contains('--arch')

        when: 'named, it opens'
        def s = PandaSession.open('rep', PandaSession.Role.REPLAY, gdb, Arch.fromName('mips'))

        then:
        s.arch() == Arch.MIPS

        cleanup:
        gdb?.close()
        MiniPanda.deleteTree(dir)
    }

    def "the wrong arch is refused: the binary has no such CPU state"() {
        given:
        def gdb = GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB))

        when:
        PandaSession.open('rep', PandaSession.Role.REPLAY, gdb, Optional.of(Arch.PPC))

        then:
        def e = thrown(PandaException)
        e.message.contains('CPUPPCState')

        cleanup:
        gdb?.close()
    }
}
