// A run of the real PANDA's replay from its start (the way back where gdb cannot fork a
// checkpoint) that stopped before the dynamic loader mapped libpanda-mips.so: gdb has forgotten
// the library's symbols there (rr_do_begin_replay, debug_counter, cpus), as after a Ctrl-C early in
// the run. The stop comes from gdb's `set stop-on-solib-events 1`, whose first stop in a run is
// the loader's first shared library event, before it maps any library: the same place every time,
// where a Ctrl-C lands only by chance. The counts the next moves must reach come from a plain gdb on PANDA.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.DebuggerException
import tandem.panda.PandaException
import tandem.panda.PandaNames
import tandem.panda.PandaSession
import tandem.panda.time.WaysBack

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaRunAgainSpec extends Specification {
    /** Forward to FAR, then back to BACK (a run from the start), then on to GOAL. */
    static final long FAR = 400_000, BACK = 200_000, GOAL = 625_647
    static final String COUNT = 'cpus->tqh_first->rr_guest_instr_count'

    @Shared RealPanda.Recording recording
    /**
     * What a plain gdb reads of rr_guest_instr_count: at the first cpu_loop_exec_tb after
     * rr_do_begin_replay (beginTb) and at the one after it (nextTb), at the first at or after GOAL (goalTb), and at the first after
     * the debug_counter call of the first period starting at or after GOAL (counterTb).
     */
    @Shared long beginTb, nextTb, goalTb, counterTb

    PandaSession rep

    def setupSpec() {
        recording = RealPanda.get().unchanged()
        long bucket = PandaNames.periodStartAtOrBefore(GOAL), period = PandaNames.periodStartAtOrAfter(GOAL)
        def witness = RealPanda.get().replayUnderGdb(recording, [], false, [
                'break rr_do_begin_replay', 'run', 'delete',
                'break cpu_loop_exec_tb', 'continue', "printf \"begin %llu\\n\", $COUNT".toString(),
                'continue', "printf \"next %llu\\n\", $COUNT".toString(), 'delete',
                // to the debug_counter period start first: testing the condition at every TB from the start is slow
                "break debug_counter if $COUNT >= $bucket".toString(), 'continue', 'delete',
                "break cpu_loop_exec_tb if $COUNT >= $GOAL".toString(), 'continue',
                "printf \"goal %llu\\n\", $COUNT".toString(), 'delete',
                "break debug_counter if $COUNT >= $period".toString(), 'continue', 'delete',
                'break cpu_loop_exec_tb', 'continue', "printf \"counter %llu\\n\", $COUNT".toString()])
        beginTb = ((witness.output =~ /(?m)^begin (\d+)$/)[0][1]) as long
        nextTb = ((witness.output =~ /(?m)^next (\d+)$/)[0][1]) as long
        goalTb = ((witness.output =~ /(?m)^goal (\d+)$/)[0][1]) as long
        counterTb = ((witness.output =~ /(?m)^counter (\d+)$/)[0][1]) as long
        assert goalTb >= GOAL && goalTb < GOAL + 512
        assert counterTb >= period && counterTb != goalTb
    }

    def cleanup() {
        rep?.close()
    }

    /**
     * rep at FAR, then toInstr BACK run from the start and stopped by gdb at the loader's first
     * shared library event: the state a Ctrl-C early in that run leaves, checked to be that state.
     */
    private void stoppedBeforeLibpandaIsMapped(List<String> atBegin = []) {
        rep = RealPandaPair.side('rep', recording, atBegin).open(Optional.empty())
        assert rep.toInstr(FAR) >= FAR
        // gdb forks no checkpoint of a PANDA (several threads): going back runs it from its start
        assert rep.rewind() == WaysBack.Rewind.REEXECUTION
        rep.debugger().console('set stop-on-solib-events 1')
        try {
            rep.toInstr(BACK)
            assert false: 'the run from the start did not stop at the first shared library event'
        } catch (PandaException e) {
            assert e.message.contains("stopped (") && e.message.contains("before reaching rr_do_begin_replay when run again")
        } finally {
            rep.debugger().console('set stop-on-solib-events 0')
        }
        // what a Ctrl-C there leaves: libpanda-mips.so not mapped, and gdb knows none of its symbols
        assert !rep.debugger().console('info sharedlibrary').contains('libpanda-mips.so')
        try {
            rep.debugger().evaluate('&rr_do_begin_replay')
            assert false: 'gdb still knows rr_do_begin_replay'
        } catch (DebuggerException e) {
            assert e.message.contains('rr_do_begin_replay')
        }
    }

    def "a move after a run from the start stopped before libpanda-mips.so was mapped reaches its goal"() {
        given:
        stoppedBeforeLibpandaIsMapped()

        expect: 'the side says it stands nowhere it can go on from, and reads no count there'
        rep.where() == 'before the first TB after rr_do_begin_replay of a run from its start that was stopped; the next move runs it from its start again'
        readsNoCount(rep)

        when: 'asked about a function of PANDA not asked about before, where gdb knows none of its code'
        rep.hasSymbol('panda_find_ram')

        then: 'it says it cannot tell, rather than no'
        PandaException unknown = thrown()
        unknown.message == "rep: can't tell whether this PANDA has panda_find_ram: gdb knows none of its code here" +
                " (it forgets libpanda's symbols when the program ends or starts again, until the dynamic loader maps it)" +
                ' (now before the first TB after rr_do_begin_replay of a run from its start that was stopped; the next move runs it from its start again)'

        when: "asked whether PANDA's MIPS TLB can be read, where there is no CPU state to read it through"
        rep.hasTlbHash()

        then: 'it says it cannot tell, rather than no for the rest of the session'
        PandaException noTlb = thrown()
        noTlb.message.startsWith("rep: can't tell whether this PANDA keeps its MIPS TLB where tandem reads it (")
        noTlb.message.endsWith('(now before the first TB after rr_do_begin_replay of a run from its start that was stopped; the next move runs it from its start again)')

        when:
        long reached = rep.toInstr(GOAL)

        then: "at the first TB at or after $GOAL, as plain gdb finds it, by the count PANDA holds"
        reached == goalTb
        rep.instrCount() == goalTb
        rep.backtrace()[0].function() == PandaSession.EXEC_TB
        rep.begin() == beginTb
        rep.where() == "at guest instruction $goalTb"
        rep.hasSymbol('panda_find_ram')
        !rep.hasSymbol('no_such_function_in_panda')
        rep.hasTlbHash()

        when: 'back again: the run from the start goes the whole way this time'
        long back = rep.toInstr(BACK)

        then:
        back >= BACK && back < BACK + 512
        rep.instrCount() == back
    }

    def "toCounter after a run from the start stopped before libpanda-mips.so was mapped stops at debug_counter, which PANDA has"() {
        given:
        stoppedBeforeLibpandaIsMapped()

        when:
        long reached = rep.toCounter(GOAL)

        then: "at the TB after the debug_counter call of the first period at or after $GOAL, as plain gdb finds it"
        reached == counterTb
        rep.instrCount() == counterTb
        rep.hasSymbol(PandaNames.DEBUG_COUNTER)
    }

    def "nextTb after a run from the start stopped before libpanda-mips.so was mapped runs it again to its first TB, start commands and all, then one TB on"() {
        given: 'start commands that count the runs that passed rr_do_begin_replay'
        stoppedBeforeLibpandaIsMapped(['set $begun = $_isvoid($begun) ? 1 : $begun + 1'])
        assert rep.debugger().evaluate('$begun') == '1'

        when:
        long at = rep.nextTb()

        then: 'one TB past the first TB after rr_do_begin_replay, as plain gdb finds it; the start commands ran in this run too'
        at == nextTb
        rep.instrCount() == nextTb
        rep.where() == "at guest instruction $nextTb"
        rep.debugger().evaluate('$begun') == '2'
        rep.begin() == beginTb
    }

    /** The count can't be read before libpanda-mips.so is mapped: gdb says so, rather than any number. */
    private static boolean readsNoCount(PandaSession s) {
        try {
            s.instrCount()
            return false
        } catch (DebuggerException e) {
            return e.message.contains('cpus')
        }
    }
}
