// The console and the DSL with the record trace as rec: `tandem console --rec-trace NAME
// --rep-cmd ...` and open(recTrace: ...). rep is the live replay; rec shows what the record run's
// trace holds. The right answers: the recording replays cleanly (PANDA's verdict), so the record
// run's state at a count is the replay's there, read by gdb from PANDA; the trace's own bytes for
// the TB summary.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.console.TandemProcess
import tandem.panda.trace.TraceFile
import tandem.panda.trace.TracePlugin

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Timeout(600)
class RecTraceConsoleSpec extends Specification {

    @Shared RealPanda fx
    @Shared RealPanda.Recording rec

    def setupSpec() {
        fx = RealPanda.get()
        def launcher = TracePlugin.launcherFor(fx.panda, System.out)
        def dir = Files.createDirectories(fx.workDir.resolve('trace-console'))
        def elf = MipsGuest.withLength(fx.guest, RealPanda.LENGTH, dir.resolve('guest.elf'))
        rec = fx.record(dir, 'guest', elf, false, launcher, ['-panda', 'tandem_trace'])
        assert fx.replay(rec).completed: 'the fixture needs a recording that replays cleanly'
    }

    private String replayCmd() { rec.replayCommand(fx.panda).join(' ') }

    /** The trace's own TB at or before {@code count}: [its count, its summary], read from the file's entries. */
    private List<Long> traceTb(long count) {
        def e = TraceFile.read(rec.dir.resolve('guest-tandem-trace')).entryAtOrBefore(count)
        [e.count(), e.summary() & 0xffffffffL]
    }

    def "a script: toInstr moves rep and shows rec's values there from the trace; a verb needing a live rec says so in one line and runs on rep"() {
        given: "the record run's first TB in the third period of 2^17 guest instructions: the trace has its full record there, and the replay begins a TB there too (a replay's TBs start wherever the record run's did, and at more places)"
        long n = TraceFile.read(rec.dir.resolve('guest-tandem-trace')).entryAtOrAfter(2 * (1L << 17)).count()
        def script = rec.dir.resolve('look.groovy')
        Files.writeString(script, """
open(recTrace: 'guest', repCmd: '${replayCmd()}', cwd: '${rec.dir}')
def b = toInstr($n)
println "REP-AT \${b.rep}"
println "REP-PC \${Long.toHexString(rep.pc() & 0xffffffffL)}"
println "REC-TEXT"
println b.rec
println "END-REC"
use both
println "INSTR \${instr()}"
println "AT-5 \${rec.at(5).readLines()[1]}"
""")

        when:
        def r = TandemProcess.run(['run', script.toString()])
        def lines = r.out.readLines()
        long at = lines.find { it.startsWith('REP-AT ') }.substring(7) as long
        String pc = lines.find { it.startsWith('REP-PC ') }.substring(7)
        List<String> recText = lines.subList(lines.indexOf('REC-TEXT') + 1, lines.indexOf('END-REC'))
        def (tbCount, summary) = traceTb(at)

        then: 'rep arrived at that TB'
        r.code == 0
        at == n

        and: "rec: the record run's TB there, with the summary the trace holds for it"
        recText[0] == "record trace guest (read-only) at guest instruction $at:"
        tbCount == at
        recText[1].startsWith(String.format('TB at %d: summary 0x%08x', at, summary))

        and: "rec's full record is at that TB (the period's first), its pc the replay's there (the replay completes: PANDA's verdict)"
        recText[2] == "full record at $at:"
        def recPc = recText[3] =~ /^pc\s+0x([0-9a-f]+)/
        recPc.find()
        Long.parseLong(recPc.group(1), 16) == Long.parseLong(pc, 16)

        and: 'with both in focus, a verb that needs a live rec says so in one line and answers for rep'
        lines.count { it.contains('rec is the record trace guest (read-only): this needs a live rec, so it runs on rep alone') } == 1
        lines.find { it.startsWith('INSTR ') } == "INSTR $at"

        and: 'rec.at(N) before the first TB says so'
        lines.find { it.startsWith('AT-5 ') } =~ /AT-5 (before the record run's first TB|TB at \d+)/
    }

    def "tandem console --rec-trace: the prompt's verbs on rep, toInstr side by side; a trace of another recording refused in one line"() {
        when:
        def r = TandemProcess.run(['console', '--cwd', rec.dir.toString(), '--rec-trace', 'guest', '--rep-cmd', replayCmd()],
                'toInstr 100000\nuse rec\nregs().pc\np 40+2\nbisect\n')

        then: "toInstr's rec column is the trace's, rep's the replay's count"
        r.out.contains('record trace guest (read-only) at guest instruction')
        r.out.contains('rec is the record trace guest (read-only): this needs a live rec, so it runs on rep alone')

        and: 'a gdb line goes to rep, saying so'
        r.out.contains('rec is the record trace guest (read-only): gdb runs on rep alone')
        r.out =~ /\$\d+ = 42/

        and: 'the search needs both sides live: it says which verb searches against a trace'
        (r.out + r.err).contains('this needs a live rec (the search against a record trace: tandem bisect --rec-trace guest --rep-cmd ...)')
        r.code == 1   // piped input: the last line's error is the exit code

        when: 'a trace that is not this recording'
        Files.write(rec.dir.resolve('other-tandem-trace'), Files.readAllBytes(rec.dir.resolve('guest-tandem-trace')))
        Files.copy(rec.snapshot(), rec.dir.resolve('other-rr-snp'))
        Files.write(rec.dir.resolve('other-rr-nondet.log'), new byte[16])
        def bad = TandemProcess.run(['console', '--cwd', rec.dir.toString(), '--rec-trace', 'other', '--rep-cmd', replayCmd()], '')

        then:
        bad.code == 2
        bad.err.trim().readLines().size() == 1
        bad.err.contains('is the record trace of another recording than other')
    }
}
