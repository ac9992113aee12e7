// `tandem record`: tandem runs PANDA's record run of the MIPS guest itself, as its own process,
// with its trace plugin. The right answers come from PANDA (its replay of the recording completes
// or not) and from the files on disk, never from tandem's own record of what it did.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.console.TandemProcess
import tandem.rectrace.RecTraceSearch
import tandem.rectrace.TraceComparison
import tandem.panda.trace.TraceException
import tandem.panda.trace.TraceFile
import tandem.panda.trace.TracePlugin

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

@Requires({ RealPanda.required() })
@Timeout(900)
class RecordCliSpec extends Specification {

    @Shared RealPanda fx
    @Shared Path launcher, elf

    def setupSpec() {
        fx = RealPanda.get()
        launcher = TracePlugin.launcherFor(fx.panda, System.out)
        def dir = Files.createDirectories(fx.workDir.resolve('record-cli'))
        elf = MipsGuest.withLength(fx.guest, RealPanda.LENGTH, dir.resolve('guest.elf'))
    }

    /** tandem's command line, the plugin's launcher named so that no build runs in the child. */
    private static List<String> tandem(Path launcher, List<String> args) {
        def cmd = TandemProcess.command(args)
        cmd.add(1, "-Dtandem.tracePanda=$launcher".toString())
        cmd
    }

    private Map run(List<String> args) {
        def p = new ProcessBuilder(tandem(launcher, args)).redirectErrorStream(true).start()
        p.outputStream.close()
        String out = p.inputStream.getText('UTF-8')
        assert p.waitFor(600, TimeUnit.SECONDS)
        [out: out, code: p.exitValue()]
    }

    private Path folder(String name) { Files.createDirectories(fx.workDir.resolve('record-cli').resolve(name)) }

    private String guestCmd(Path panda = fx.panda) { "$panda -M malta -m 128M -kernel $elf -display none" }

    /** PANDA processes started on {@code elf} (the specs' own guest copy): none may outlive tandem. */
    private Set<Long> pandasOnGuest() {
        ProcessHandle.allProcesses().filter { h -> h.info().command().map { it.endsWith('panda-system-mips') }.orElse(false) &&
                h.info().commandLine().map { it.contains(elf.toString()) }.orElse(false) }
                .map { it.pid() }.collect(java.util.stream.Collectors.toSet()) as Set<Long>
    }

    def "tandem record: the recording and its record trace, which PANDA's replay of it agrees with to the end"() {
        given:
        def dir = folder('clean')

        when:
        def r = run(['record', '--cwd', dir.toString(), '--name', 'guest', '--cmd', guestCmd(),
                     '--guest-cmd', MipsGuest.GO, '--until', MipsGuest.END.trim()])

        then: 'it says what it recorded'
        r.code == 0
        r.out.contains('record: (qemu) begin_record guest')
        r.out.contains('record: (qemu) end_record')
        r.out.readLines().any { it.startsWith('record trace ') && it.contains('guest-tandem-trace') }

        and: "PANDA's replay of the recording completes"
        def rec = new RealPanda.Recording(dir, 'guest', elf, '', 0)
        fx.replay(rec).completed

        and: 'the record trace belongs to it and its replay agrees with it at every record TB'
        def o = RecTraceSearch.compare(RecTraceSearch.RecTrace.of('guest', dir), rec.replayCommand(fx.panda).join(' '), new PrintStream(new ByteArrayOutputStream()))
        o.result().agreesToTheEnd()
        o.result().comparedTbs() == o.rec().entryCount()

        and: 'no PANDA is left running'
        pandasOnGuest().isEmpty()
    }

    def "bad input: PANDA's binary missing, a --cmd that brings its own monitor: exit 2, one clear line each, nothing started"() {
        given:
        def dir = folder('missing')

        when:
        def missing = run(['record', '--cwd', dir.toString(), '--name', 'g', '--cmd', guestCmd(Path.of('/nonexistent/panda-system-mips')), '--seconds', '1'])
        def monitor = run(['record', '--cwd', dir.toString(), '--name', 'g', '--cmd', guestCmd() + ' -monitor stdio', '--seconds', '1'])

        then:
        missing.code == 2
        missing.out.trim() == 'record failed: no PANDA binary at /nonexistent/panda-system-mips (the first word of --cmd; scripts/build-panda prints one as its last line)'
        monitor.code == 2
        monitor.out.contains('--cmd must not have -monitor')
        Files.list(dir).count() == 0
    }

    def "bad input: --wait-for text the guest never prints: a timeout naming it, with the guest's last lines; PANDA ended"() {
        given:
        def dir = folder('wait-for')

        when:
        def r = run(['record', '--cwd', dir.toString(), '--name', 'g', '--cmd', guestCmd(),
                     '--wait-for', 'never printed', '--timeout', '5', '--seconds', '1'])

        then: 'the guest runs up to its go byte, printing "tlbwr ok" (guest.S), and never prints the text'
        r.code == 2
        r.out.contains("record failed: record run: no sign of the guest to print 'never printed' within 5 s.")
        r.out.contains("  ${MipsGuest.TLBWR_DONE.trim()}\nPANDA's last lines")
        r.out.contains("the monitor's last lines:\n  QEMU 2.9.1 monitor - type 'help' for more information\n  (qemu) cont\n")

        and: 'no recording was begun and PANDA is gone'
        !Files.exists(dir.resolve('g-rr-nondet.log'))
        pandasOnGuest().isEmpty()
    }

    def "a record run interrupted (SIGINT to tandem): PANDA quits and ends the recording there, which replays, its trace agreeing to the end"() {
        given: 'a recording whose end never comes'
        def dir = folder('interrupted')
        def p = recording(dir)

        when: 'recording has begun and the guest has run a while'
        awaitRecording(p, dir)
        new ProcessBuilder('kill', '-INT', p.pid() as String).start().waitFor()
        boolean ended = p.waitFor(60, TimeUnit.SECONDS)
        // where a tandem still running stands: its threads, for the failure's message
        String threads = ended ? '' : new ProcessBuilder('jstack', p.pid() as String).redirectErrorStream(true).start().inputStream.text

        then: 'tandem ends, saying so, and PANDA with it'
        assert ended: "tandem runs 60 s after SIGINT; its output:\n${Files.readString(dir.resolve('tandem.out'))}\nits threads:\n$threads"
        Files.readString(dir.resolve('tandem.out')).contains('record: interrupted: quitting PANDA through its monitor')
        pandasOnGuest().isEmpty()

        and: "PANDA's replay of what it wrote completes: PANDA ended the recording as it quit"
        def rec = new RealPanda.Recording(dir, 'g', elf, '', 0)
        fx.replay(rec).completed

        and: 'the trace belongs to that recording and its replay agrees with it to the end'
        def o = RecTraceSearch.compare(RecTraceSearch.RecTrace.of('g', dir), rec.replayCommand(fx.panda).join(' '), new PrintStream(new ByteArrayOutputStream()))
        o.result().agreesToTheEnd()
        o.rec().entryCount() > 1000

        cleanup: 'a tandem killed here leaves its PANDA behind: that one too'
        p?.destroyForcibly()?.waitFor(10, TimeUnit.SECONDS)
        pandasOnGuest().each { new ProcessBuilder('kill', '-KILL', it as String).start().waitFor() }
    }

    /** `tandem record` of the guest in {@code dir} until a text the guest never prints; its output in dir/tandem.out. */
    private Process recording(Path dir) {
        // tandem as a terminal starts it, SIGINT at its default: a shell without job control starts
        // its background commands with SIGINT ignored, children inherit that, and a JVM that starts
        // with SIGINT ignored installs no handler for it, so a SIGINT would do nothing (perl-base is
        // in every Debian)
        def cmd = ['perl', '-e', '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec $ARGV[0]: $!\\n"'] +
                tandem(launcher, ['record', '--cwd', dir.toString(), '--name', 'g', '--cmd', guestCmd(),
                                  '--guest-cmd', MipsGuest.GO, '--until', 'never printed'])
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve('tandem.out').toFile()).start()
    }

    /** Until recording has begun and the guest has run on for a second. */
    private static void awaitRecording(Process p, Path dir) {
        long end = System.nanoTime() + 120_000_000_000L
        while (!(Files.exists(dir.resolve('g-rr-nondet.log')) && Files.readString(dir.resolve('tandem.out')).contains('(qemu) cont'))) {
            assert p.alive && System.nanoTime() < end: Files.readString(dir.resolve('tandem.out'))
            sleep 50
        }
        sleep 1000
    }

    def "a record run that crashes (PANDA killed): tandem says PANDA exited, and the trace is refused as truncated"() {
        given:
        def dir = folder('crashed')
        def p = recording(dir)

        when: 'PANDA is killed while recording'
        awaitRecording(p, dir)
        pandasOnGuest().each { new ProcessBuilder('kill', '-KILL', it as String).start().waitFor() }

        then:
        p.waitFor(60, TimeUnit.SECONDS)
        p.exitValue() == 2
        Files.readString(dir.resolve('tandem.out')).contains("record failed: record run: PANDA exited with 137 while tandem waited for the guest to print 'never printed'.")

        when:
        TraceComparison.checkBelongs(TraceFile.read(dir.resolve('g-tandem-trace')), dir, 'g')

        then:
        def e = thrown(TraceException)
        e.message.contains('is truncated')
    }
}
