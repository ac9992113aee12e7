// The divergence search given bad or unusual input, under real gdb on the demo target: bounds out
// of range, traces of different archs or machines, a build without rr_checksum_*, Ctrl-C and the
// resume file, given brackets, diverge.py's strategy, and a guest arch other than MIPS.
package tandem.bisect

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.GdbDebugger
import tandem.debugger.LiveProgram
import tandem.panda.Arch
import tandem.panda.MiniPanda
import tandem.panda.MiniPanda.Bug
import tandem.panda.MiniPanda.BugKind
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession

import java.nio.file.Files
import java.nio.file.Path

@Timeout(120)
class BisectInputSpec extends Specification {
    static final Bug REG = new Bug(BugKind.REG, 10_000)

    @Shared MiniPanda.Recording small
    @Shared long smallTruth

    def setupSpec() {
        small = DemoPair.record(20_000)
        smallTruth = DemoPair.groundTruth(small, REG)
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(small?.directory())
    }

    static Pair pair(LiveProgram rec, LiveProgram rep, Arch recArch, Arch repArch) {
        def a = PandaSession.open('rec', PandaSession.Role.RECORD, GdbDebugger.open(rec), Optional.of(recArch))
        def b = PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(rep), Optional.of(repArch))
        new Pair(a, b)
    }

    static String run(Pair pair, BisectOptions opts, List<Integer> code) {
        def bytes = new ByteArrayOutputStream()
        code << BisectCommand.run(pair, opts, new PrintStream(bytes, true))
        bytes.toString()
    }

    def "a lo before the first TB after record/replay began is refused, naming the first usable lo"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        Bisector.search(p, BisectOptions.defaults().bounds(-100, 15_000))

        then:
        def e = thrown(PandaException)
        e.message =~ /lo -100 is before the first TB after record\/replay began \(\d+\): use a lo of at least \d+/

        cleanup:
        p?.close()
    }

    def "a lo past where the sides end is refused before any search, with each side's end, not a count of -1"() {
        given: 'a recording of 20000 guest instructions, whose replay fails before its end'
        def p = DemoPair.open(small, new Bug(BugKind.TLB, 10_000))

        when:
        Bisector.search(p, BisectOptions.defaults().lo(50_000))

        then:
        def e = thrown(Bisector.BoundsRefused)
        e.message.startsWith('lo 50000 is past where a side ends: ')
        e.message.contains('ends before it, at guest instruction 20000')
        !e.message.contains('-1')

        cleanup:
        p?.close()
    }

    def "a lo past the divergence, where the sides no longer share TB boundaries, is refused with one coherent reason"() {
        given: "the TLB bug at 10000 changes rep's TBs; rep's replay fails some hundreds of instructions on"
        def p = DemoPair.open(small, new Bug(BugKind.TLB, 10_000))

        when:
        Bisector.search(p, BisectOptions.defaults().lo(10_100))

        then: 'no claim that a side ends before lo: the side named ended after it'
        def e = thrown(Bisector.BoundsRefused)
        !e.message.contains('before lo')
        def ended = e.message =~ /from lo 10100 on: rep ended at guest instruction (\d+)/
        ended.find()
        (ended.group(1) as long) > 10_100
        e.message.contains('give a lo below the divergence')

        cleanup:
        p?.close()
    }

    def "a hi beyond the end of both runs: the search still names the exact count"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        def d = Bisector.search(p, BisectOptions.defaults().bounds(1_000, 5_000_000))

        then:
        d.diverged()
        d.firstDiverged() == smallTruth

        cleanup:
        p?.close()
    }

    def "a given bracket whose hi lies beyond where a side ends is refused, saying which side ended"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        Bisector.search(p, BisectOptions.defaults().bounds(1_000, 5_000_000).skipBisectTime(true))

        then:
        def e = thrown(PandaException)
        e.message.contains('a side ends before hi 5000000')
        e.message =~ /rep|rec/

        cleanup:
        p?.close()
    }

    def "--skip-bisect-time with a correct bracket goes straight to the exact count"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        def d = Bisector.search(p, BisectOptions.parse(["--instr-bounds=${smallTruth - 500},${smallTruth + 500}".toString(), '--skip-bisect-time']))

        then:
        d.diverged()
        d.firstDiverged() == smallTruth
        d.registers().contains('a3')

        cleanup:
        p?.close()
    }

    def "--skip-bisect-time with a wrong bracket is refused as not a bracket"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        Bisector.search(p, BisectOptions.parse([bounds, '--skip-bisect-time']))

        then:
        def e = thrown(PandaException)
        e.message.contains(text)

        cleanup:
        p?.close()

        where:
        bounds                      | text
        '--instr-bounds=1000,5000'  | 'agree at hi 5000'
        '--instr-bounds=10500,11500' | 'already differ at lo 10500'
    }

    def "--strategy diverge moves as diverge.py: conditions on rr_guest_instr_count at its address, not QEMU's icount fields (0 without -icount), and finds the same count"() {
        given:
        def p = DemoPair.open(small, REG)

        when:
        def d = Bisector.search(p, BisectOptions.parse(['--strategy=diverge']))

        then:
        d.diverged()
        d.firstDiverged() == smallTruth

        cleanup:
        p?.close()
    }

    def "diverge.py's args to get back here carry the replay's --instr-max, not the search's upper end"() {
        given: 'the replay\'s maximum, from its own output'
        long max = MiniPanda.replay(small, REG).lastInstr().asLong
        def p = DemoPair.open(small, REG)

        when:
        def d = Bisector.search(p, BisectOptions.parse(['--instr-bounds=5000,' + (smallTruth + 1000), '--instr-max=' + max]))

        then:
        d.firstDiverged() == smallTruth
        max > smallTruth + 1000
        d.backHere() == "--instr-bounds=${d.lastEqual()},${smallTruth} --instr-max=${max} --skip-bisect-time"

        cleanup:
        p?.close()
    }

    def "traces of different archs are refused, naming both"() {
        given:
        def dir = Files.createTempDirectory('tandem-arch-')
        def x86 = MiniPanda.record(MiniPanda.binary(Arch.X86_64), dir, 'demo', 20_000)
        def p = pair(MiniPanda.recordUnderGdb(small, DemoPair.GDB), MiniPanda.replayUnderGdb(x86, REG, DemoPair.GDB),
                Arch.MIPS, Arch.X86_64)
        List<Integer> code = []

        when:
        def out = run(p, BisectOptions.defaults(), code)

        then:
        code == [2]
        out.contains('rec is a mips PANDA and rep a x86_64 one')

        cleanup:
        p?.close()
        MiniPanda.deleteTree(dir)
    }

    def "runs of different machines (-m) are refused, naming ram_size and both values"() {
        given: 'rec records the same workload on a 256M machine; rep replays the 128M recording'
        def scratch = Files.createTempDirectory('tandem-m-')
        def args = new ArrayList(MiniPanda.recordArguments(small.name(), small.instrs()))
        args[args.indexOf('-m') + 1] = '256M'
        def rec = new LiveProgram(DemoPair.GDB, small.binary(), args, scratch, null)
        def p = pair(rec, MiniPanda.replayUnderGdb(small, REG, DemoPair.GDB), Arch.MIPS, Arch.MIPS)
        List<Integer> code = []

        when:
        def out = run(p, BisectOptions.defaults(), code)

        then:
        code == [2]
        out.contains('different PANDA builds or machines: ram_size is 268435456 in rec and 134217728 in rep')

        cleanup:
        p?.close()
        MiniPanda.deleteTree(scratch)
    }

    def "a build without rr_checksum_regs: the search reads registers itself, says so, still hashes the TLB, and is still exact"() {
        given:
        def bin = MiniPanda.buildDirectory().resolve('nochecksums/mips-softmmu/panda-system-mips')
        def r = MiniPanda.record(bin, Files.createTempDirectory('tandem-nosum-'), 'demo', 20_000)
        def bug = new Bug(kind, 10_000)
        long truth = DemoPair.groundTruth(r, bug)
        def p = DemoPair.open(r, bug)

        when:
        def d = Bisector.search(p, BisectOptions.defaults())

        then:
        !p.rec().hasSymbol('rr_checksum_regs')
        d.diverged()
        d.firstDiverged() == truth
        d.notes().any { it.contains('no rr_checksum_regs()') }
        !d.notes().any { it.contains('TLB differences are not compared') }
        BisectorSpec.check(kind, d)

        cleanup:
        p?.close()
        MiniPanda.deleteTree(r.directory())

        where:
        kind << [BugKind.REG, BugKind.RAM]
    }

    def "a reg bug on #arch is found exactly and named by #arch's register names"() {
        given:
        def r = MiniPanda.record(MiniPanda.binary(arch), Files.createTempDirectory('tandem-arch-reg-'), 'demo', 20_000)
        long truth = DemoPair.groundTruth(r, REG)
        def p = pair(MiniPanda.recordUnderGdb(r, DemoPair.GDB), MiniPanda.replayUnderGdb(r, REG, DemoPair.GDB), arch, arch)

        when:
        def d = Bisector.search(p, BisectOptions.defaults())

        then:
        d.diverged()
        d.firstDiverged() == truth
        !d.registers().isEmpty()
        d.registers().every { it in arch.registerNames() || it in extra }
        !d.registers().any { it in ['a3', 't0'] || it.contains('[') }

        cleanup:
        p?.close()
        MiniPanda.deleteTree(r.directory())

        where:
        arch        | extra
        Arch.X86_64 | ['rip', 'eip', 'pc', 'eflags', 'cr3']
        Arch.ARM    | ['pc', 'cpsr']
    }

    def "Ctrl-C mid-search stops it with an error, keeps the resume file, and a second run continues to the exact count"() {
        given:
        def r = DemoPair.record(200_000)
        def bug = new Bug(BugKind.REG, 150_000)
        long truth = DemoPair.groundTruth(r, bug)
        def dir = Files.createTempDirectory('tandem-resume-')
        def resume = dir.resolve('bisect.resume')
        def p = DemoPair.open(r, bug)
        long firstCtrlC = 0
        Thread ctrlC = null
        def listener = new BisectListener() {
            @Override
            void progress(BisectListener.Progress pr) {
                // past the start line, which comes before the first probe: Ctrl-C lands mid-search
                if (ctrlC == null && pr.phase() != 'start') {
                    firstCtrlC = System.nanoTime()
                    // one Ctrl-C, from another thread, whatever the search is doing at that moment
                    ctrlC = Thread.start { p.interrupt() }
                }
            }
        }
        List<Integer> code = []

        when:
        def out = run(p, BisectOptions.defaults().resumeFile(resume).listener(listener), code)
        ctrlC?.join()
        long stoppedAfterMillis = (System.nanoTime() - firstCtrlC).intdiv(1_000_000L)
        def saved = ResumeState.load(resume)

        then:
        code == [2]
        out.contains('bisect failed')
        // gdb says "interrupted" for a move; a Ctrl-C landing inside a checkpoint restart shows as a signal
        out =~ /interrupted|signaled/
        out.contains("--resume=$resume")
        firstCtrlC > 0
        stoppedAfterMillis < 5_000
        saved.phase != ResumeState.Phase.DONE

        when:
        p.close()
        p = DemoPair.open(r, bug)
        code.clear()
        def again = run(p, BisectOptions.defaults().resumeFile(resume), code)

        then:
        code == [0]
        again.readLines().last() == "first divergence at guest instruction $truth"
        again.contains('resuming from') || saved.phase == ResumeState.Phase.START

        cleanup:
        p?.close()
        MiniPanda.deleteTree(r.directory())
        MiniPanda.deleteTree(dir)
    }
}
