// Bad input on the real panda-system-mips, through tandem's own command line: each gets one
// clear error, the console stays alive for the next command, and no PANDA process is left.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.console.TandemProcess

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Timeout(600)
class RealPandaInputSpec extends Specification {
    @Shared RealPanda fx
    @Shared RealPanda.Recording recording

    def setupSpec() {
        fx = RealPanda.get()
        recording = fx.unchanged()
    }

    private static String cmd(List<String> words) {
        words.collect { "'$it'" }.join(' ')
    }

    private Map console(List<String> replay, String input) {
        TandemProcess.run(['console', '--cwd', recording.dir.toString(), '--rec-cmd', cmd(replay), '--rep-cmd', cmd(replay)], input)
    }

    def "a PANDA build without debug info: one error naming what is missing, and the console goes on"() {
        given: 'the launcher beside a copy of libpanda-mips.so without its debug info (the launcher finds it through $ORIGIN)'
        Path dir = Files.createDirectories(fx.workDir.resolve('nodebug'))
        Path launcher = dir.resolve('panda-system-mips')
        Files.copy(fx.panda, launcher)
        launcher.toFile().setExecutable(true)
        def strip = ['strip', '--strip-debug', '-o', dir.resolve('libpanda-mips.so').toString(),
                     fx.panda.resolveSibling('libpanda-mips.so').toString()].execute()
        strip.waitFor()
        def replay = recording.replayCommand(fx.panda)
        replay[0] = launcher.toString()

        when:
        def r = console(replay, 'regs()\n6 * 7\n')

        then:
        strip.exitValue() == 0
        r.out.contains('has no debug symbols')
        r.out.contains('--enable-debug')
        r.out.readLines().contains('42')
        !r.out.contains('at org.codehaus')

        and:
        ['ps', '-eo', 'args'].execute().text.readLines().findAll { it.startsWith(launcher.toString()) }.isEmpty()
    }

    def "a recording name that does not exist: PANDA's own words, and the console goes on"() {
        given:
        def replay = recording.replayCommand(fx.panda)
        replay[-1] = 'nosuchrecording'

        when:
        def r = console(replay, 'regs()\n6 * 7\n')

        then: 'the file PANDA looked for, and that no replay began'
        r.out.contains("snapshot file doesn't exist")
        r.out.contains("PANDA could not load the snapshot ${recording.dir.resolve('nosuchrecording-rr-snp')}")
        r.out.contains('the replay never started')
        !r.out.contains('the recording ends before it')
        r.out.readLines().contains('42')
        RealPandaPair.pandaProcesses().findAll { it.contains('nosuchrecording') }.isEmpty()
    }

    def "a snapshot PANDA cannot load: the file and PANDA's reason, and the console goes on"() {
        given: "the recording's log beside a snapshot cut short, or the recording replayed with another RAM size than it was recorded with"
        Path dir = Files.createDirectories(fx.workDir.resolve("badsnp-$kind"))
        Files.copy(recording.nondetLog(), dir.resolve('bad-rr-nondet.log'))
        byte[] real = Files.readAllBytes(recording.snapshot())
        Files.write(dir.resolve('bad-rr-snp'), kind == 'cut' ? Arrays.copyOf(real, 1000) : real)
        def replay = recording.replayCommand(fx.panda)
        replay[-1] = 'bad'
        if (kind == 'ram') replay[replay.indexOf('-m') + 1] = '64M'

        when:
        def r = TandemProcess.run(['console', '--cwd', dir.toString(), '--rec-cmd', cmd(replay), '--rep-cmd', cmd(replay)], 'regs()\n6 * 7\n')

        then: "PANDA's words, measured on the real program: QEMU's reason through error_report"
        r.out.contains("PANDA could not load the snapshot ${dir.resolve('bad-rr-snp')}: $reason")
        r.out.contains('the replay never started')
        !r.out.contains('the recording ends before it')
        r.out.readLines().contains('42')
        ['ps', '-eo', 'args'].execute().text.readLines().findAll { it.startsWith(fx.panda.toString()) && it.endsWith('-replay bad') }.isEmpty()

        where:
        kind  | reason
        'cut' | 'error while loading state section id'
        'ram' | 'Length mismatch: mips_malta.ram: 0x8000000 in != 0x4000000'
    }

    def "a side that ends before hi: bisect says so and exits 2"() {
        given:
        def replay = recording.replayCommand(fx.panda)

        when:
        def r = TandemProcess.run(['bisect', '--cwd', recording.dir.toString(), '--rec-cmd', cmd(replay),
                                   '--rep-cmd', cmd(replay), '--instr-bounds=1000,90000000', '--skip-bisect-time'])

        then:
        r.code == 2
        r.out.contains('ends before hi 90000000')
        RealPandaPair.pandaProcesses().isEmpty()
    }
}
