// The session verbs on the real panda-system-mips of the notes (a debug build of the branch
// mips_serious_rec_attempt), both sides replaying the same recording under gdb: moves forward and
// back (by re-execution: gdb can't fork PANDA's threads), registers, TLB, disassembly, v2p.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.time.WaysBack

@Requires({ RealPanda.required() })
@Timeout(600)
class RealPandaSessionSpec extends Specification {
    @Shared RealPanda.Recording recording
    @Shared Pair pair
    @Shared List<String> notices = Collections.synchronizedList([])

    def setupSpec() {
        recording = RealPanda.get().unchanged()
        pair = RealPandaPair.open(RealPandaPair.side('rec', recording), RealPandaPair.side('rep', recording), notices)
    }

    def cleanupSpec() {
        pair?.close()
    }

    def "gdb can't fork a checkpoint of real PANDA, so going back re-executes the replay"() {
        expect: 'PANDA runs several threads by rr_do_begin_replay; gdb refuses to fork them'
        pair.rec().rewind() == WaysBack.Rewind.REEXECUTION
        pair.rep().rewind() == WaysBack.Rewind.REEXECUTION
        notices.any { it.startsWith('rec: ') && it.contains("can't fork a checkpoint") }
    }

    def "toInstr goes forward, then back by running the replay again, to the same state"() {
        given:
        long there = 1_200_000
        long back = 600_000

        when: 'forward, remembering the registers at the first stop'
        def first = pair.both { it.toInstr(back) }
        def regsFirst = pair.both { it.regs().values() }
        def far = pair.both { it.toInstr(there) }
        int before = pair.rec().reexecutions()
        def again = pair.both { it.toInstr(back) }

        then: 'each stop is the first TB at or after the goal (a TB is at most 512 instructions)'
        first.rec() == first.rep()
        first.rec() >= back && first.rec() < back + 512
        far.rec() >= there && far.rec() < there + 512

        and: 'going back ran each side once more from its start, said so, and reached the same state'
        pair.rec().reexecutions() == before + 1
        pair.rep().reexecutions() == before + 1
        notices.any { it.contains('re-executing') && it.contains("back to $back") }
        again.rec() == first.rec()
        pair.both { it.regs().values() } == regsFirst
    }

    def "registers, TLB, disassembly, CPU dump and v2p of the real program"() {
        when:
        pair.both { it.toInstr(1_000_000) }
        def s = pair.rec()
        def regs = s.regs()
        long pc = s.pc()

        then: 'the PC read two ways agrees, and the TB about to run disassembles at it'
        regs.values()['pc'] == pc
        s.disas().contains(String.format('0x%08x', pc))
        s.cpuDump().contains('GPR00:')

        and: 'MIPS CP0 state'
        s.asid() in (0L..255L)
        s.epc() == s.debugger().evaluateUnsigned('((CPUMIPSState *) cpus->tqh_first->env_ptr)->CP0_EPC')

        and: "the guest's wired tlbwi entry maps 0x7f81cac0 where the guest put it"
        s.v2p(MipsGuest.FIXED_VA).physical().asLong == MipsGuest.FIXED_PA

        and: 'both sides replay the same recording: same checksums'
        pair.both { it.checksums() }.with { it.rec() == it.rep() }
    }

    def "a move past the end of the replay says where the side is"() {
        when:
        pair.rep().toInstr(50_000_000)

        then:
        def e = thrown(PandaException)
        e.message.contains('did not reach 50000000')
    }

    def "toInstr within a debug_counter period stops where a plain gdb's conditional breakpoint stops, PANDA's loop stopping the move once"() {
        given: 'a goal well inside a period, after the period start a plain gdb reaches on debug_counter'
        long goal = 5 * 131_072 + 90_001
        def witness = RealPanda.get().replayUnderGdb(recording, [], false, [
                "break debug_counter if cpus->tqh_first->rr_guest_instr_count >= ${5 * 131_072}".toString(),
                'run',
                'delete',
                "break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count >= $goal".toString(),
                'continue',
                'printf "witness %llu\\n", cpus->tqh_first->rr_guest_instr_count'])
        long expected = ((witness.output =~ /witness (\d+)/)[0][1]) as long
        def rep = pair.rep()
        // at the period start first: gdb counts hits from the last run, and this may run the replay again
        rep.toInstr(5 * 131_072)
        int passes = tandem.panda.BreakpointHits.of(rep, 'cpu_rr_breakpoint_insert')

        when:
        long reached = rep.toInstr(goal)

        then:
        reached == expected
        rep.backtrace()[0].function() == 'cpu_loop_exec_tb'
        tandem.panda.BreakpointHits.of(rep, 'cpu_rr_breakpoint_insert') == passes + 1
        rep.eval('cpus->tqh_first->temp_rr_bp_instr') == '0'
        !rep.debugger().drainProgramOutput().any { it.contains('Inserted bp @ instr count') }
    }
}
