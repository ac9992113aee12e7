// tandem on a real Linux guest on the real PANDA's mipsel-softmmu (Debian's 4kc-malta kernel and
// busybox, scripts/linux-guest mipsel, -M malta, nokaslr): one recording of `ls /etc` begun at the
// shell prompt. Its replay fails on its own in the kernel's timer code (LINUX-GUESTS.md), the
// same way each time. Every right answer comes from the recording and a plain gdb on PANDA
// (LinuxGuest), never from tandem.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.console.TandemProcess
import tandem.panda.Arch
import tandem.panda.Pair

@Requires({ LinuxGuest.required('mipsel') })
@Stepwise
@Timeout(900)
class LinuxMipselSpec extends Specification {
    @Shared LinuxGuest g
    @Shared LinuxGuest.Recording recording
    @Shared Pair pair
    @Shared Set<String> before
    /** A plain gdb's reading of the replay at its first TB (in the kernel, in kseg0). */
    @Shared LinuxGuest.Witness plain
    @Shared Map<String, String> exprs

    def setupSpec() {
        g = LinuxGuest.open('mipsel')
        before = pandaProcesses()
        recording = g.record()
        def arch = Arch.MIPS
        exprs = ['pc': arch.pcExpression()]
        arch.registerNames().eachWithIndex { n, i -> exprs[n] = arch.registerExpression(i) }
        arch.extraRegisters().each { label, field -> exprs[label] = arch.field(field) }
        plain = g.witness(recording, exprs, arch.pcExpression(), false)
    }

    def cleanupSpec() {
        pair?.close()
        if (g) assert pandaProcesses() - before == [] as Set
        g?.close()
    }

    private Set<String> pandaProcesses() {
        ['ps', '-eo', 'pid,args'].execute().text.readLines()
                .findAll { it.contains(g.panda.toString()) && it.contains(g.workDir.toString()) }*.trim() as Set
    }

    private static String words(List<String> cmd) { cmd.collect { "'$it'" }.join(' ') }

    /**
     * The count a failed replay names: its replay point ("Current replay point" or "Replay program
     * point" of an rr_assertion or a disagreement), or the count detect_infinite_loops prints when
     * the replay has run 20 TBs without a guest instruction (cpu-exec.c:758-772).
     */
    private static long replayPoint(RealPanda.Replay replay) {
        def m = replay.output =~ /(?:Current replay point|Replay program point):\s*\{guest_instr_count=(\d+)\}|rr_guest_instr_count = (\d+)/
        assert m.find(): "no replay point in:\n${LinuxGuest.lastLines(replay.output, 30)}"
        (m.group(1) ?: m.group(2)) as long
    }

    def "Linux boots on malta to the prompt, `ls /etc` is recorded, and PANDA's replay of it fails on its own, early"() {
        when:
        def first = g.replay(recording)
        def second = g.replay(recording)

        then: 'both replays fail (an rr_assertion, a disagreement, or detect_infinite_loops) well before the recording ends'
        ['passwd', 'hostname', 'motd'].every { recording.serialText.contains(it) }
        [first, second].every { !it.completed && it.exitCode != 0 }
        [first, second].every { r -> ['rr_assertion', 'FOUND DISAGREEMENT', 'detect_infinite_loops'].any { r.output.contains(it) } }
        replayPoint(first) < NondetLog.read(recording.nondetLog()).lastInstrCount.intdiv(2)
        // not checked: that both fail at one count. An rr_assertion was seen at the same count in
        // every replay of a recording; detect_infinite_loops (20 TBs without a guest instruction)
        // fired at 100561 and at 102836 in two plain replays of another
    }

    def "tandem opens both sides by command line and takes mipsel (MIPS, little-endian) from the binary's name"() {
        given:
        def cmd = words(recording.replayCommand(g.panda))

        when:
        def r = TandemProcess.run(['console', '--cwd', recording.dir.toString(), '--rec-cmd', cmd, '--rep-cmd', cmd],
                ['regs()', 'p cpus->tqh_first->rr_guest_instr_count', 'p/x ((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.PC',
                 '6 * 7', ''].join('\n'))

        then:
        ['v0', 'ra', 'EntryHi', 'Status'].every { r.out.contains(it) }   // regs() names mipsel's registers: the arch came from the binary's name
        r.out.readLines().count { it ==~ /rec \$\d+ = .* \| rep \$\d+ = .*\(same\)/ } >= 2   // the notes' lines, answered alike on both sides
        r.out.readLines().contains('42')
        !r.out.contains('at org.codehaus')
    }

    def "regs() at the first TB is what a plain gdb reads of PANDA's CPUMIPSState, and v2p of the kernel's PC is kseg0's and PANDA's own"() {
        given:
        pair = RealPandaPair.open(g.side('rec', recording), g.side('rep', recording))

        when:
        long at = pair.rec().toInstr(plain.kernelAt)
        def regs = pair.rec().regs().values()
        def t = pair.rec().v2p(regs['pc'])

        then: 'the same TB as the plain gdb, every register its value (32-bit registers, read unsigned)'
        at == plain.kernelAt
        regs.keySet() == exprs.keySet()
        regs.every { name, v -> BigInteger.valueOf(v) == plain.kernel[name] }

        and: 'the kernel runs in kseg0 (0x80000000-0x9fffffff, unmapped: physical = virtual - 0x80000000)'
        regs['pc'] >= 0x80000000L && regs['pc'] < 0xa0000000L
        t.physical().asLong == regs['pc'] - 0x80000000L
        BigInteger.valueOf(t.physical().asLong) == plain.kernel.v2p
    }
}
