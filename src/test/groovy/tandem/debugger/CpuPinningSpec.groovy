package tandem.debugger

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Demo
import tandem.panda.MiniPanda

import java.nio.file.Files
import java.nio.file.Path

/**
 * The pinning features need taskset (.ci/run installs util-linux) and two CPUs (CI has two).
 * With pinning on, each gdb runs on one CPU with the program it traces (or with the gdbserver serving it), and two
 * sessions open at once get different CPUs; read back from the processes' own affinity in /proc.
 */
@Timeout(120)
class CpuPinningSpec extends Specification {

    @Shared MiniPanda.Recording recording
    @Shared Set<Long> before
    List<GdbDebugger> open = []

    def setupSpec() {
        CpuPinning.enable(true) // opt-in: see CpuPinning for why it is off by default
        before = Demo.children()
        recording = Demo.record(20_000)
    }

    def cleanupSpec() {
        CpuPinning.enable(false)
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    def cleanup() {
        open*.close()
    }

    def "CPU lists read as the kernel writes them"() {
        expect:
        CpuPinning.parseList(list) == cpus

        where:
        list        || cpus
        '0'         || [0]
        '0-3'       || [0, 1, 2, 3]
        '0-1,4,6-7' || [0, 1, 4, 6, 7]
        ' 2 \n'     || [2]
    }

    def "the command line is left alone without a CPU"() {
        expect:
        CpuPinning.pinned(-1, ['gdb', '-q']) == ['gdb', '-q']
        CpuPinning.pinned(1, ['gdb', '-q']).takeRight(4) == ['-c', '1', 'gdb', '-q']
    }

    @Requires({ CpuPinning.possible() })
    def "two live sessions: each gdb shares one CPU with its program, and the two CPUs differ"() {
        when:
        def a = openLive()
        def b = openLive()
        def (gdbA, progA) = pids(a)
        def (gdbB, progB) = pids(b)

        then:
        allowed(gdbA).size() == 1
        allowed(progA) == allowed(gdbA)
        allowed(gdbB).size() == 1
        allowed(progB) == allowed(gdbB)
        allowed(gdbA) != allowed(gdbB)
    }

    @Requires({ CpuPinning.possible() })
    def "a closed session gives its CPU back"() {
        given:
        def a = openLive()
        def cpuA = allowed(pids(a)[0])
        def b = openLive()
        def cpuB = allowed(pids(b)[0])

        when:
        b.close()
        open.remove(b)
        def c = openLive()

        then:
        cpuA != cpuB
        allowed(pids(c)[0]) == cpuB
    }

    @Requires({ CpuPinning.possible() })
    def "gdbserver, its program and gdb share one CPU"() {
        when:
        def started = java.time.Instant.now().minusSeconds(1)
        def t = GdbServerTarget.launch(Demo.GDB, Demo.GDBSERVER, recording.binary(),
                MiniPanda.replayArguments('ls', null), recording.directory(), null)
        def g = GdbDebugger.open(t)
        open << g
        long program = programPid(g)
        long server = ProcessHandle.of(program).flatMap { it.parent() }.map { it.pid() }.orElse(-1L)

        then:
        t.cpu() >= 0
        allowed(program) == [t.cpu()]
        allowed(server) == [t.cpu()]
        ProcessHandle.of(server).flatMap { it.info().command() }.orElse('').endsWith('gdbserver')
        def gdbs = ProcessHandle.current().children().filter { p ->
            p.info().command().orElse('').endsWith('/gdb') && p.info().startInstant().map { it.isAfter(started) }.orElse(false)
        }.collect { it.pid() }
        gdbs.size() == 1
        allowed(gdbs[0]) == [t.cpu()]
    }

    GdbDebugger openLive() {
        def g = GdbDebugger.open(MiniPanda.replayUnderGdb(recording, null, Demo.GDB))
        open << g
        g
    }

    /** gdb's pid (the program's parent) and the program's. */
    static List<Long> pids(GdbDebugger g) {
        long program = programPid(g)
        long gdb = ProcessHandle.of(program).flatMap { it.parent() }.map { it.pid() }.orElseThrow()
        [gdb, program]
    }

    static long programPid(GdbDebugger g) {
        def m = g.console('info inferiors') =~ /process (\d+)/
        assert m.find(): 'gdb names no process'
        Long.parseLong(m.group(1))
    }

    static List<Integer> allowed(long pid) {
        def line = Files.readAllLines(Path.of("/proc/$pid/status")).find { it.startsWith('Cpus_allowed_list:') }
        CpuPinning.parseList(line.substring(line.indexOf(':') + 1))
    }
}
