// `tandem bisect --log` on the real panda-system-mips: what the nondet logs hold at the divergence
// and the cause. The truth is the fixtures': the item the edited copy changed (its place, count,
// kind, call site and both values, read by the fixtures' own NondetLog), and PANDA's own MIPS TLB
// divergence (the Random seed a replay starts without).
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.console.TandemProcess

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaWhySpec extends Specification {
    @Shared RealPanda fx

    def setupSpec() {
        fx = RealPanda.get()
    }

    /** The replay command line of {@code r}, runnable from anywhere: -replay names the recording by its path. */
    private String replay(RealPanda.Recording r) {
        def words = r.replayCommand(fx.panda)
        words[-1] = r.dir.resolve(r.name).toString()
        words.collect { "'$it'" }.join(' ')
    }

    def "one UART input edited: the report names that item (kind, call site, count, both values) and says an input value differs"() {
        given:
        def edited = fx.edited()
        def original = edited.original
        int index = NondetLog.read(fx.unchanged().nondetLog()).items.findIndexOf { it.offset == original.offset }
        String head = "{guest_instr_count=${original.instrCount}} ${original.kind} from ${original.callsite}"
        String was = String.format('0x%x', original.value), now = String.format('0x%x', edited.newValue)

        when:
        def r = TandemProcess.run(['bisect', '--cwd', fx.workDir.toString(), '--rec-cmd', replay(fx.unchanged()),
                                   '--rep-cmd', replay(edited.recording), '--log'])

        then: 'found, and the last line is still the headline'
        r.code == 0
        r.out.readLines().last().startsWith('first divergence at guest instruction ')

        and: 'the item rep consumed in the divergent TB is the edited one, with its place in the log'
        r.out.readLines().any { it.startsWith("rep consumed #$index $head $now there (item ${index + 1} of ") }

        and: 'the first differing item, on both sides'
        r.out.contains("the logs first differ at item #$index: rec #$index $head $was | rep #$index $head $now")

        and: 'the cause, with the evidence'
        r.out.contains("why: an input value differs: item #$index ${original.kind} from ${original.callsite} " +
                "at guest instruction ${original.instrCount}: rec $was, rep $now")
        RealPandaPair.pandaProcesses().isEmpty()
    }

    def "the same log on both sides of PANDA's TLB divergence: a value read from state the log does not hold, on the random-index path"() {
        given: "rec: the replay given the record run's Random seed; rep: the plain replay (PANDA.md)"
        def tlb = fx.tlbDivergence()
        def restore = tlb.seedRestoreCommands.collectMany { ['--rec-at-begin', it] }

        when:
        def r = TandemProcess.run(['bisect', '--cwd', fx.workDir.toString(), '--rec-cmd', replay(tlb.recording),
                                   '--rep-cmd', replay(tlb.recording), *restore, '--log'])

        then:
        r.code == 0
        r.out.contains('the logs are item for item the same')
        r.out.contains("why: a value read from state the log does not hold: ")
        r.out.contains('cpu_mips_get_random')
        RealPandaPair.pandaProcesses().isEmpty()
    }

    def "--host on PANDA's TLB divergence: the first host difference is cpu_mips_get_random, returning the entry each replay's tlbwr wrote"() {
        given: "the first tlbwr at which the two replays write other entries, as two plain gdb replays logged it (rec: the seed restored; rep: plain)"
        def tlb = fx.tlbDivergence()
        def plain = tlb.firstDifferingTlbwr
        def restored = tlb.restoredTlbwrs.find { it.instrCount == plain.instrCount && it.pc == plain.pc }
        def restore = tlb.seedRestoreCommands.collectMany { ['--rec-at-begin', it] }

        when:
        def r = TandemProcess.run(['bisect', '--cwd', fx.workDir.toString(), '--rec-cmd', replay(tlb.recording),
                                   '--rep-cmd', replay(tlb.recording), *restore, '--log', '--host'])
        def line = r.out =~ /(?m)^first host difference: (\w+) \(returned 0x([0-9a-f]+) on rec, 0x([0-9a-f]+) on rep\) at (\S+:\d+)$/

        then: "hw/mips/cputimer.c's random index, with the entry each side's tlbwr wrote, called by r4k_helper_tlbwr"
        r.code == 0
        restored != null && restored.index != plain.index
        line.find()
        line.group(1) == 'cpu_mips_get_random'
        line.group(4).endsWith('hw/mips/cputimer.c:' + line.group(4).tokenize(':').last())
        Long.parseLong(line.group(2), 16) == restored.index
        Long.parseLong(line.group(3), 16) == plain.index
        r.out.readLines().any { it.trim() ==~ /#\d+ r4k_helper_tlbwr at .*target\/mips\/op_helper.c:\d+/ }
        r.out.contains('the first host function whose result differs is cpu_mips_get_random')
        r.out.readLines().last().startsWith('first divergence at guest instruction ')
        RealPandaPair.pandaProcesses().isEmpty()
    }

    def "the console verb hostDiff at the TB where PANDA's TLB divergence begins: cpu_mips_get_random, with the entry each replay's tlbwr wrote"() {
        given: "the first tlbwr at which the two replays write other entries, as two plain gdb replays logged it (rec: the seed restored; rep: plain)"
        def tlb = fx.tlbDivergence()
        def plain = tlb.firstDifferingTlbwr
        def restored = tlb.restoredTlbwrs.find { it.instrCount == plain.instrCount && it.pc == plain.pc }
        def restore = tlb.seedRestoreCommands.collectMany { ['--rec-at-begin', it] }

        when: "both sides taken to the last count where they agree (found by bisect), then hostDiff() there"
        def r = TandemProcess.run(['console', '--cwd', fx.workDir.toString(), '--rec-cmd', replay(tlb.recording),
                                   '--rep-cmd', replay(tlb.recording), *restore],
                "d = bisect()\nn = d.lastEqual()\ntoInstr n\nhostDiff()\ninstr()\nn\n")
        def lines = r.out.readLines()
        def line = r.out =~ /(?m)^first host difference: (\w+) \(returned 0x([0-9a-f]+) on rec, 0x([0-9a-f]+) on rep\) at (\S+:\d+)$/

        then: "hw/mips/cputimer.c's random index, rec's value the seed-restored replay's entry, rep's the plain one's"
        restored != null && restored.index != plain.index
        line.find()
        line.group(1) == 'cpu_mips_get_random'
        line.group(4).contains('hw/mips/cputimer.c:')
        Long.parseLong(line.group(2), 16) == restored.index
        Long.parseLong(line.group(3), 16) == plain.index
        lines.any { it.trim() ==~ /#\d+ r4k_helper_tlbwr at .*target\/mips\/op_helper.c:\d+/ }

        and: "both sides are back at the TB it stepped"
        def n = lines.findAll { it ==~ /\d+/ }.last()
        lines.contains("rec $n | rep $n  (same)".toString())
        !r.out.contains('error:')
        RealPandaPair.pandaProcesses().isEmpty()
    }

    def "nondet N in the console: each side's items around N, the item consumed last at N marked, with its value on that side"() {
        given:
        def edited = fx.edited()
        def original = edited.original
        int index = NondetLog.read(fx.unchanged().nondetLog()).items.findIndexOf { it.offset == original.offset }
        String head = "#$index {guest_instr_count=${original.instrCount}} ${original.kind} from ${original.callsite}"
        long n = original.instrCount

        when:
        def r = TandemProcess.run(['console', '--cwd', fx.workDir.toString(), '--rec-cmd', replay(fx.unchanged()),
                                   '--rep-cmd', replay(edited.recording)],
                "use rec\nnondet $n\nuse rep\nnondet $n\ninstr()\nnondet()\nuse both\nnondet $n\n")
        def lines = r.out.readLines()

        then: 'rec: the unchanged value; rep: the edited one; both at item index + 1 of the log'
        lines.count { it.startsWith("guest-rr-nondet.log at guest instruction $n: item ${index + 1} of ") && it.endsWith(' consumed last') } == 2
        lines.contains("> $head ${String.format('0x%x', original.value)}".toString())
        lines.contains("> $head ${String.format('0x%x', edited.newValue)}".toString())

        and: "nondet() is at the side's own count: the one instr() printed"
        def at = lines.findIndexOf { it ==~ /\d+/ }
        lines[at + 1].startsWith("guest-rr-nondet.log at guest instruction ${lines[at]}: ")

        and: 'on both, side by side'
        lines.any { it.contains('guest-rr-nondet.log at guest instruction') && it.contains(' | ') }
        !r.out.contains('at org.codehaus')
    }
}
