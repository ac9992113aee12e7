// The record run as the rec side, without rr, on the x86_64 Linux guest: the guest command
// recorded from the shell prompt by `tandem record`'s driver (RecordRun) with tandem's trace
// plugin, and `tandem bisect --rec-trace` on a replay of it and of a copy whose nondet log has one
// serial input changed. The right answers come from the fixture: PANDA's own verdict on the
// replay, the item the fixture changed (its own nondet log reader), and the TB boundaries a plain
// gdb sees around that item in the edited replay (LinuxGuest.tbEntries); never from tandem's trace
// code.
package tandem.real

import spock.lang.Requires
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.console.TandemProcess
import tandem.panda.Arch
import tandem.rectrace.RecTraceSearch
import tandem.rectrace.TracePlugin

@Requires({ LinuxGuest.required('x86_64') })
@Stepwise
@Timeout(900)
class LinuxRecordTraceSpec extends LinuxSpecification {
    String target() { 'x86_64' }

    Arch arch() { Arch.X86_64 }

    static final long LSR_THRE = LinuxGuest.LSR_THRE, LSR_TEMT = LinuxGuest.LSR_TEMT

    /**
     * The guest command recorded, `ls /etc` (1.2e6-2.2e6 instructions): record TBs that the replay
     * runs through inside TBs of its own (TraceComparison) came in 4 of 7 of its recordings here;
     * in the one recording of `echo tandem` (3e5 instructions), none.
     */
    static final String COMMAND = LinuxGuest.COMMAND

    /** The recording, by `tandem record`'s driver with the trace plugin: NAME-tandem-trace beside it. */
    protected LinuxGuest.Recording recordOnce() {
        g.recordWith('ls', TracePlugin.launcherFor(g.panda, System.out), ['-panda', 'tandem_trace'], [], COMMAND)
    }

    /** No feature reads the plain gdb's witness. */
    protected boolean witnessNeeded() { false }

    /** --rep-cmd for a replay of {@code r}, named by path (the search runs it in the record trace's folder). */
    private String repCmd(LinuxGuest.Recording r) {
        def w = r.replayCommand(g.panda)
        w[-1] = r.dir.resolve(r.name).toString()
        words(w)
    }

    def "a recording PANDA replays to its end: no divergence, and the trace agrees to the end"() {
        given: 'PANDA replays the recording to its end'
        def plain = g.replay(recording)
        assert plain.completed && plain.exitCode == 0: LinuxGuest.lastLines(plain.output, 20)

        when:
        def o = RecTraceSearch.compare(RecTraceSearch.RecTrace.of(recording.name, recording.dir), repCmd(recording),
                new PrintStream(OutputStream.nullOutputStream()))
        def r = TandemProcess.run(['bisect', '--cwd', recording.dir.toString(), '--rec-trace', recording.name,
                                   '--rep-cmd', repCmd(recording), '--log'])

        println "clean replay against the record trace (${o.rec().entryCount()} TBs): ${o.result()}"

        then: 'every record TB was met by the replay, to the last one'
        o.result().agreesToTheEnd()
        o.result().recordLast() == o.rec().lastCount()
        o.result().comparedTbs() + o.result().uncomparedTbs() == o.rec().entryCount()
        o.result().comparedTbs() > 0.99 * o.rec().entryCount()

        and: 'tandem bisect says so'
        r.code == 1
        r.out.readLines().last() == 'the runs never diverge'
    }

    def "one UART status read changed in a copy of the nondet log: the first divergence is the TB after the read, and --log names that item"() {
        given: 'the status read nearest the middle of the log, transmitter-empty bits cleared, in a copy: the guest reads the port again'
        def log = NondetLog.read(recording.nondetLog())
        def item = LinuxGuest.uartStatusReadNearMiddle(log)
        def edited = g.edit(recording, item, item.value & ~(LSR_THRE | LSR_TEMT))
        int index = log.items.findIndexOf { it.offset == item.offset }
        String head = "{guest_instr_count=${item.instrCount}} ${item.kind} from ${item.callsite}"
        String was = String.format('0x%x', item.value), now = String.format('0x%x', edited.newValue)

        and: 'the TB boundaries around the read, as a plain gdb sees them in the edited replay (up to the read it is the record run, item for item)'
        def entries = g.tbEntries(edited.recording, item.instrCount, item.instrCount)
        long tbStart = entries.findAll { it <= item.instrCount }.max(), tbNext = entries.find { it > item.instrCount }

        when:
        def r = TandemProcess.run(['bisect', '--cwd', recording.dir.toString(), '--rec-trace', recording.name,
                                   '--rep-cmd', repCmd(edited.recording), '--log'])
        def lines = r.out.readLines()
        println "item #$index $head $was -> $now; gdb's TB boundaries around it ${entries.findAll { it >= tbStart - 40 }}; tandem:\n${r.out}"

        then: "the first divergence is the TB after the read: the status differs in rax; the TB that reads the port agrees"
        r.code == 0
        lines.last() == "first divergence at guest instruction $tbNext"
        lines.contains("differs at the TB beginning at guest instruction $tbNext: PC and registers (the TB before, at $tbStart, agrees)".toString())
        r.out.contains("rep: at guest instruction $tbNext:")

        and: 'the nondet log item: its index, count, call site and both values'
        lines.any { it.startsWith("rec consumed #$index $head $was there (item ${index + 1} of ") }
        lines.any { it.startsWith("rep consumed #$index $head $now there (item ${index + 1} of ") }
        r.out.contains("the logs first differ at item #$index: rec #$index $head $was | rep #$index $head $now")
        r.out.contains("why: an input value differs: item #$index ${item.kind} from ${item.callsite} at guest instruction ${item.instrCount}: rec $was, rep $now")
    }
}
