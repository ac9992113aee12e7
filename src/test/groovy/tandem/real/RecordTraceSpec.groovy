// The record run as the rec side, without rr: recordings of the MIPS guest taken with tandem's
// PANDA plugin writing a record trace, and tandem's comparison of their replays with it. The right
// answers come from the fixtures: the first tlbwr whose TLB entry differs between the plain replay
// and the one given the record run's Random seed (gdb on PANDA, RealPanda.tlbDivergenceOf), and
// PANDA's own verdict on a replay that completes.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.cli.RecordRun
import tandem.rectrace.RecTraceSearch
import tandem.rectrace.TraceComparison
import tandem.panda.trace.TraceException
import tandem.panda.trace.TracePlugin

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Timeout(900)
class RecordTraceSpec extends Specification {

    @Shared RealPanda fx
    @Shared Path launcher

    def setupSpec() {
        fx = RealPanda.get()
        launcher = TracePlugin.launcherFor(fx.panda, System.out)
    }

    /** A recording of the guest taken with the plugin, in its own folder of the fixtures' work dir. */
    private RealPanda.Recording traced(String folder, long length, boolean late) {
        def dir = Files.createDirectories(fx.workDir.resolve(folder))
        def elf = MipsGuest.withLength(fx.guest, length, dir.resolve('guest.elf'))
        fx.record(dir, 'guest', elf, late, launcher, ['-panda', 'tandem_trace'])
    }

    private String replayCmd(RealPanda.Recording r) {
        r.replayCommand(fx.panda).join(' ')
    }

    @Shared RealPanda.Recording late, clean
    @Shared RealPanda.TlbDivergence truth

    private RealPanda.Recording lateRecording() {
        if (late == null) {
            late = traced('trace-tlb', RealPanda.TLB_LENGTH, true)
            def m = late.recordOutput =~ /record-time begin seed (\d+) prev_idx (\d+)/
            assert m.find(): "gdb printed no seed at rr_do_begin_record:\n$late.recordOutput"
            truth = fx.tlbDivergenceOf(late, m.group(1) as long, m.group(2) as long)
        }
        late
    }

    private RealPanda.Recording cleanRecording() {
        if (clean == null) clean = traced('trace-clean', RealPanda.LENGTH, false)
        clean
    }

    def "PANDA's own TLB divergence, without restoring the seed: the first TB after the first tlbwr whose entry differs, the TLB named"() {
        given:
        def rec = lateRecording()
        def tlbwr = truth.firstDifferingTlbwr
        def out = new ByteArrayOutputStream()

        when:
        def o = RecTraceSearch.search(RecTraceSearch.RecTrace.of('guest', rec.dir), replayCmd(rec), [], Path.of('gdb'), new PrintStream(out, true))
        def text = out.toString()

        then: 'the plain replay fails on its own'
        !fx.replay(rec).completed

        and: "the divergence is the TB after that tlbwr's: guest.S's refill handler ends `tlbwr; eret`, so it begins one instruction (the eret) later"
        def d = o.result().divergence()
        d != null
        d.count() == tlbwr.instrCount + 1
        d.groups() == [TraceComparison.Group.TLB]
        d.lastAgreed() < d.count()

        and: 'what differs is shown: the TLB entries with both sides, the replay at that count under gdb'
        text.contains("differs at the TB beginning at guest instruction ${d.count()}: TLB")
        text.readLines().any { it.startsWith("  tlb differs: entry ${tlbwr.index}:") }
        text.contains("rep: at guest instruction ${d.count()}:")
        text.contains('rep: backtrace:')
        text.readLines().last() == "first divergence at guest instruction ${d.count()}"

        and: "rep's nondet log item at the divergence, by the fixtures' reader of the recording's log: the last item before that count"
        def items = NondetLog.read(rec.nondetLog()).items
        int last = items.findLastIndexOf { it.instrCount <= d.count() }
        def before = items[last]
        text.readLines().any { it.startsWith("rep consumed ") && it.contains("#$last {guest_instr_count=${before.instrCount}} ${before.kind} from ${before.callsite}") }
        text.contains("the logs are item for item the same (${items.size()} items)")
    }

    def "PANDA's TLB case against QEMU's own logs of both runs: tandem's first register difference is the TB where the logs' registers first differ"() {
        given: "the guest recorded after its first tlbwr by `tandem record`'s driver, QEMU logging every TB from begin_record (monitor: logfile, log cpu,exec,nochain)"
        def dir = Files.createDirectories(fx.workDir.resolve('trace-qemu-log'))
        def elf = MipsGuest.withLength(fx.guest, RealPanda.TLB_LENGTH, dir.resolve('guest.elf'))
        // one second of recording: the replay fails within its first thousand instructions, and
        // QEMU's log grows by some 40 MB a second
        def plan = new RecordRun.Plan([launcher.toString(), '-M', 'malta', '-m', '128M', '-kernel', elf.toString(), '-display', 'none', '-panda', 'tandem_trace'],
                dir, 'guest', ["logfile ${dir.resolve('record.log')}".toString(), 'log cpu,exec,nochain'], MipsGuest.TLBWR_DONE, MipsGuest.GO, null, 1, 120)
        def res = RecordRun.run(plan, new PrintStream(OutputStream.nullOutputStream()))
        def rec = new RealPanda.Recording(dir, 'guest', elf, res.output(), res.millis())

        and: "the plain replay with QEMU's log (-d cpu,exec,nochain), gdb giving each logged TB its guest instruction count"
        def (RealPanda.Replay replay, List<Long> counts) = fx.replayWithQemuLog(rec, dir.resolve('replay.log'))
        def repLog = QemuLog.read(dir.resolve('replay.log'))
        def diff = QemuLog.firstRegisterDifference(QemuLog.read(dir.resolve('record.log')), repLog)

        expect: 'the replay fails on its own, its log and the counts one to one, and the logs differ in registers before its end'
        !replay.completed
        counts.size() == repLog.size()
        diff != null
        long truth = counts[diff.rep]

        when:
        def o = RecTraceSearch.compare(RecTraceSearch.RecTrace.of('guest', dir), replayCmd(rec), new PrintStream(new ByteArrayOutputStream()))
        def d = o.result().divergence()

        then: "tandem's first difference in PC and registers is at that TB's count"
        o.result().firstByGroup()[TraceComparison.Group.REGISTERS] == truth

        and: 'the TLB differs first (tlbwr wrote another entry), the registers only once a lookup goes another way'
        d.groups() == [TraceComparison.Group.TLB]
        d.count() < truth
    }

    def "a recording whose replay completes: no divergence, and the trace agrees to the end"() {
        given:
        def rec = cleanRecording()
        def out = new ByteArrayOutputStream()

        when:
        def o = RecTraceSearch.search(RecTraceSearch.RecTrace.of('guest', rec.dir), replayCmd(rec), [], Path.of('gdb'), new PrintStream(out, true))

        then: 'PANDA says the replay completed'
        fx.replay(rec).completed

        and: 'every record TB was met by the replay, to the last one'
        o.result().agreesToTheEnd()
        o.result().comparedTbs() == o.rec().entryCount()
        o.result().recordLast() == o.rec().lastCount()
        out.toString().readLines().last() == 'the runs never diverge'
    }

    def "bad input: a trace of another recording and a truncated trace, one clear error each, the recording untouched"() {
        given:
        def rec = cleanRecording()
        def other = lateRecording()
        def before = [rec.snapshot(), rec.nondetLog()].collectEntries { [it, Files.readAllBytes(it).digest('SHA-256')] }
        def dir = Files.createDirectories(fx.workDir.resolve('trace-bad'))
        [rec.snapshot(), rec.nondetLog()].each { Files.copy(it, dir.resolve(it.fileName)) }
        Files.copy(other.dir.resolve('guest-tandem-trace'), dir.resolve('guest-tandem-trace'))
        def whole = Files.readAllBytes(rec.dir.resolve('guest-tandem-trace'))
        Files.write(dir.resolve('cut-tandem-trace'), Arrays.copyOf(whole, whole.length.intdiv(2)))

        when: "the other recording's trace beside this recording"
        RecTraceSearch.compare(RecTraceSearch.RecTrace.of('guest', dir), replayCmd(rec), new PrintStream(new ByteArrayOutputStream()))

        then:
        def e = thrown(TraceException)
        e.message.contains('is the record trace of another recording than guest')

        when: 'a trace cut in the middle, as a killed record run leaves it'
        TraceComparison.checkBelongs(tandem.panda.trace.TraceFile.read(dir.resolve('cut-tandem-trace')), rec.dir, 'guest')

        then:
        def t = thrown(TraceException)
        t.message.contains('is truncated')
        t.message.contains('without the trailer')

        and: 'the recording is as it was'
        before.every { p, sum -> Files.readAllBytes(p).digest('SHA-256') == sum }
    }
}
