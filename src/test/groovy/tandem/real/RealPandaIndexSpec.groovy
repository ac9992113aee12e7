// rc and origin 10^7 guest instructions into a real panda-system-mips replay, where going back
// re-executes from the start and the old way stopped gdb at every hit before now (some 20,000
// guest instructions a second): the replay's index (tandem.panda.time.ReplayIndex) counts the
// hits per debug_counter period inside gdb and names the period to stop in. The truth comes from
// a plain gdb on a fresh replay, run with the same breakpoint or watchpoint near the answer.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.Debugger
import tandem.debugger.Stop
import tandem.panda.PandaNames
import tandem.panda.PandaSession

import java.time.Duration

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaIndexSpec extends Specification {
    static final String COUNT = RealPandaReverseSpec.COUNT
    /** Where the side stands when it goes back: 10^7 guest instructions into the replay. */
    static final long NOW = 10_000_000L

    @Shared RealPanda.Recording recording
    @Shared PandaSession rep
    @Shared List<String> notices = Collections.synchronizedList([])

    def setupSpec() {
        recording = RealPanda.get().far()
        rep = RealPandaPair.side('rep', recording).open(Optional.empty())
        rep.onNotice { notices << it }
        rep.beginRecordOrReplay()
    }

    def cleanupSpec() {
        rep?.close()
    }

    /**
     * A plain gdb on a fresh replay: from rr_do_begin_replay, debug_counter to the 2^17 period at or
     * before {@code near}, then {@code command} and on to the TB boundary at {@code now}; for each
     * stop of it on the way, its count and what {@code read} evaluates to.
     */
    List<List> witnessNear(long near, long now, String command, String read = COUNT) {
        PandaSession fresh = RealPandaPair.side('witness', recording).open(Optional.empty())
        try {
            Debugger gdb = fresh.debugger()
            gdb.temporaryBreakAt('rr_do_begin_replay', null)
            assert gdb.cont(Duration.ofSeconds(120)).reason() == Stop.Reason.BREAKPOINT_HIT
            int hop = gdb.breakAt('debug_counter', "$COUNT >= ${PandaNames.periodStartAtOrBefore(near)}").number()
            assert gdb.cont(Duration.ofSeconds(300)).breakpoint() == hop
            gdb.delete(hop)
            gdb.console(command)
            int end = gdb.breakAt('cpu_loop_exec_tb', "$COUNT >= $now").number()
            List<List> seen = []
            while (true) {
                def stop = gdb.cont(Duration.ofSeconds(300))
                assert stop.reason() in [Stop.Reason.BREAKPOINT_HIT, Stop.Reason.WATCHPOINT_TRIGGER]
                if (stop.breakpoint() == end) return seen
                seen << [gdb.evaluateUnsigned(COUNT), gdb.evaluate(read)]
            }
        } finally {
            fresh.close()
        }
    }

    def "rc 10^7 instructions in goes to the last hit before now of a breakpoint hit every round, with two runs from the start"() {
        given: "the guest's syscall, once a round (about 510 guest instructions): QEMU raises it through helper_raise_exception_err"
        long now = rep.toInstr(NOW)
        def expected = witnessNear(now - PandaNames.DEBUG_COUNTER_PERIOD, now, 'break helper_raise_exception_err')
        rep.gdb('break helper_raise_exception_err')
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int
        int before = rep.reexecutions()
        notices.clear()

        when:
        def back = rep.timeline().reverseContinue()

        then: 'hit hundreds of times in the last two periods alone, so thousands of times before now'
        expected.size() > 200
        back.found()
        back.breakpoint() == bp
        rep.instrCount() == expected.last()[0]
        rep.reexecutions() == before + 2 // one indexing the hits up to now, one to the period of the last hit
        notices.any { it.startsWith('indexing the replay from its start to guest instruction ' + now) }

        when: 'again: the index kept tells how many hits lie before here'
        rep.timeline().reverseContinue()

        then:
        rep.instrCount() == expected[-2][0]
        rep.reexecutions() == before + 3

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rc 10^7 instructions in to a hit 5x10^6 instructions back: none in the window before now, so one more run counts them from the start"() {
        given: 'the syscall breakpoint, its hits after guest instruction 5x10^6 ruled out by its condition'
        long now = rep.toInstr(NOW)
        String cond = "$COUNT < 5000000"
        def expected = witnessNear(5_000_000 - PandaNames.DEBUG_COUNTER_PERIOD, 5_001_000, "break helper_raise_exception_err if $cond")
        rep.gdb("break helper_raise_exception_err if $cond")
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int
        int before = rep.reexecutions()

        when:
        def back = rep.timeline().reverseContinue()

        then:
        expected.size() > 100
        back.found()
        rep.instrCount() == expected.last()[0]
        rep.reexecutions() == before + 3 // the window before now, the rest from the start, the period of the last hit

        cleanup:
        rep.debugger().delete(bp)
    }

    def "origin 10^7 instructions in: s0, the guest's round index, written every round, with two runs from the start"() {
        given:
        long now = rep.toInstr(NOW)
        String field = rep.arch().guestState('gpr[16]').get()
        def changes = witnessNear(now - PandaNames.DEBUG_COUNTER_PERIOD, now, "watch -l $field", field)
        int before = rep.reexecutions()
        notices.clear()

        when:
        def o = rep.timeline().origin('gpr[16]')

        then: 'changed hundreds of times in the last two periods alone'
        changes.size() > 200
        o.lvalue() == field
        o.time().instr() == changes.last()[0]
        o.newValue() == changes.last()[1]
        rep.instrCount() == now
        rep.reexecutions() == before + 2 // one reading the value at each period, one watched from the last period that changed it
        notices.any { it.startsWith('indexing the replay from its start to guest instruction ' + now) }
    }

    def "reverse-finish 10^7 instructions in, inside a helper QEMU runs every round: back to this call's entry, with two runs from the start"() {
        given: 'the calls of the syscall helper around 10^7, as a plain gdb sees them'
        long now = rep.toInstr(NOW)
        def calls = witnessNear(now, now + 2_000, 'break helper_raise_exception_err')
        long entry = rep.debugger().evaluateUnsigned('(unsigned long) helper_raise_exception_err')

        and: 'rep stopped in that call, some host instructions past its entry'
        rep.gdb('break helper_raise_exception_err')
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int
        rep.debugger().cont(Duration.ofSeconds(120))
        rep.debugger().delete(bp)
        long count = rep.instrCount()
        3.times { rep.debugger().stepInstruction() }
        long pcInside = rep.debugger().evaluateUnsigned('$pc')
        int before = rep.reexecutions()
        notices.clear()

        when:
        def back = rep.timeline().reverseFinish()

        then: "the entry, called with this call's stack pointer every round before, so thousands of times before now"
        count == calls.find { it[0] >= now }[0]
        pcInside != entry
        back.found()
        rep.instrCount() == count
        rep.debugger().evaluateUnsigned('$pc') == entry
        rep.debugger().backtrace()[0].function() == 'helper_raise_exception_err'
        rep.reexecutions() == before + 2 // one indexing the entry's hits up to now, one to the period of the last
        notices.any { it.startsWith('indexing the replay from its start to guest instruction ' + count) }
    }
}
