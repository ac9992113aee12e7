package tandem.panda

import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.debugger.Debugger
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.debugger.Stop
import tandem.panda.time.Origin
import tandem.panda.time.Time

import java.time.Duration

/**
 * Reverse execution and origin on the demo under plain gdb (fork checkpoints): a 1e5-instruction
 * recording, its record run and its replay with a TLB flush injected at 50000. Every answer is
 * checked against a plain gdb run forwards on a fresh copy of the same program, which stops at the
 * same breakpoints and watchpoints and lists their counts (the witness), or against mini-PANDA's
 * own report of where it injected the flush.
 */
@Stepwise
@Timeout(300)
class ReverseExecutionSpec extends DemoTlbPairSpec {

    static final String TICKS = '*(unsigned int *) (guest_ram + 0xf04)'

    LiveProgram witnessTarget(PandaSession s) {
        s.role() == PandaSession.Role.RECORD ? MiniPanda.recordUnderGdb(recording, Demo.GDB) : MiniPanda.replayUnderGdb(recording, bug, Demo.GDB)
    }

    /**
     * The witness: a plain gdb runs the side's program from record/replay's start to the TB
     * boundary at {@code now} with {@code command} (a gdb break or watch line) and lists, for each
     * stop before now, its count and what {@code read} evaluates to there.
     */
    List<List> witness(PandaSession s, long now, String command, String read = COUNT, boolean fromFirstTb = false) {
        try (Debugger gdb = GdbDebugger.open(witnessTarget(s))) {
            gdb.temporaryBreakAt(s.role().beginFunction, null)
            assert gdb.cont(Duration.ofSeconds(60)).reason() == Stop.Reason.BREAKPOINT_HIT
            if (fromFirstTb) {
                // a replay loads its snapshot (TLB and all) after the begin function, before its first TB
                gdb.temporaryBreakAt('cpu_loop_exec_tb', null)
                assert gdb.cont(Duration.ofSeconds(60)).reason() == Stop.Reason.BREAKPOINT_HIT
            }
            gdb.console(command)
            int end = gdb.breakAt('cpu_loop_exec_tb', "$COUNT >= $now").number()
            List<List> seen = []
            while (true) {
                def stop = gdb.cont(Duration.ofSeconds(120))
                assert stop.reason() in [Stop.Reason.BREAKPOINT_HIT, Stop.Reason.WATCHPOINT_TRIGGER]
                if (stop.breakpoint() == end) return seen
                seen << [gdb.evaluateUnsigned(COUNT), gdb.evaluate(read)]
            }
        }
    }

    /** A breakpoint set as the user types it; its number. */
    static int userBreak(PandaSession s, String line) {
        s.gdb(line)
        s.debugger().evaluateUnsigned('$bpnum') as int
    }

    /** Each stop's Time as the witness's list gives it: its count, and its place among the stops at that count. */
    static List<Time> times(List<List> seen) {
        Map<Long, Integer> at = [:]
        seen.collect { List s ->
            long c = s[0] as long
            int i = at.getOrDefault(c, 0)
            at[c] = i + 1
            new Time(c, i)
        }
    }

    def "rc goes back to the last hit before now of a breakpoint whose condition skips hits, several TBs back"() {
        given: 'a breakpoint on every other TB boundary, except the last 1000 instructions before now'
        long now = rep.toInstr(40_000)
        String cond = "($COUNT & 1) == 0 && $COUNT < ${now - 1000}"
        def expected = witness(rep, now, "break cpu_loop_exec_tb if $cond")
        int bp = userBreak(rep, "break cpu_loop_exec_tb if $cond")

        when:
        def back = rep.timeline().reverseContinue()

        then: 'the witness saw hits, some skipped by the condition, the last several TBs before now'
        expected.size() > 2
        now - (expected.last()[0] as long) > 1000
        back.found()
        back.time() == times(expected).last()
        rep.instrCount() == expected.last()[0]
        rep.backtrace()[0].function() == 'cpu_loop_exec_tb'

        when: 'again: the hit before that one'
        def again = rep.timeline().reverseContinue()

        then:
        again.time() == times(expected)[-2]
        rep.instrCount() == expected[-2][0]

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rc finds the right one of several stops at one count"() {
        given: 'mtc0 runs twice in the TLB refill handler, which is one TB'
        long now = rep.toInstr(45_000)
        def expected = witness(rep, now, 'break cpu_exec.c:mtc0', 'reg')
        def t = times(expected)
        int bp = userBreak(rep, 'break cpu_exec.c:mtc0')

        when:
        def back = rep.timeline().reverseContinue()

        then: 'the witness shows counts with several stops'
        t.any { it.index() > 0 }
        back.time() == t.last()
        rep.eval('reg') == expected.last()[1]

        when:
        def again = rep.timeline().reverseContinue()

        then:
        again.time() == t[-2]
        rep.eval('reg') == expected[-2][1]
        rep.instrCount() == expected[-2][0]

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rc with no stop before now says so and leaves the side where it was"() {
        given:
        long now = rep.toInstr(30_000)
        int bp = userBreak(rep, "break cpu_loop_exec_tb if $COUNT > 99999999")

        when:
        def back = rep.timeline().reverseContinue()

        then:
        !back.found()
        back.note().contains('stays at guest instruction ' + now)
        rep.instrCount() == now
        rep.timeline().reverseStepInstruction().found() // still a usable position: at a TB boundary

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rsi at a TB boundary goes to the previous TB boundary, and nextTb comes back"() {
        given:
        long now = rep.toInstr(35_000)
        def boundaries = witness(rep, now, "break cpu_loop_exec_tb if $COUNT >= ${now - 600} && $COUNT < $now")

        when:
        def back = rep.timeline().reverseStepInstruction()

        then:
        back.found()
        back.breakpoint() == 0 // tandem's own TB breakpoint is not the user's to see
        !back.toString().contains('breakpoint')
        rep.instrCount() == boundaries.last()[0]
        rep.instrCount() < now
        rep.nextTb() == now

        when: 'twice back, across two TB boundaries'
        rep.timeline().reverseStepInstruction()
        rep.timeline().reverseStepInstruction()

        then:
        rep.instrCount() == boundaries[-2][0]
    }

    def "rsi inside a TB's host code goes one host instruction back"() {
        given: 'two host instructions into a TB'
        long now = rep.toInstr(36_000)
        rep.debugger().stepInstruction()
        long pcAfterOne = rep.debugger().evaluateUnsigned('$pc')
        rep.debugger().stepInstruction()

        when:
        def back = rep.timeline().reverseStepInstruction()

        then:
        back.found()
        rep.instrCount() == now
        rep.debugger().evaluateUnsigned('$pc') == pcAfterOne
    }

    def "origin of a RAM word: the timer ISR's last tick before now"() {
        given:
        long now = rep.toInstr(48_000)
        def changes = witness(rep, now, "watch -l $TICKS", TICKS)

        when:
        def o = rep.timeline().origin(TICKS)

        then:
        changes.size() > 1
        o.found()
        o.time().instr() == changes.last()[0]
        o.newValue() == changes.last()[1]
        o.oldValue() == changes[-2][1]
        (o.newValue() as long) == (o.oldValue() as long) + 1 // the guest's tick counter counts up
        rep.instrCount() == now
    }

    def "origin of a guest register by name"() {
        given:
        long now = rec.toInstr(40_000)
        String field = '((CPUMIPSState *) cpus->tqh_first->env_ptr)->CP0_EntryHi'
        def changes = witness(rec, now, "watch -l $field", field)

        when:
        def o = rec.timeline().origin('EntryHi')

        then:
        changes
        o.lvalue() == field
        o.time().instr() == changes.last()[0]
        o.newValue() == changes.last()[1]
        rec.instrCount() == now
    }

    def "origin of a TLB field names the injected flush on rep and an earlier tlbwr on rec"() {
        given: 'a TLB entry the guest had filled before the flush'
        long now = pair.both { it.toInstr(injected) }.rep()
        int entry = (0..15).find { i -> rec.debugger().evaluateUnsigned("((CPUMIPSState *) cpus->tqh_first->env_ptr)->tlb->mmu.r4k.tlb[$i].VPN") != 0x80000000L + i * 0x2000L }

        when:
        def o = pair.both { it.timeline().origin("tlb[$entry].VPN2") }

        then:
        now == injected
        !o.rec().sameAs(o.rep())
        o.rep().time().instr() == injected
        o.rep().frames()*.function().contains('mp_tlb_flush')
        o.rec().time().instr() < injected
        o.rec().frames()*.function().contains('mp_tlb_write')
        rep.instrCount() == now
        rec.instrCount() == now
    }

    def "two-run origin: the histories of a TLB field on both sides first part at the injected flush, not at each side's last write"() {
        given: 'both sides at the flush, a TLB entry the guest had filled before it, and every change a plain gdb watching it from the first TB saw on each side'
        long now = pair.both { it.toInstr(injected) }.rep()
        int entry = (0..15).find { i -> rec.debugger().evaluateUnsigned("((CPUMIPSState *) cpus->tqh_first->env_ptr)->tlb->mmu.r4k.tlb[$i].VPN") != 0x80000000L + i * 0x2000L }
        String field = "((CPUMIPSState *) cpus->tqh_first->env_ptr)->tlb->mmu.r4k.tlb[$entry].VPN"
        def seen = pair.both { s -> witness(s, now, "watch -l $field", field, true) }
        Integer parted = (0..<Math.max(seen.rec().size(), seen.rep().size())).find { int i ->
            i >= seen.rec().size() || i >= seen.rep().size() || seen.rec()[i] != seen.rep()[i]
        }

        when:
        def h = pair.both { it.timeline().changes(field) }
        int first = Origin.firstDifference(h.rec(), h.rep())

        then: "each side's history is the witness's, change for change"
        h.rec()*.time()*.instr() == seen.rec().collect { it[0] }
        h.rep()*.time()*.instr() == seen.rep().collect { it[0] }
        h.rec()*.newValue() == seen.rec().collect { it[1] }
        h.rep()*.newValue() == seen.rep().collect { it[1] }

        and: "they part where the witnesses part: rep's flush at the injected count, mini-PANDA's mp_tlb_flush"
        parted != null
        first == parted
        h.rep()[first].time().instr() == injected
        h.rep()[first].frames()*.function().contains('mp_tlb_flush')
        Origin.historiesPart('VPN', h.rec(), h.rep()).startsWith("the histories of VPN first differ at change #${first + 1} ")
        rep.instrCount() == now
        rec.instrCount() == now
    }

    def "reverse-finish goes back to the entry of the current call"() {
        given: 'inside cpu_loop_exec_tb, a few host instructions after its breakpoint'
        rep.toInstr(42_000)
        long entry = rep.debugger().evaluateUnsigned('(unsigned long) cpu_loop_exec_tb')
        3.times { rep.debugger().stepInstruction() }
        long now = rep.instrCount()

        when:
        def back = rep.timeline().reverseFinish()

        then:
        back.found()
        rep.debugger().evaluateUnsigned('$pc') == entry
        rep.instrCount() == now
    }

    def "the console runs rc and rsi on both sides at once"() {
        given:
        pair.both { it.toInstr(20_000) }
        def bps = pair.both { s -> userBreak(s, "break cpu_loop_exec_tb if $COUNT < 19000") }

        when:
        def line = new tandem.console.BreakpointNumbers().line()
        def rc = pair.both { s -> tandem.console.GdbLines.run(s, 'rc', line) }

        then:
        rc.rec().replaceAll(/breakpoint \d+, /, '') == rc.rep().replaceAll(/breakpoint \d+, /, '')
        rc.rec().contains('guest instruction ')
        rec.instrCount() < 19_000
        rec.instrCount() == rep.instrCount()

        cleanup:
        rec.debugger().delete(bps.rec())
        rep.debugger().delete(bps.rep())
    }
}
