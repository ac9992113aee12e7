// The fixtures' reader of QEMU's own logs (QemuLog), on logs written here in the formats QEMU
// writes them (cpu-exec.c cpu_tb_exec's `Trace` line, then mips_cpu_dump_state or
// x86_cpu_dump_state): each rule by which it aligns two runs' logs, and what it must not pass
// over. The patterns are those seen in real logs of the Linux guests (LinuxRecordTraceSpec,
// LinuxMipselRecordTraceSpec). No PANDA needed.
package tandem.real

import spock.lang.Specification
import spock.lang.TempDir

import java.nio.file.Files
import java.nio.file.Path

class QemuLogSpec extends Specification {
    @TempDir Path dir

    /** One MIPS log entry: `Trace`, the dump of mips_cpu_dump_state with v0, v1 and Cause as given, the other GPRs 0. */
    static String mips(long pc, long v0 = 0, long cause = 0x10800400L) {
        def names = ['r0', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
                     's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 't8', 't9', 'k0', 'k1', 'gp', 'sp', 's8', 'ra']
        def gpr = { int i -> String.format(' %s %08x', names[i], i == 2 ? v0 : 0L) }
        String.format('Trace 0x7f0012345678 [0: %08x] \n', pc) +
                String.format('pc=0x%08x HI=0x00000000 LO=0x00000000 ds 00a2 00000000 0\n', pc) +
                (0..7).collect { int row -> String.format('GPR%02d:', 4 * row) + (0..3).collect { gpr(4 * row + it) }.join('') + '\n' }.join('') +
                String.format('CP0 Status  0x34002400 Cause   0x%08x EPC    0x8041d478\n', cause) +
                '    Config0 0x80008482 Config1 0x9e190c8f LLAddr 0x0000000000000000\n'
    }

    /** One x86_64 log entry: `Trace`, the 64-bit dump of x86_cpu_dump_state with RAX and RSP as given. */
    static String x86(long rip, long rax = 0, long rsp = 0xffffce8840003f88L) {
        def r = { String n, long v -> String.format('%s=%016x', n, v) }
        String.format('Trace 0x7f0012345678 [0: %016x] \n', rip) +
                [r('RAX', rax), r('RBX', 1), r('RCX', 2), r('RDX', 3)].join(' ') + '\n' +
                [r('RSI', 0), r('RDI', 0), r('RBP', 0), r('RSP', rsp)].join(' ') + '\n' +
                [r('R8 ', 0), r('R9 ', 0), r('R10', 0), r('R11', 0)].join(' ') + '\n' +
                [r('R12', 0), r('R13', 0), r('R14', 0), r('R15', 0)].join(' ') + '\n' +
                r('RIP', rip) + ' RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n' +
                'ES =0000 0000000000000000 ffffffff 00c00000\n'
    }

    private QemuLog.Difference compare(List<String> rec, List<String> rep, boolean system = false, QemuLog.Format f = QemuLog.Format.MIPS) {
        def a = dir.resolve('rec.log'), b = dir.resolve('rep.log')
        Files.writeString(a, rec.join('')); Files.writeString(b, rep.join(''))
        QemuLog.firstRegisterDifference(a, b, system, f)
    }

    def "each format's registers are read, the system ones when asked; an entry's offset is its Trace line's byte"() {
        given:
        def log = dir.resolve('x.log')
        Files.writeString(log, x86(0xffffffffb00a8f04L, 0x60) + x86(0xffffffffb00a8f1dL))

        when:
        def all = []
        def it = QemuLog.entries(log, true, QemuLog.Format.X86_64)
        try { while (it.hasNext()) all << it.next() } finally { it.close() }
        def m = dir.resolve('m.log')
        Files.writeString(m, mips(0x80113d60L, 5, 0x50808400L))
        def mipsEntry = QemuLog.entries(m, true).with { try { next() } finally { close() } }

        then:
        all.size() == 2
        all[0].regs.keySet() == ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'pc', 'RFL'] as Set
        all[0].regs.RAX == '0000000000000060' && all[0].regs.pc == 'ffffffffb00a8f04' && all[0].regs.RFL == '00000046'
        all[0].offset == 0 && all[1].offset == x86(0xffffffffb00a8f04L, 0x60).length()
        QemuLog.entriesBefore(log, all[1].offset) == 1
        mipsEntry.regs.v0 == '00000005' && mipsEntry.regs.Cause == '50808400' && mipsEntry.regs.pc == '80113d60'
        mipsEntry.regs.size() == 3 + 32 + 3
    }

    def "logs that agree: none; a register that differs at one PC: that TB, with both values"() {
        expect:
        compare([mips(0x100), mips(0x200), mips(0x300)], [mips(0x100), mips(0x200), mips(0x300)]) == null

        when:
        def d = compare([mips(0x100), mips(0x200, 1), mips(0x300, 1)], [mips(0x100), mips(0x200, 2), mips(0x300, 2)])

        then:
        d.rec == 1 && d.rep == 1
        d.what == ['v0 00000001/00000002']
    }

    def "MIPS: both runs enter a TB again at one PC, one with Cause's timer bit set: those two entries differ in Cause (not the record run's next TB)"() {
        when:
        def d = compare([mips(0x100), mips(0x200), mips(0x200), mips(0x300)],
                        [mips(0x100), mips(0x200), mips(0x200, 0, 0x50808400L), mips(0x300, 0, 0x50808400L)], true)

        then:
        d.rec == 2 && d.rep == 2
        d.what == ['Cause 10800400/50808400']
    }

    def "a repeat in one log only, and a loop's iterations, are not differences"() {
        expect: 'entered, cut short, entered again: in the record run only'
        compare([mips(0x100), mips(0x200), mips(0x200), mips(0x300)], [mips(0x100), mips(0x200), mips(0x300)]) == null

        and: "a TB looping on itself (v0 counting) with one extra repeat in the record run"
        compare([mips(0x100), mips(0x200, 1), mips(0x200, 1), mips(0x200, 2), mips(0x300, 2)],
                [mips(0x100), mips(0x200, 1), mips(0x200, 2), mips(0x300, 2)]) == null
    }

    def "x86_64: an interrupt taken at a TB's entry in the record run (the TB logged, twice, then the vector with a frame pushed) and at that count in the replay"() {
        expect:
        // the interrupted TB a few pages on from the last one both entered: not a TB cut elsewhere
        compare([x86(0x1000), x86(0x5010), x86(0x5010), x86(0x9000, 0, 0xffffce8840003f58L), x86(0x9010, 0, 0xffffce8840003f58L)],
                [x86(0x1000), x86(0x9000, 0, 0xffffce8840003f58L), x86(0x9010, 0, 0xffffce8840003f58L)], false, QemuLog.Format.X86_64) == null

        and: 'but where the vector is entered with other registers than in the replay, the runs differ there'
        compare([x86(0x1000), x86(0x5010), x86(0x9000, 7, 0xffffce8840003f58L)],
                [x86(0x1000), x86(0x9000, 0, 0xffffce8840003f58L)], false, QemuLog.Format.X86_64)?.rec == 1
    }

    def "TBs cut elsewhere in the same code are passed over; a register difference at one PC, or a jump back, is not"() {
        expect: 'the record run: 0x1000 then 0x1021; the replay: 0x1000, 0x1001 and 0x1021 (x86_64 `ls /etc`)'
        compare([x86(0x1000, 0), x86(0x1021, 1), x86(0x3000, 2)], [x86(0x1000, 0), x86(0x1001, 5), x86(0x1021, 1), x86(0x3000, 2)], false, QemuLog.Format.X86_64) == null

        and: 'both cut elsewhere: record 0x1000 (33) then 0x1021 (1), replay 0x1000 (1) then 0x1001 (33)'
        compare([x86(0x1000, 0), x86(0x1021, 1), x86(0x3000, 2)], [x86(0x1000, 0), x86(0x1001, 5), x86(0x3000, 2)], false, QemuLog.Format.X86_64) == null

        and: 'the status read differs in RAX at the TB after it: named there, though the runs agree again later'
        def d = compare([x86(0x1000), x86(0x1010, 0x60), x86(0x3000)], [x86(0x1000), x86(0x1010, 0x00), x86(0x3000)], false, QemuLog.Format.X86_64)
        d.rec == 1 && d.what == ['RAX 0000000000000060/0000000000000000']

        and: 'the replay goes back to the read (another PC, before the code both entered last): named there'
        compare([x86(0x1000, 0), x86(0x1010, 1), x86(0x3000, 2)], [x86(0x1000, 0), x86(0x0ff0, 1), x86(0x3000, 2)], false, QemuLog.Format.X86_64)?.rep == 1
    }
}
