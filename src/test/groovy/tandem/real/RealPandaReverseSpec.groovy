// Reverse execution on the real panda-system-mips, where going back re-executes the replay from
// its start (gdb can't fork PANDA's threads): rc, rsi and origin, each checked against a plain gdb
// that runs a fresh replay forwards with the same breakpoint or watchpoint.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.Debugger
import tandem.debugger.Stop
import tandem.panda.Pair
import tandem.panda.PandaSession

import java.time.Duration

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaReverseSpec extends Specification {
    static final String COUNT = 'cpus->tqh_first->rr_guest_instr_count'

    @Shared RealPanda.Recording recording
    @Shared Pair pair

    def setupSpec() {
        recording = RealPanda.get().unchanged()
        pair = RealPandaPair.open(RealPandaPair.side('rec', recording), RealPandaPair.side('rep', recording))
    }

    def cleanupSpec() {
        pair?.close()
    }

    PandaSession getRep() { pair.rep() }

    /** Physical address of a symbol of the guest, from its ELF (kseg0: the low 29 bits). */
    static long guestPhysical(String symbol) {
        String line = ['mips-linux-gnu-nm', MipsGuest.elf().toString()].execute().text.readLines().find { it.endsWith(" $symbol") }
        assert line: "the guest has no $symbol"
        Long.parseUnsignedLong(line.split(' ')[0], 16) & 0x1fffffffL
    }

    /** The big-endian guest's value of a RAM word read as a host (little-endian) unsigned int. */
    static long guestWord(String hostValue) {
        Integer.reverseBytes(Long.parseLong(hostValue) as int) & 0xffffffffL
    }

    /**
     * A plain gdb on a fresh replay: from rr_do_begin_replay to the TB boundary at {@code now} with
     * {@code command}; for each stop before now, its count and what {@code read} evaluates to.
     */
    List<List> witness(long now, String command, String read = COUNT) {
        PandaSession fresh = RealPandaPair.side('witness', recording).open(Optional.empty())
        try {
            Debugger gdb = fresh.debugger()
            gdb.temporaryBreakAt('rr_do_begin_replay', null)
            assert gdb.cont(Duration.ofSeconds(120)).reason() == Stop.Reason.BREAKPOINT_HIT
            gdb.console(command.replace('RAM', Long.toString(fresh.ramPointer())))
            // debug_counter to now's 2^17 period first: a condition on cpu_loop_exec_tb costs a test per TB.
            // In the first period there is none to hop to (PANDA first calls it at 2^17)
            int hop = now >> 17 == 0 ? -1 : gdb.breakAt('debug_counter', "$COUNT >= ${(now >> 17) << 17}").number()
            int end = hop < 0 ? gdb.breakAt('cpu_loop_exec_tb', "$COUNT >= $now").number() : -1
            List<List> seen = []
            while (true) {
                def stop = gdb.cont(Duration.ofSeconds(300))
                assert stop.reason() in [Stop.Reason.BREAKPOINT_HIT, Stop.Reason.WATCHPOINT_TRIGGER]
                if (hop >= 0 && stop.breakpoint() == hop) {
                    gdb.delete(hop)
                    hop = -1
                    end = gdb.breakAt('cpu_loop_exec_tb', "$COUNT >= $now").number()
                    continue
                }
                if (stop.breakpoint() == end) return seen
                seen << [gdb.evaluateUnsigned(COUNT), gdb.evaluate(read.replace('RAM', Long.toString(fresh.ramPointer())))]
            }
        } finally {
            fresh.close()
        }
    }

    def "rc goes back by re-execution to the last hit of a conditional breakpoint"() {
        given: "the guest's tlbwr, in its TLB refill handler (cpu_loop_exec_tb would not do: how many times PANDA enters a TB at one count depends on host timing)"
        long now = rep.toInstr(1_200_000)
        String cond = "($COUNT & 1) == 0 && $COUNT >= 1140000 && $COUNT < 1150000"
        def expected = witness(now, "break r4k_helper_tlbwr if $cond")
        rep.gdb("break r4k_helper_tlbwr if $cond")
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int
        int before = rep.reexecutions()

        when:
        def back = rep.timeline().reverseContinue()

        then:
        expected.size() > 2
        back.found()
        rep.instrCount() == expected.last()[0]
        rep.reexecutions() == before + 2 // forward to now remembering the stops, then to the last one

        when:
        rep.timeline().reverseContinue()

        then:
        rep.instrCount() == expected[-2][0]

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rc finds the right one of several stops at one count: QEMU translating a TB, one guest instruction at a time"() {
        given: 'decode_opc runs once per guest instruction of a TB being translated, all at the count the TB starts at'
        long now = rep.toInstr(60_000)
        def decoded = witness(now, 'break decode_opc', 'ctx->pc')
        long shared = decoded.countBy { it[0] }.findAll { it.value > 2 }.keySet().max()
        def expected = decoded.findAll { it[0] <= shared }
        rep.gdb("break decode_opc if $COUNT <= $shared")
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int

        when:
        def back = rep.timeline().reverseContinue()

        then: 'the last stop at that count is the last guest instruction of the TB'
        back.found()
        back.time().instr() == shared
        back.time().index() > 0
        rep.debugger().evaluate('ctx->pc') == expected.last()[1]

        when:
        def again = rep.timeline().reverseContinue()

        then: 'one stop earlier at the same count: the instruction before it'
        again.time().instr() == shared
        again.time().index() == back.time().index() - 1
        rep.debugger().evaluate('ctx->pc') == expected[-2][1]

        cleanup:
        rep.debugger().delete(bp)
    }

    def "rsi at a TB boundary goes to the previous one"() {
        given:
        long now = rep.toInstr(900_000)

        when:
        rep.timeline().reverseStepInstruction()
        long back = rep.instrCount()

        then:
        back < now
        back >= now - 512
        rep.nextTb() == now
    }

    def "rsi inside host code goes one host instruction back, though PANDA's host path differs between runs"() {
        given: 'stopped in the tlbwr helper, then one host instruction on'
        rep.toInstr(1_600)
        rep.gdb('break r4k_helper_tlbwr')
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int
        rep.debugger().cont(Duration.ofSeconds(120))
        long count = rep.instrCount()
        long pcAtBreak = rep.debugger().evaluateUnsigned('$pc')
        rep.debugger().disable(bp)
        rep.debugger().stepInstruction()

        when:
        def back = rep.timeline().reverseStepInstruction()

        then:
        back.found()
        rep.instrCount() == count
        rep.debugger().evaluateUnsigned('$pc') == pcAtBreak
        rep.debugger().backtrace()[0].function() == 'r4k_helper_tlbwr'

        cleanup:
        rep.debugger().delete(bp)
    }

    def "origin of #what"() {
        given:
        long now = rep.toInstr(300_000)
        String field = rep.arch().guestState(name).get()
        def changes = witness(now, "watch -l $field", field)

        when:
        def o = rep.timeline().origin(name)

        then:
        changes.size() > 1
        o.lvalue() == field
        o.time().instr() == changes.last()[0]
        o.newValue() == changes.last()[1]
        o.frames()
        writer == null || o.frames()*.function().any { it.contains(writer) }
        rep.instrCount() == now

        where: "a register TCG's generated code writes (no host function of its own), and an entry Random picks (entry 0 is wired)"
        what                                                                        | name          | writer
        "a guest register by name: s0, the guest's round index, written once a round" | 'gpr[16]'     | null
        "a TLB field: the guest's last tlbwr into that entry"                        | 'tlb[3].VPN2' | 'tlbwr'
    }

    def "origin of a RAM word: the guest's syscall counter"() {
        given:
        long now = rep.toInstr(1_000_000)
        long ram = rep.ramPointer()
        String word = "*(unsigned int *) ($ram + ${guestPhysical('syscall_count')})"
        def changes = witness(now, "watch -l *(unsigned int *) (RAM + ${guestPhysical('syscall_count')})",
                "*(unsigned int *) (RAM + ${guestPhysical('syscall_count')})")

        when:
        def o = rep.timeline().origin(word)

        then:
        changes.size() > 1
        o.time().instr() == changes.last()[0]
        o.newValue() == changes.last()[1]
        guestWord(o.newValue()) == guestWord(o.oldValue()) + 1 // the guest counts syscalls
        o.frames()
        rep.instrCount() == now
    }
}
