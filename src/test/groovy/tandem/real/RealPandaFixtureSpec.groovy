package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import tandem.panda.Demo

import java.nio.file.Files

/** The real-PANDA fixtures are what they claim, checked with plain real PANDA and gdb (no tandem). */
@Requires({ RealPanda.required() })
class RealPandaFixtureSpec extends Specification {
    @Shared Set<Long> before
    @Shared RealPanda real

    def setupSpec() {
        before = Demo.children()
        real = RealPanda.get()
    }

    def cleanupSpec() {
        println "real-PANDA fixture setup (ms): ${real?.setupMillis}"
        assert Demo.leftovers(before).isEmpty()
    }

    /** The guest instruction count PANDA names as where the replay stopped (PANDA.md's two failure texts). */
    static long replayPoint(String output) {
        def m = output =~ /(?:Current replay point|Replay program point):\s*\{guest_instr_count=(\d+)\}/
        assert m.find(): "no replay point in:\n$output"
        m.group(1) as long
    }

    @groovy.transform.CompileStatic
    static List<Integer> differingBytes(byte[] a, byte[] b) {
        List<Integer> at = []
        for (int i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) at << i
        at
    }

    def "the guest runs about as many instructions as its length asks, with UART, CP0 Count and TLB refills in the log"() {
        when:
        def rec = real.unchanged()
        println "unchanged recording: record ${rec.recordMillis} ms"
        def log = NondetLog.read(rec.nondetLog())
        def inputs = log.items.findAll { it.input }.countBy { it.callsite }

        then: 'the length word was honoured (guest.S ROUND_COST is a measured mean)'
        Math.abs(log.lastInstrCount - RealPanda.LENGTH) < RealPanda.LENGTH * 0.15
        log.items.last().kind == 'RR_END_OF_LOG'
        log.items.last().instrCount == log.lastInstrCount

        and: 'UART reads and CP0 Count reads are RR_INPUT_8 items, the go byte a serial receive, TLB refills RR_EXCEPTION items'
        inputs['RR_CALLSITE_IO_READ_ALL'] > 10
        log.items.any { it.skippedCall == 'RR_CALL_SERIAL_RECEIVE' }
        inputs['RR_CALLSITE_READ_8'] > 1000
        log.countByKind()['RR_EXCEPTION'] > 10_000
        rec.recordOutput.contains("writing snapshot:\t./guest-rr-snp")
    }

    def "a guest of 1e6 instructions is recorded with about 1e6 instructions"() {
        given:
        def dir = Files.createDirectories(real.workDir.resolve('short'))
        def elf = MipsGuest.withLength(real.guest, MipsGuest.MIN_LENGTH, dir.resolve('guest.elf'))

        when:
        def log = NondetLog.read(real.record(dir, 'short', elf, false).nondetLog())

        then:
        MipsGuest.length(elf) == MipsGuest.MIN_LENGTH
        Math.abs(log.lastInstrCount - MipsGuest.MIN_LENGTH) < MipsGuest.MIN_LENGTH * 0.15
    }

    def "a length outside 1e6..1e8 is refused"() {
        when:
        MipsGuest.withLength(real.guest, 99_999, real.workDir.resolve('never.elf'))

        then:
        def e = thrown(IllegalArgumentException)
        e.message.contains('outside')
    }

    def "the unchanged recording replays to the end"() {
        given:
        def rec = real.unchanged()
        long total = NondetLog.read(rec.nondetLog()).lastInstrCount

        when:
        def replay = real.replay(rec)
        println "$specificationContext.currentIteration.name: replay ${replay.millis} ms"

        then:
        replay.exitCode == 0
        replay.completed
        replay.output.contains("./guest-rr-nondet.log:  ${String.format('%10d', total)} instrs total.")
    }

    def "the edited copy differs from the unchanged recording in one input value"() {
        when:
        def edited = real.edited()
        byte[] a = Files.readAllBytes(real.unchanged().nondetLog())
        byte[] b = Files.readAllBytes(edited.recording.nondetLog())
        def differing = differingBytes(a, b)

        then: 'only bytes of the value differ, and the copy still parses item by item'
        a.length == b.length
        differing && differing.every { it >= edited.original.valueOffset() && it < edited.original.valueOffset() + 8 }
        NondetLog.read(edited.recording.nondetLog()).items.find { it.offset == edited.original.offset }.value == edited.newValue
        edited.original.kind == 'RR_INPUT_8'
        edited.original.value != edited.newValue
        Files.mismatch(real.unchanged().snapshot(), edited.recording.snapshot()) == -1
    }

    def "the edited recording's replay fails just after the edited entry"() {
        given:
        def edited = real.edited()

        when:
        def replay = real.replay(edited.recording)
        println "$specificationContext.currentIteration.name: replay ${replay.millis} ms"

        then:
        !replay.completed
        replay.exitCode == 134
        replay.output.contains('rr_assertion') || replay.output.contains('FOUND DISAGREEMENT')
        def point = replayPoint(replay.output)
        println "edited ${edited.original} to 0x${Long.toHexString(edited.newValue)}: replay stopped at $point"
        point >= edited.editedCount
        point - edited.editedCount < 100
    }

    def "the late recording's plain replay fails once its TLB differs, and the seed-restored replay completes"() {
        given:
        def tlb = real.tlbDivergence()

        when:
        def plain = real.replay(tlb.recording)
        def restored = real.replayUnderGdb(tlb.recording, tlb.seedRestoreCommands)
        println "TLB case: seed ${tlb.seed} prev_idx ${tlb.prevIdx}, first tlbwr ${tlb.plainTlbwrs[0]}, " +
                "first differing ${tlb.firstDifferingTlbwr} (restored: ${tlb.restoredTlbwrs[tlb.plainTlbwrs.indexOf(tlb.firstDifferingTlbwr)]}), " +
                "plain replay stopped at ${replayPoint(plain.output)}"
        println "TLB case: plain replay ${plain.millis} ms, seed-restored replay under gdb ${restored.millis} ms, record ${tlb.recording.recordMillis} ms"

        then: 'the record-time seed moved away from its initial 1 before the recording began'
        tlb.seed != 1

        and: 'without the seed, the replay fails after the first tlbwr whose entry differs'
        !plain.completed
        plain.output.contains('FOUND DISAGREEMENT') || plain.output.contains('rr_assertion')
        replayPoint(plain.output) > tlb.firstDifferingTlbwr.instrCount

        and: 'with it, the replay completes'
        restored.completed
        restored.output.contains('exited normally')

        and: 'the first tlbwr after the recording began comes from gdb, at or before the first differing one'
        tlb.firstTlbwrCount > 0
        tlb.firstTlbwrCount <= tlb.firstDifferingTlbwr.instrCount
        tlb.restoredTlbwrs.size() == RealPanda.TLBWR_LOGGED
    }

    def "virtual 0x7f81cac0 maps to the guest's fixed physical page in a replay"() {
        given: 'the late recording starts with the wired tlbwi entry in place'
        def tlb = real.tlbDivergence()

        when:
        def replay = real.replayUnderGdb(tlb.recording, tlb.seedRestoreCommands, false, [
                'break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > 1000',
                'run',
                'printf "v2p 0x%llx\\n", panda_virt_to_phys(cpus->tqh_first, 0x7f81cac0)',
                'printf "v2p-unmapped %lld\\n", panda_virt_to_phys(cpus->tqh_first, 0x7f000000)'])

        then:
        replay.output.contains(String.format('v2p 0x%x', MipsGuest.FIXED_PA))
        replay.output.contains('v2p-unmapped -1')
    }
}
