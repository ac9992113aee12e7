// The divergence search on the demo target under real gdb: for every injected replay bug, at
// several counts and guest lengths, it names the exact first divergent count and what diverged.
package tandem.bisect

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll
import tandem.panda.MiniPanda
import tandem.panda.MiniPanda.Bug
import tandem.panda.MiniPanda.BugKind

class BisectorSpec extends Specification {
    @Shared Map<Long, MiniPanda.Recording> recordings = [:]

    MiniPanda.Recording recording(long instrs) {
        recordings.computeIfAbsent(instrs) { DemoPair.record(it) }
    }

    @Unroll
    def "finds a #kind bug injected at #at in a run of #instrs instructions"() {
        given:
        def r = recording(instrs)
        def bug = new Bug(kind, at)
        long truth = DemoPair.groundTruth(r, bug)
        def pair = DemoPair.open(r, bug)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.firstDiverged() == truth
        d.lastEqual() < truth
        check(kind, d)
        d.toString().contains('first divergence')
        // side by side, each column at most 48 wide (the TLB bug's rep stops in glibc's memset, whose path is longer)
        d.toString().readLines().findAll { it.contains(' | ') }.every { it.length() <= 48 + 3 + 48 }
        // the pc has its own line, whether or not it is among the registers that differ
        d.toString().readLines().count { it.startsWith('pc 0x') } == 1

        cleanup:
        pair?.close()

        where:
        kind        | at      | instrs
        BugKind.REG | 100_000 | 200_000
        BugKind.RAM | 100_000 | 200_000
        BugKind.TLB | 100_000 | 200_000
        BugKind.IRQ | 100_000 | 200_000
        BugKind.REG | 0       | 20_000
        BugKind.RAM | 0       | 20_000
        BugKind.RAM | 7_777   | 20_000
        BugKind.TLB | 19_000  | 20_000
        BugKind.REG | 150_000 | 300_000
        BugKind.IRQ | 260_000 | 300_000
        BugKind.TLB | 250_000 | 300_000
    }

    @Unroll
    def "where going back re-executes (gdbserver, traces #traced): finds a #kind bug injected at #at, going back only a few times"() {
        given:
        def r = recording(instrs)
        def bug = new Bug(kind, at)
        long truth = DemoPair.groundTruth(r, bug)
        // without traces, every debug_counter call and TB is a stop tandem sees, as with a gdb without Python
        if (!traced) System.setProperty('tandem.trace', 'false')
        def pair = DemoPair.openThroughGdbserver(r, bug)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        pair.rep().rewind() == tandem.panda.time.WaysBack.Rewind.REEXECUTION
        d.diverged()
        d.firstDiverged() == truth
        d.lastEqual() < truth
        check(kind, d)

        and: 'the writes named are those a search with fork checkpoints sees, watching after the fact'
        def forked = DemoPair.open(r, bug)
        def f = Bisector.search(forked, BisectOptions.defaults())
        forked.close()
        d.cause() == f.cause()
        d.lastEqual() == f.lastEqual()
        pair.rec().reexecutions() <= backs
        pair.rep().reexecutions() <= backs

        cleanup:
        pair?.close()
        System.clearProperty('tandem.trace')

        where:
        // runs back: one to the differing period, one for the sweep, whose watch the analysis then
        // uses; with traces, one to the last equal count of the sampled pass for the TB trace and
        // its run back to the last equal TB (where the scan saw the difference before an end, a run
        // more than the sweep's, for a trace of some 0.5 ms a TB against a sweep's 13 ms through
        // gdbserver); after a TLB flush the sides' TB boundaries part, no probe compares, and the
        // watch takes its own run; a RAM-only bug shows only at the end (regs and TLB agree), and
        // the passes forward from lo comparing the words that differ take some more
        kind        | at      | instrs  | backs | traced
        BugKind.REG | 100_000 | 200_000 | 3     | true
        BugKind.RAM | 100_000 | 200_000 | 5     | true
        BugKind.TLB | 100_000 | 200_000 | 3     | true
        BugKind.IRQ | 100_000 | 200_000 | 2     | true
        BugKind.REG | 100_000 | 200_000 | 2     | false
        BugKind.TLB | 100_000 | 200_000 | 3     | false
    }

    @Unroll
    def "PANDA recording chains TBs: the search brackets a #kind bug at #at within a chain and says to record with -d nochain"() {
        given: 'rec runs as PANDA records by default: TBs chained, so its TB stops are chain starts only'
        def r = recording(200_000)
        def bug = new Bug(kind, at)
        long truth = DemoPair.groundTruth(r, bug)
        def pair = DemoPair.open(r, bug, true)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.lastEqual() < truth
        d.firstDiverged() >= truth
        d.notes().any { it.startsWith('rec runs TBs chained') && it.contains('-d nochain') }

        cleanup:
        pair?.close()

        where:
        kind        | at
        BugKind.REG | 100_000
        BugKind.TLB | 150_000
    }

    def "says the runs never diverge when the replay has no bug"() {
        given:
        def pair = DemoPair.open(recording(20_000), null)

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        !d.diverged()
        d.headline().startsWith('the runs never diverge')

        cleanup:
        pair?.close()
    }

    def "the command prints the headline last, writes JSON and Markdown, and answers 0"() {
        given:
        def r = recording(20_000)
        def bug = new Bug(BugKind.RAM, 10_000)
        long truth = DemoPair.groundTruth(r, bug)
        def pair = DemoPair.open(r, bug)
        def dir = java.nio.file.Files.createTempDirectory('tandem-report-')
        def bytes = new ByteArrayOutputStream()
        def opts = BisectOptions.defaults().reportFile(dir.resolve('d.json')).resumeFile(dir.resolve('resume.json'))

        when:
        int code = BisectCommand.run(pair, opts, new PrintStream(bytes, true))
        def lines = bytes.toString().readLines()
        def json = new groovy.json.JsonSlurper().parse(dir.resolve('d.json').toFile())

        then:
        code == 0
        lines.last() == "first divergence at guest instruction $truth"
        json.firstDiverged == truth
        json.lastEqual < truth
        !json.memory.isEmpty()
        json.recBacktrace instanceof List
        dir.resolve('d.md').toFile().text.contains("first divergence at guest instruction $truth")
        java.nio.file.Files.exists(dir.resolve('resume.json'))

        cleanup:
        pair?.close()
    }

    def "rejects reversed bounds with exit code 2"() {
        given:
        def pair = DemoPair.open(recording(20_000), new Bug(BugKind.REG, 10_000))
        def bytes = new ByteArrayOutputStream()

        when:
        int code = BisectCommand.run(pair, BisectOptions.defaults().bounds(15_000, 5_000), new PrintStream(bytes, true))

        then:
        code == 2
        bytes.toString().contains('reversed')

        cleanup:
        pair?.close()
    }

    static boolean check(BugKind kind, Divergence d) {
        switch (kind) {
            case BugKind.REG: return d.registers().contains('a3')
            // one word of the guest's data pages (physical 0x800000..0x820000) has a bit flipped
            case BugKind.RAM: return d.memory().size() == 1 && d.memory()[0].length() == 4 &&
                    d.memory()[0].start() >= 0x800000 && d.memory()[0].end() <= 0x820000
            // the injected flush zeroes the TLB with memset: the cause names its caller, mini-PANDA's code
            case BugKind.TLB: return d.tlb() && d.cause().contains('mp_tlb_flush') && !d.cause().contains('memset')
            case BugKind.IRQ: return !d.registers().isEmpty()
        }
        false
    }
}
