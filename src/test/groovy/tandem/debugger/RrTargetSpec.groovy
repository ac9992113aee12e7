package tandem.debugger

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Arch
import tandem.panda.Demo
import tandem.panda.MiniPanda
import tandem.panda.PandaSession

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit
import java.util.regex.Pattern

/**
 * rr traces of the demo, made and replayed by the test stand-in for rr (src/test/rr/rr): the
 * PANDA record run (recrep) and the PANDA replay run with a TLB bug (reprep), as in the notes.
 * The stand-in re-runs the program under plain gdb, so what needs rr itself is out of reach here:
 * reverse execution, `when`, conditions evaluated by rr. Those are not exercised. rr's checkpoints,
 * its `restart` and its `run` are reproduced over gdb's fork checkpoints (rr-gdb-commands.py).
 */
@Timeout(120)
class RrTargetSpec extends Specification {

    @Shared MiniPanda.Recording recording
    @Shared Path recrep
    @Shared Path reprep
    @Shared Set<Long> before

    def setupSpec() {
        before = Demo.children()
        def dir = Files.createTempDirectory('tandem-rr-')
        def binary = MiniPanda.binary(Arch.MIPS)
        recording = new MiniPanda.Recording(binary, dir, 'ls', 100_000)
        recrep = Demo.rrRecord(recording, 'recrep', MiniPanda.recordArguments('ls', 100_000))
        reprep = Demo.rrRecord(recording, 'reprep',
                MiniPanda.replayArguments('ls', new MiniPanda.Bug(MiniPanda.BugKind.TLB, 50_000)))
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def "rr ps lists the recorded PANDA command, which names the arch"() {
        given:
        def trace = new RrTrace(Demo.RR, reprep)

        when:
        def ps = trace.processes()

        then:
        ps.size() == 1
        ps[0].pid() > 0
        ps[0].namespacePid() == ps[0].pid()
        ps[0].exit() == '-6' // PANDA's abort() after the failed replay
        trace.pandaCommand().contains('panda-system-mips')
        trace.pandaCommand().contains('-replay ls')
        Arch.fromCommandLine(trace.pandaCommand()) == Optional.of(Arch.MIPS)
        new RrReplay(trace, Demo.GDB, null).program().fileName.toString() == 'panda-system-mips'
    }

    def "rr ps rows of a program in its own pid namespace (`TID (NSTID)`) are read, and name PANDA"() {
        given: 'an rr that lists the program as recorded under a pid-namespace wrapper'
        def dir = Files.createTempDirectory('tandem-rr-ns-')
        def rr = dir.resolve('rr')
        Files.writeString(rr, "#!/bin/sh\nRR_STANDIN_PID_NAMESPACE=1 exec '${Demo.RR}' \"\$@\"\n")
        rr.toFile().setExecutable(true)
        def trace = new RrTrace(rr, reprep)

        when:
        def ps = trace.processes()

        then: 'the wrapper, then PANDA as `PID (1)`'
        ps.size() == 2
        ps[0].command() == '/bin/sh ./run-in-namespace.sh'
        ps[0].ppid() == '--'
        ps[1].namespacePid() == 1
        ps[1].pid() != 1
        ps[1].ppid() == Long.toString(ps[0].pid())
        ps[1].exit() == '-6'
        trace.pandaCommand().contains('panda-system-mips')
        trace.pandaCommand().contains('-replay ls')
        Arch.fromCommandLine(trace.pandaCommand()) == Optional.of(Arch.MIPS)
        new RrReplay(trace, Demo.GDB, null).program().fileName.toString() == 'panda-system-mips'

        cleanup:
        MiniPanda.deleteTree(dir)
    }

    def "rr dump gives the last event's global_time"() {
        expect:
        new RrTrace(Demo.RR, recrep).lastEvent() == 3
        new RrTrace(Demo.RR, reprep).lastEvent() == 3
    }

    def "a directory that is not an rr trace is refused with what to give instead"() {
        when:
        new RrTrace(Demo.RR, dir)

        then:
        def e = thrown(DebuggerException)
        e.message.contains(text)
        e.message.contains('rr record -o DIR')

        where:
        dir                                  | text
        Path.of('/nonexistent/trace')        | 'it is not a directory'
        Files.createTempDirectory('not-rr-') | 'has no `version` file'
    }

    def "a missing rr is named, with --rr"() {
        given:
        def trace = new RrTrace(Path.of('/nonexistent/rr'), recrep)

        when:
        trace.processes()

        then:
        def e = thrown(DebuggerException)
        e.message.contains('/nonexistent/rr')
        e.message.contains('--rr')

        when:
        GdbDebugger.open(new RrReplay(trace, Demo.GDB, null))

        then:
        e = thrown(DebuggerException)
        e.message.contains('could not start /nonexistent/rr')
        e.message.contains('--rr')
    }

    def "a PandaSession on each rr replay: arch from the trace, toInstr and checksums"() {
        given:
        def trace = new RrTrace(Demo.RR, dir)
        def arch = Arch.fromCommandLine(trace.pandaCommand())
        def s = PandaSession.open(name, role, GdbDebugger.open(new RrReplay(trace, Demo.GDB, null)), arch)

        when:
        long begin = s.beginRecordOrReplay()
        long reached = s.toInstr(40_000)
        def sums = s.checksums()

        then:
        s.arch() == Arch.MIPS
        s.debugger().target().canReverse() // rr's; the stand-in's gdb can't, so it is not used here
        reached >= 40_000
        reached < 40_100
        begin <= reached
        sums.instr() == reached
        sums.tlb() != null
        s.regs().get('pc') == s.pc()

        cleanup:
        s?.close()

        where:
        name  | role                       | dir
        'rec' | PandaSession.Role.RECORD   | recrep
        'rep' | PandaSession.Role.REPLAY   | reprep
    }

    /** A replay (of the failing run unless said) stopped at a TB, with a checkpoint there and 3 instructions on: [gdb, checkpoint, pc]. */
    private List atCheckpoint(Path trace = reprep) {
        def gdb = GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, trace), Demo.GDB, null))
        def bp = gdb.breakAt('mp_tb_find', null)
        gdb.cont(Duration.ofSeconds(60))
        gdb.delete(bp.number())
        long taken = gdb.backtrace()[0].address()
        int n = gdb.checkpoint()
        3.times { gdb.stepInstruction() }
        assert gdb.backtrace()[0].address() != taken
        [gdb, n, taken]
    }

    def "restart on real rr stops twice: rr steps first (its run hook), and the restart ends where the checkpoint was taken"() {
        given:
        def (GdbDebugger gdb, int n, long taken) = atCheckpoint()
        List<String> stops = [].asSynchronized()
        gdb.channel().addListener(new tandem.mi.MiListener() {
            void onAsync(tandem.mi.AsyncRecord r) { if (r.isStopped()) stops << r.reason() }
        })

        when:
        def said = gdb.console("restart $n")

        then: 'the answer is gdb\'s words on the restart, not the stop of the step before it'
        said.contains('Switching to')
        !said.contains('[stopped: end-stepping-range')
        gdb.backtrace()[0].address() == taken
        and: 'rr stepped first'
        stops.contains('end-stepping-range')
        and: 'nothing of the restart is left over for the next command'
        !gdb.console('info checkpoints').contains('Switching to')

        when: 'the same checkpoint again: rr keeps it'
        3.times { gdb.stepInstruction() }
        gdb.restart(n)

        then:
        gdb.backtrace()[0].address() == taken

        cleanup:
        gdb?.close()
    }

    def "a checkpoint stays where it was taken when the replay ends, as rr's do"() {
        given: 'the record run, which ends normally: gdb then carries on in a fork of its own'
        def (GdbDebugger gdb, int older, long taken) = atCheckpoint(recrep)
        int n = gdb.checkpoint()
        long second = gdb.backtrace()[0].address()

        when:
        def end = gdb.cont(Duration.ofSeconds(60))
        gdb.stepInstruction()
        gdb.restart(n)

        then:
        end.exited()
        gdb.backtrace()[0].address() == second

        when:
        gdb.restart(older)

        then:
        gdb.backtrace()[0].address() == taken

        cleanup:
        gdb?.close()
    }

    def "run after restart N on real rr goes back to checkpoint N, so tandem runs an rr replay again from its start otherwise"() {
        given:
        def (GdbDebugger gdb, int n, long taken) = atCheckpoint()
        gdb.restart(n)
        3.times { gdb.stepInstruction() }

        when: 'rr\'s own run'
        gdb.console('run')

        then:
        gdb.backtrace()[0].address() == taken

        when: 'from the start: PANDA begins its replay again'
        def begin = gdb.temporaryBreakAt('rr_do_begin_replay', null)
        def stop = gdb.rerun(Duration.ofSeconds(60))

        then:
        stop.breakpoint() == begin.number()
        gdb.backtrace()[0].function() == 'rr_do_begin_replay'

        cleanup:
        gdb?.close()
    }

    def "a replay through the stand-in rr leaves no scratch copy of its trace once tandem ended its gdb"() {
        given:
        def tmp = Path.of(System.getProperty('java.io.tmpdir'))
        def scratch = { tmp.toFile().listFiles().findAll { it.name.startsWith('rr-replay.') }*.name as Set }
        def before = scratch()

        when: 'tandem ends gdb and what it started (the program, and whatever gdb forked)'
        def gdb = GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, reprep), Demo.GDB, null))
        def during = scratch() - before
        gdb.close()
        long until = System.nanoTime() + 10_000_000_000L
        while (!(scratch() - before).isEmpty() && System.nanoTime() < until) Thread.sleep(100)

        then: 'the copy and gdb script it used are gone'
        !during.isEmpty()
        (scratch() - before).isEmpty()
    }

    def "the replayed program's output is captured"() {
        given:
        def gdb = GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, reprep), Demo.GDB, null))

        when:
        def stop = gdb.cont(java.time.Duration.ofSeconds(60))
        def out = gdb.drainProgramOutput()

        then:
        stop.reason() == Stop.Reason.SIGNAL_RECEIVED
        stop.signal() == 'SIGABRT'
        out.any { it.startsWith('mini-panda: injected tlb bug at guest instruction') }
        out.any { it.contains('FOUND DISAGREEMENT') }

        cleanup:
        gdb?.close()
    }

    def "rr replay -s PORT serves the replay; gdb connects with GdbServerTarget.connect"() {
        given:
        def rr = serve(reprep)
        def s = servedSession(reprep, announcedPort(rr))
        def gdb = s.debugger()

        when:
        long reached = s.toInstr(30_000)

        then:
        gdb.target().connection() == Target.Connection.REMOTE
        gdb.target().evaluatesConditions()
        reached >= 30_000
        s.checksums().instr() == reached

        cleanup:
        s?.close()
        stopServing(rr)
    }

    def "rr replay -s refuses a memory write outside a call into the program, as rr does; a call still runs"() {
        given: 'rr (GdbServer.cc): only a diversion, which an inferior call starts, may write memory'
        def rr = serve(reprep)
        int port = announcedPort(rr)
        def program = Path.of(new RrTrace(Demo.RR, reprep).pandaCommand().split(' ')[0])
        def gdb = GdbDebugger.open(GdbServerTarget.connect(Demo.GDB, '127.0.0.1', port, program))

        when:
        gdb.evaluate('qemu_loglevel = 5')

        then:
        def e = thrown(DebuggerException)
        e.message.contains('Cannot access memory')
        gdb.evaluate('qemu_loglevel') == '0'
        !gdb.target().acceptsMemoryWrites()

        when: 'a call into the program is a diversion: its writes (the stack, the registers) are let through'
        gdb.breakAt('main', null)
        gdb.cont(Duration.ofSeconds(30))

        then:
        gdb.evaluate('(int) getpid()') ==~ /\d+/

        cleanup:
        gdb?.close()
        stopServing(rr)
    }

    def "rr replay -s dies of a run that names the program, as rr does: its FATAL line, status 1, nothing left behind"() {
        given: 'rr (GdbServerConnection.cc, process_vpacket): a vRun naming a file is FATAL'
        def rr = serve(reprep)
        def reader = new BufferedReader(new InputStreamReader(rr.inputStream))
        int port = -1
        String line
        while (port < 0 && (line = reader.readLine()) != null) {
            def m = line =~ /target extended-remote [^:]+:(\d+)/
            if (m.find()) port = m.group(1) as int
        }
        StringBuffer rest = new StringBuffer()
        def drain = Thread.start { reader.eachLine { rest.append(it).append('\n') } }
        def program = Path.of(new RrTrace(Demo.RR, reprep).pandaCommand().split(' ')[0])
        def gdb = GdbDebugger.open(GdbServerTarget.connect(Demo.GDB, '127.0.0.1', port, program))

        when:
        gdb.console('set remote exec-file ' + program)
        gdb.rerun(Duration.ofSeconds(30))

        then:
        thrown(DebuggerException)
        rr.waitFor(20, TimeUnit.SECONDS)
        rr.exitValue() == 1
        drain.join(5_000) == null
        rest.toString().contains("debugger wants us to run the exe image `${program.toString().bytes.encodeHex()}', but we don't support that.")
        rr.descendants().count() == 0

        cleanup:
        gdb?.close()
        stopServing(rr)
    }

    def "a move on rr replay -s writes no memory, and a command given for the start that writes says why rr refuses it"() {
        given:
        def rr = serve(reprep)
        def s = servedSession(reprep, announcedPort(rr))
        def gdb = s.debugger()

        when: 'a long move: where a target takes writes, it sets PANDA\'s temp_rr_bp_instr to stop once'
        long reached = s.toInstr(45_000)

        then:
        reached >= 45_000
        reached < 45_100

        when: 'going back runs the replay again (a vRun naming no program: rr dies of one that names it), and a command given for the start writes'
        s.atBegin(['set var qemu_loglevel = 1'])
        s.toInstr(20_000)

        then:
        def e = thrown(tandem.panda.PandaException)
        e.message.contains('`set var qemu_loglevel = 1`')
        e.message.contains('rr refuses memory writes outside a call into the program')
        rr.alive

        cleanup:
        s?.close()
        stopServing(rr)
    }

    def "rr replay -s killed during a move: the move ends at once with one sentence, the side is gone, its next move is refused"() {
        given: 'a long replay served by rr, rep moving far through it TB by TB (rr refuses the loop-pass write)'
        def longer = Demo.record(3_000_000)
        def trace = Demo.rrRecord(longer, 'long', MiniPanda.replayArguments('ls', null))
        def rr = serve(trace)
        def s = servedSession(trace, announcedPort(rr))
        s.beginRecordOrReplay()
        s.useDebugCounter(false)   // every TB a stop the server tests: a move of seconds
        def killer = Thread.start {
            while (!s.debugger().running()) sleep 10
            sleep 300
            stopServing(rr)   // SIGTERM: rr's server ends, and the connection with it
        }

        when:
        long started = System.nanoTime()
        s.toInstr(2_900_000)

        then:
        def e = thrown(tandem.panda.PandaException)
        killer.join()
        (System.nanoTime() - started) / 1e9 < 10
        e.message ==~ /rep did not reach 2900000: gdbserver 127\.0\.0\.1:\d+ \(panda-system-mips\) is gone: gdb lost its connection to it during -exec-continue \(gdb said `Remote (connection closed|communication error[^`]*)`\), and nothing more can be done on it/
        s.gone() == 'rep: ' + s.debugger().gone()

        when: 'the next move is refused at once, without a `run` that would start PANDA under gdb itself'
        s.toInstr(1000)

        then:
        def again = thrown(tandem.panda.PandaException)
        again.message == s.gone()
        s.debugger().channel().inferiorPids().isEmpty()

        cleanup:
        s?.close()
        stopServing(rr)
        MiniPanda.deleteTree(longer?.directory())
    }

    def "rr #version's -s hint (`#header`) names the port the replay is served on"() {
        given:
        def pb = new ProcessBuilder(Demo.RR.toString(), 'replay', '-s', '0', reprep.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null')))
        pb.environment().put('RR_STANDIN_VERSION', version)
        def rr = pb.start()
        def reader = new BufferedReader(new InputStreamReader(rr.inputStream))

        when:
        String first = reader.readLine()
        String second = reader.readLine()
        int port = (second =~ /target extended-remote [^:]+:(\d+)/)[0][1] as int
        def program = Path.of(new RrTrace(Demo.RR, reprep).pandaCommand().split(' ')[0])
        def gdb = GdbDebugger.open(GdbServerTarget.connect(Demo.GDB, '127.0.0.1', port, program))

        then:
        first == header
        second ==~ words
        gdb.evaluate('1 + 1') == '2'

        cleanup:
        gdb?.close()
        stopServing(rr)

        where:
        version | header                 | words
        '5.7.0' | 'Launch gdb with'      | /  gdb '-l' '10000' '-ex' 'set sysroot \/' '-ex' 'target extended-remote 127\.0\.0\.1:\d+' \/\S+\/panda-system-mips/
        '5.8.0' | 'Launch debugger with' | /  'gdb' '-l' '10000' '-ex' 'set sysroot \/' '-ex' 'target extended-remote 127\.0\.0\.1:\d+' '\/\S+\/panda-system-mips' /
    }

    def "rr spells long options in full: `--inter=mi` is an invalid option, `--interpreter=mi` is not"() {
        when:
        def p = new ProcessBuilder(Demo.RR.toString(), 'replay', '--inter=mi', reprep.toString()).redirectErrorStream(true).start()
        String out = p.inputStream.text
        p.waitFor(10, TimeUnit.SECONDS)

        then:
        p.exitValue() == 1
        out.startsWith('Invalid option --inter=mi')
    }

    def "a trace whose version is not a number: rr's `has an invalid version`, exit 65"() {
        given:
        def bad = Files.createTempDirectory('tandem-badtrace-')
        Files.writeString(bad.resolve('version'), 'x1\n')

        when:
        def p = new ProcessBuilder(Demo.RR.toString(), 'ps', bad.toString()).redirectErrorStream(true).start()
        String out = p.inputStream.text
        p.waitFor(10, TimeUnit.SECONDS)

        then:
        p.exitValue() == 65
        out.trim() == "rr: error: Recorded trace `${bad.toRealPath()}/version' has an invalid version x1"

        cleanup:
        bad.toFile().deleteDir()
    }

    /** Reads rr's hint `target extended-remote HOST:PORT` from its output. */
    /** `rr replay -s 0 DIR`: serves the replay on a free port (announcedPort reads which). */
    static Process serve(Path dir) {
        new ProcessBuilder(Demo.RR.toString(), 'replay', '-s', '0', dir.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null'))).start()
    }

    /** rep's session on the replay of {@code dir} that `rr replay -s` serves on {@code port}. */
    static PandaSession servedSession(Path dir, int port) {
        def trace = new RrTrace(Demo.RR, dir)
        def program = Path.of(trace.pandaCommand().split(' ')[0])
        def gdb = GdbDebugger.open(GdbServerTarget.connect(Demo.GDB, '127.0.0.1', port, program))
        PandaSession.open('rep', PandaSession.Role.REPLAY, gdb, Arch.fromCommandLine(trace.pandaCommand()))
    }

    /** Ends an `rr replay -s` and what it started. */
    static void stopServing(Process rr) {
        rr?.descendants()?.forEach { it.destroy() }
        rr?.destroy()
        rr?.waitFor(10, TimeUnit.SECONDS)
    }

    static int announcedPort(Process rr) {
        def reader = new BufferedReader(new InputStreamReader(rr.inputStream))
        def hint = Pattern.compile(/target extended-remote [^:]+:(\d+)/)
        String line
        StringBuilder seen = new StringBuilder()
        while ((line = reader.readLine()) != null) {
            seen.append(line).append('\n')
            def m = hint.matcher(line)
            if (m.find()) {
                Thread.start { try { reader.eachLine {} } catch (IOException ignored) {} } // keep the pipe drained
                return m.group(1) as int
            }
        }
        throw new AssertionError("rr replay -s printed no port:\n$seen")
    }

    /**
     * `rr record -o DIR` of the demo's record run on a machine as {@code machine} describes it to the
     * stand-in (RR_STANDIN_PERF_COUNTERS, RR_STANDIN_CPUID): rr's exit code, its output and the trace.
     */
    Map rrRecordOn(Map<String, String> machine, String traceName) {
        def trace = recording.directory().resolve(traceName)
        def pb = new ProcessBuilder(Demo.RR.toString(), 'record', '-o', trace.toString(), recording.binary().toString(),
                *MiniPanda.recordArguments('ls', 20_000)).directory(recording.directory().toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null')))
        pb.environment().putAll(machine)
        def p = pb.start()
        String out = p.inputStream.getText('UTF-8')
        [code: p.waitFor(), out: out, trace: trace]
    }

    def "rr refuses to replay a trace: tandem names rr, passes on rr's own reason and advises only what follows from it"() {
        given: 'a trace rr will not replay, made the way the case says'
        Path trace = broken()

        when:
        GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, trace), Demo.GDB, null)).close()

        then:
        def e = thrown(DebuggerException)
        e.message.startsWith("rr (${Demo.RR}) refused to replay $trace ($ending): ")
        e.message.contains(reason)
        e.message.contains(advice)
        !e.message.contains('gdb')
        !e.message.contains('Is it installed')
        !e.message.contains('not an rr trace')
        !e.message.contains('=== ')

        where:
        kind << ['recording killed by a machine without performance counters (rr#3788)', 'recorded by another rr', 'recorded on another CPU (rr#3642)']
        broken << [
                { ->
                    def r = rrRecordOn([RR_STANDIN_PERF_COUNTERS: 'none'], 'nocounters')
                    assert r.code == 134 && r.out.contains('=== End rr backtrace')
                    r.trace
                },
                { ->
                    def t = rrRecordOn([:], 'older')
                    assert t.code == 0
                    Files.writeString(t.trace.resolve('version'), '84\n')
                    t.trace
                },
                { ->
                    def t = rrRecordOn([RR_STANDIN_CPUID: 'model name\t: another machine'], 'othercpu')
                    assert t.code == 0
                    t.trace
                }]
        ending << ['exit 65', 'exit 65', 'exit 1']
        reason << ["rr: Trace file `${recording?.directory()}/nocounters/incomplete' found. rr recording terminated abnormally and the trace is incomplete.",
                   "rr: error: Recorded trace `${recording?.directory()}/older/version' has an incompatible version 84; expected 85.",
                   '[FATAL src/ReplaySession.cc:209:ReplaySession()] Trace was recorded on a machine with different CPUID values and CPUID faulting is not enabled; replay will not work.']
        advice << ['record it again', '', 'Replay the trace on the machine that recorded it']
    }
}
