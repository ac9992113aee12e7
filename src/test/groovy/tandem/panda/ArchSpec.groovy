package tandem.panda

import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.GdbDebugger

import java.nio.file.Files

/**
 * Every arch profile under gdb on its demo flavour (BUILD/ARCH-softmmu/panda-system-ARCH): each
 * flavour runs the same guest but keeps its registers in that arch's CPU state struct, as PANDA
 * does, so the profile's expressions are checked against real debug info.
 */
@Timeout(120)
class ArchSpec extends Specification {

    def "the arch is told by the PANDA or QEMU binary in a command line"() {
        expect:
        Arch.fromCommandLine(commandLine) == Optional.ofNullable(arch)

        where:
        commandLine                                                    | arch
        '/home/u/panda/build/mips-softmmu/panda-system-mips -replay ls' | Arch.MIPS
        './mipsel-softmmu/panda-system-mipsel -m 1g'                   | Arch.MIPS
        'qemu-system-i386 -hda x.qcow2'                                 | Arch.I386
        'panda-system-x86_64'                                           | Arch.X86_64
        'panda-system-arm -M virt'                                      | Arch.ARM
        'panda-system-aarch64'                                          | Arch.AARCH64
        'panda-system-ppc'                                              | Arch.PPC
        'my-emulator -replay ls'                                        | null
        'panda-system-sparc'                                            | null
    }

    def "an arch is named by its QEMU name or enum name; unknown names give nothing"() {
        expect:
        Arch.fromName('x86_64') == Optional.of(Arch.X86_64)
        Arch.fromName('AARCH64') == Optional.of(Arch.AARCH64)
        Arch.fromName('sparc').isEmpty()
        Arch.knownNames() == 'mips, i386, x86_64, arm, aarch64, ppc'
    }

    def "guest-state name #name is the lvalue #expected"() {
        expect:
        arch.guestState(name).orElse(null) == expected

        where:
        arch         | name              | expected
        Arch.MIPS    | 'EntryHi'         | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->CP0_EntryHi'
        Arch.MIPS    | 'gpr[5]'          | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.gpr[5]'
        Arch.MIPS    | 'a1'              | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.gpr[5]'
        Arch.MIPS    | 'tlb[3].VPN2'     | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->tlb->mmu.r4k.tlb[3].VPN'
        Arch.MIPS    | 'tlb[15].PFN[1]'  | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->tlb->mmu.r4k.tlb[15].PFN[1]'
        Arch.MIPS    | 'CP0_Cause'       | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->CP0_Cause'
        Arch.MIPS    | 'pc'              | '((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.PC'
        Arch.X86_64  | 'regs[3]'         | '((CPUX86State *) cpus->tqh_first->env_ptr)->regs[3]'
        Arch.X86_64  | 'tlb[3].VPN2'     | null
        Arch.MIPS    | 'guest_ram[4]'    | null
        Arch.MIPS    | '*(int *) 0x1000' | null
    }

    def "#name past #arch's general registers is refused, naming the range, not read from what follows the array"() {
        when:
        arch.guestState(name)

        then:
        def e = thrown(PandaException)
        e.message.contains(range)

        where:
        arch        | name                | range
        Arch.MIPS   | 'gpr[32]'           | 'gpr[0] to gpr[31] (zero to ra)'
        Arch.MIPS   | 'gpr[99]'           | 'gpr[0] to gpr[31]'
        Arch.MIPS   | 'active_tc.gpr[40]' | 'gpr[0] to gpr[31]'
        Arch.X86_64 | 'regs[16]'          | 'regs[0] to regs[15] (rax to r15)'
        Arch.I386   | 'regs[8]'           | 'regs[0] to regs[7]'
        Arch.MIPS   | 'gpr[99999999999999999999]' | 'gpr[0] to gpr[31]'
    }

    def "#arch under gdb: pc and registers read from its CPU state; TLB checksum only on MIPS"() {
        given:
        def binary = MiniPanda.binary(arch)
        def dir = Files.createTempDirectory("tandem-${arch.qemuName()}-")
        def recording = MiniPanda.record(binary, dir, 'ls', 20_000)
        def s = PandaSession.open('rep', PandaSession.Role.REPLAY,
                GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB)), Optional.empty())

        when:
        long reached = s.toInstr(10_000)
        def regs = s.regs()
        def sums = s.checksums()

        then: 'the profile came from the binary name'
        s.arch() == arch
        reached >= 10_000
        regs.get('pc') == s.pc()
        s.pc() != 0
        // ARM's r15 is its pc: one name, one value
        regs.values().keySet() == (['pc'] + arch.registerNames() + arch.extraRegisters().keySet()) as Set
        regs.toString().readLines().size() > 1
        s.hasTlbHash() == (arch == Arch.MIPS)
        (sums.tlb() != null) == (arch == Arch.MIPS)
        sums.instr() == reached

        and: 'the same guest runs in every flavour, so the general registers agree with MIPS'
        regs.values().values().any { it != 0 }

        cleanup:
        s?.close()
        MiniPanda.deleteTree(dir)

        where:
        arch << Arch.values().findAll { Files.isExecutable(MiniPanda.buildDirectory().resolve("${it.qemuName()}-softmmu/panda-system-${it.qemuName()}")) }
    }

    def "rr_checksum_regs on #arch covers #covered and not #missed, as PANDA's does; tandem's register compare sees both"() {
        given:
        def dir = Files.createTempDirectory("tandem-sum-${arch.qemuName()}-")
        def recording = MiniPanda.record(MiniPanda.binary(arch), dir, 'ls', 5_000)
        def s = PandaSession.open('rep', PandaSession.Role.REPLAY,
                GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB)), Optional.empty())
        s.toInstr(2_000)
        def sum = { s.debugger().evaluateUnsigned('(unsigned int) rr_checksum_regs()') }
        def flip = { String field -> s.debugger().evaluate("${arch.env()}->$field ^= 0x10") }
        long before = sum()
        def regsBefore = s.regs()

        when: 'a bit of each field flipped in turn, and flipped back'
        flip(covered)
        long withCovered = sum()
        def regsCovered = s.regs()
        flip(covered)
        flip(missed)
        long withMissed = sum()
        def regsMissed = s.regs()
        flip(missed)

        then:
        withCovered != before
        withMissed == before
        !regsBefore.diff(regsCovered).isEmpty()
        !regsBefore.diff(regsMissed).isEmpty()
        sum() == before

        cleanup:
        s?.close()
        MiniPanda.deleteTree(dir)

        where: 'PANDA rr_log.c:1940-1951 (upstream) and 1809-1890 (the MIPS branch)'
        arch         | covered             | missed
        Arch.I386    | 'eip'               | 'cr[3]'
        Arch.X86_64  | 'regs[3]'           | 'cr[3]'
        Arch.ARM     | 'regs[5]'           | 'uncached_cpsr'
        Arch.AARCH64 | 'pc'                | 'xregs[5]'
        Arch.PPC     | 'gpr[5]'            | 'nip'
    }

    def "epc and asid are MIPS-only and say so elsewhere"() {
        given:
        def dir = Files.createTempDirectory('tandem-arm-')
        def recording = MiniPanda.record(MiniPanda.binary(Arch.ARM), dir, 'ls', 5_000)
        def s = PandaSession.open('rep', PandaSession.Role.REPLAY,
                GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB)), Optional.empty())

        when:
        s.epc()

        then:
        def e = thrown(PandaException)
        e.message == 'epc() is MIPS-only; rep is arm'

        cleanup:
        s?.close()
        MiniPanda.deleteTree(dir)
    }
}
