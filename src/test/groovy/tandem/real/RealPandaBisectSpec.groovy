// The divergence search on the real panda-system-mips, against answers the fixtures know without
// tandem: the log entry a copied nondet log changes, PANDA's own MIPS TLB divergence (the first
// tlbwr whose entry differs between the plain replay and the one given the record run's seed),
// and a log left alone. Between two plain replays the search first runs both with tandem's PANDA
// plugin (TracedPass); the search under gdb alone (--no-traced-replays) is checked too.
package tandem.real

import spock.lang.Requires
import spock.lang.Specification
import spock.lang.Timeout
import tandem.bisect.BisectOptions
import tandem.bisect.Bisector
import tandem.console.TandemProcess

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Timeout(900)
class RealPandaBisectSpec extends Specification {

    def "bisect under gdb alone names the TB where a changed input of the nondet log is consumed"() {
        given:
        def fx = RealPanda.get()
        def edited = fx.edited()
        long consumed = edited.editedCount
        def before = RealPandaPair.pandaProcesses()
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', edited.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults().tracedReplays(false))

        then: 'the last equal and first differing TB boundaries enclose the read of the edited value'
        d.diverged()
        d.lastEqual() <= consumed
        consumed < d.firstDiverged()
        d.firstDiverged() - d.lastEqual() <= 512

        and: 'what differs is named, with both backtraces'
        !d.registers().isEmpty() || !d.memory().isEmpty()
        !d.recBacktrace().isEmpty()
        !d.repBacktrace().isEmpty()
        d.toString().readLines().count { it.startsWith('pc 0x') } == 1

        and: 'few full passes: going back re-executes'
        pair.rec().reexecutions() <= 4

        and: "where rep ended is named for what it is: PANDA's replay failing (rr_do_end_replay with is_error set)"
        d.notes().any { it.contains("rep ended at ${replayPoint(edited.recording)} (PANDA's replay failed there: rr_assert_fail aborted it)") }

        cleanup:
        pair?.close()
        assert RealPandaPair.pandaProcesses() - before == [] as Set
    }

    def "with traced replays the search names the same TB, registers and cause as under gdb alone, and runs no side back"() {
        given:
        def fx = RealPanda.get()
        def edited = fx.edited()
        long consumed = edited.editedCount
        def before = RealPandaPair.pandaProcesses()
        def open = { RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', edited.recording)) }
        def pair = open()
        def gdbPair = null

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then: 'the bracket holds the read of the edited value (the fixture knows where it is consumed)'
        d.diverged()
        d.lastEqual() <= consumed
        consumed < d.firstDiverged()
        d.firstDiverged() - d.lastEqual() <= 512

        and: 'the traced replays found it, and gdb ran each side once, forward'
        d.notes().any { it.startsWith('the traced replays (') && it.contains("first differ at guest instruction ${d.firstDiverged()}") }
        pair.rec().reexecutions() == 0
        pair.rep().reexecutions() == 0

        and: 'the analysis watched what the rings said differs on the way from the last equal TB: the write is named'
        d.cause().startsWith('saw behavior in ')

        when: 'the same search under gdb alone'
        pair.close()
        pair = null
        gdbPair = open()
        def g = Bisector.search(gdbPair, BisectOptions.defaults().tracedReplays(false))

        then:
        g.lastEqual() == d.lastEqual()
        g.firstDiverged() == d.firstDiverged()
        g.registers() == d.registers()
        g.cause() == d.cause()

        and: 'no traced replay and none of its files outlive the search'
        !['ps', '-eo', 'args'].execute().text.contains('tandem_trace:file=')
        !Files.list(Path.of(System.getProperty('java.io.tmpdir'))).anyMatch { it.fileName.toString().startsWith('tandem-traced-replays-') }

        cleanup:
        pair?.close()
        gdbPair?.close()
        assert RealPandaPair.pandaProcesses() - before == [] as Set
    }

    def "Ctrl-C during the traced replays ends them, and the search says it was interrupted"() {
        given:
        def fx = RealPanda.get()
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', fx.edited().recording))
        def traced = { ['ps', '-eo', 'args'].execute().text.readLines().findAll { it.contains('tandem_trace:file=') } }

        when: 'Ctrl-C (the console interrupts both sides) once the traced replays run'
        Thread.start {
            long until = System.currentTimeMillis() + 60_000
            while (traced().isEmpty() && System.currentTimeMillis() < until) Thread.sleep(20)
            pair.rec().interrupt()
        }
        Bisector.search(pair, BisectOptions.defaults())

        then:
        def e = thrown(tandem.panda.PandaException)
        e.message.contains('interrupted')
        traced().isEmpty()

        and: 'the sides are still there for the next command'
        pair.both { it.clearInterrupt() }
        pair.rec().instrCount() >= 0

        cleanup:
        pair?.close()
    }

    def "SIGINT to tandem bisect during the traced replays leaves no replay, no PANDA and none of their files"() {
        given: 'tandem bisect as a terminal starts it (SIGINT at its default), its temporary folder its own'
        def fx = RealPanda.get()
        def rec = fx.unchanged(), rep = fx.edited().recording
        def tmp = Files.createTempDirectory('tandem-bisect-sigint-')
        def cmd = { RealPanda.Recording r -> (r.replayCommand(fx.panda)[0..-2] + [r.dir.resolve(r.name).toString()]).join(' ') }
        def java = TandemProcess.command(['bisect', '--cwd', rec.dir.toString(), '--rec-cmd', cmd(rec), '--rep-cmd', cmd(rep)])
        java[java.findIndexOf { it.startsWith('-Djava.io.tmpdir=') }] = "-Djava.io.tmpdir=$tmp".toString()
        def out = tmp.resolveSibling(tmp.fileName.toString() + '.out')
        def p = new ProcessBuilder(['perl', '-e', '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec $ARGV[0]: $!\\n"'] + java)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start()
        def traced = { ['ps', '-eo', 'args'].execute().text.readLines().findAll { it.contains("tandem_trace:file=$tmp") } }

        when: 'SIGINT once both traced replays run'
        long until = System.currentTimeMillis() + 120_000
        while (traced().size() < 2 && p.alive && System.currentTimeMillis() < until) sleep 20
        assert traced().size() == 2: out.toFile().text
        ['kill', '-INT', p.pid().toString()].execute().waitFor()

        then: 'tandem ends, and its shutdown takes the replays and their folder with it'
        p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)
        traced().isEmpty()
        Files.list(tmp).withCloseable { it.toList() }.findAll { it.fileName.toString().startsWith('tandem-traced-replays-') } == []
        gone { ['ps', '-eo', 'args'].execute().text.readLines().findAll { it.contains('panda-system') &&
                (it.contains(rec.dir.resolve(rec.name).toString()) || it.contains(rep.dir.resolve(rep.name).toString())) } }

        cleanup:
        p?.destroyForcibly()
        tmp?.toFile()?.deleteDir()
        if (out != null) Files.deleteIfExists(out)
    }

    def "given the failing replay's point as instrMax (diverge.py's --instr-max), the search runs no side back"() {
        given:
        def fx = RealPanda.get()
        def edited = fx.edited()
        long consumed = edited.editedCount
        long instrMax = replayPoint(edited.recording)
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', edited.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults().instrMax(instrMax))

        then:
        d.diverged()
        d.lastEqual() <= consumed
        consumed < d.firstDiverged()
        d.firstDiverged() <= instrMax

        and: 'the traced replays stop at instrMax; gdb takes each side once to the last equal TB'
        pair.rec().reexecutions() == 0
        pair.rep().reexecutions() == 0

        cleanup:
        pair?.close()
    }

    def "bisect finds PANDA's own MIPS TLB divergence: the first tlbwr whose entry differs, and that the TLB differs"() {
        given:
        def fx = RealPanda.get()
        def tlb = fx.tlbDivergence()
        long tlbwr = tlb.firstDifferingTlbwr.instrCount
        // rec: the replay given the record run's Random seed at rr_do_begin_replay (it completes);
        // rep: the plain replay, which fails (PANDA.md)
        def pair = RealPandaPair.open(RealPandaPair.side('rec', tlb.recording, tlb.seedRestoreCommands),
                RealPandaPair.side('rep', tlb.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        d.diverged()
        d.lastEqual() < tlbwr
        tlbwr <= d.firstDiverged()
        d.firstDiverged() - d.lastEqual() <= 512
        d.tlb()

        and: 'rec needs its commands at the begin, which a replay outside gdb cannot run: the search says so and goes under gdb'
        d.notes().contains('searching under gdb, not by traced replays: rec runs commands at its begin, which only gdb can run')

        cleanup:
        pair?.close()
    }

    /** Whether {@code list} comes back empty within 10 s (processes a killed gdb leaves take a moment to be reaped). */
    private static boolean gone(Closure<List> list) {
        long until = System.currentTimeMillis() + 10_000
        while (!list().isEmpty() && System.currentTimeMillis() < until) sleep 100
        list().isEmpty()
    }

    /** The count a plain replay of {@code r} fails at: "Current replay point" or "Replay program point" in PANDA's failure text. */
    private static long replayPoint(RealPanda.Recording r) {
        def replay = RealPanda.get().replay(r)
        assert !replay.completed: "the replay of ${r.dir} completed:\n${replay.output}"
        def m = replay.output =~ /(?:Current replay point|Replay program point):\s*\{guest_instr_count=(\d+)\}/
        assert m.find(): "no replay point in:\n${replay.output}"
        m.group(1) as long
    }

    def "an unchanged log never diverges"() {
        given:
        def fx = RealPanda.get()
        def pair = RealPandaPair.open(RealPandaPair.side('rec', fx.unchanged()), RealPandaPair.side('rep', fx.unchanged()))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        !d.diverged()

        cleanup:
        pair?.close()
    }
}
