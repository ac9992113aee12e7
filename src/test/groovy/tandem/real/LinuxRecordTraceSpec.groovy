// The record run as the rec side, without rr, on the x86_64 Linux guest: the guest command
// recorded from the shell prompt by `tandem record`'s driver (RecordRun) with tandem's trace
// plugin, and `tandem bisect --rec-trace` on a replay of it and of a copy whose nondet log has one
// serial input changed. The right answers come from the fixture: PANDA's own verdict on the
// replay, the item the fixture changed (its own nondet log reader), and QEMU's own logs of the
// record run and of the edited replay (QemuLog, gdb giving the logged TBs their counts); never
// from tandem's trace code.
package tandem.real

import spock.lang.Requires
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.console.TandemProcess
import tandem.panda.Arch
import tandem.rectrace.RecTraceSearch
import tandem.panda.trace.TracePlugin

import java.nio.file.Files

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

    /**
     * The guest command of the recording QEMU logs: `echo tandem`. A record run of `ls /etc` with
     * the monitor's `log cpu,exec,nochain` did not get back to the prompt within 600 s (load
     * average 20: 1.9e7 guest instructions, 4.7 GB of log); of `echo tandem` it did, in 48 s
     * (3.2e6 instructions against 3.4e5 plain, 816 MB of log).
     */
    static final String LOGGED_COMMAND = 'echo tandem'

    def "one UART status read changed in a copy of the nondet log: the first divergence is the TB where QEMU's logs of the record run and of the edited replay first differ, and --log names that item"() {
        given: "`echo tandem` recorded with the trace plugin, QEMU logging every TB from right before begin_record"
        long t0 = System.nanoTime()
        def recLog = Files.createDirectories(g.workDir.resolve('echo')).resolve('record.log')
        def source = g.recordWith('echo', TracePlugin.launcherFor(g.panda, System.out), ['-panda', 'tandem_trace'],
                ["logfile $recLog".toString(), 'log cpu,exec,nochain'], LOGGED_COMMAND)

        and: 'its status read nearest the middle of its log, transmitter-empty bits cleared, in a copy: the guest reads the port again'
        def log = NondetLog.read(source.nondetLog())
        def item = LinuxGuest.uartStatusReadNearMiddle(log)
        def edited = g.edit(source, item, item.value & ~(LSR_THRE | LSR_TEMT), 'echo-edited')
        int index = log.items.findIndexOf { it.offset == item.offset }
        String head = "{guest_instr_count=${item.instrCount}} ${item.kind} from ${item.callsite}"
        String was = String.format('0x%x', item.value), now = String.format('0x%x', edited.newValue)

        and: "the edited replay with QEMU's log (-d cpu,exec,nochain), gdb reading the count at each logged TB around the item"
        def logged = g.replayWithQemuLog(edited.recording, edited.recording.dir.resolve('replay.log'), g.panda, [], item.instrCount, item.instrCount + 1024)
        long recSize = Files.size(recLog), repSize = Files.size(logged.log)

        and: 'the logs compared without tandem: the first TB where RIP or the general registers differ'
        def diff = QemuLog.firstRegisterDifference(recLog, logged.log, false, QemuLog.Format.X86_64)
        int counted = diff == null ? -1 : diff.rep - QemuLog.entriesBefore(logged.log, logged.offset)
        Files.delete(recLog); Files.delete(logged.log)

        expect: 'the logs differ, at a TB gdb counted'
        diff != null
        counted >= 0 && counted < logged.counts.size()
        long truth = logged.counts[counted]

        when:
        def r = TandemProcess.run(['bisect', '--cwd', source.dir.toString(), '--rec-trace', source.name,
                                   '--rep-cmd', repCmd(edited.recording), '--log'])
        def lines = r.out.readLines()
        println "x86_64 `$LOGGED_COMMAND`: record ${source.recordMillis} ms, QEMU's logs $recSize + $repSize bytes, " +
                "logged replay ${logged.replay.millis} ms, whole feature ${(System.nanoTime() - t0).intdiv(1_000_000_000L)} s; " +
                "item #$index $head $was -> $now; the logs first differ at $truth: ${diff.what}; tandem:\n${r.out}"

        then: "the logs first differ in RAX, whose low byte is the status read (rec's value, then the edited one)"
        def rax = diff.what.find { it.startsWith('RAX ') }?.split(' ')?.getAt(1)?.split('/')
        rax != null
        (Long.parseUnsignedLong(rax[0], 16) & 0xff) == item.value
        (Long.parseUnsignedLong(rax[1], 16) & 0xff) == edited.newValue

        and: "tandem's first divergence is that TB, in PC and registers"
        r.code == 0
        lines.last() == "first divergence at guest instruction $truth"
        lines.any { it.startsWith("differs at the TB beginning at guest instruction $truth: PC and registers") }
        r.out.contains("rep: at guest instruction $truth:")

        and: 'the nondet log item: its index, count, call site and both values'
        lines.any { it.startsWith("rec consumed #$index $head $was there (item ${index + 1} of ") }
        lines.any { it.startsWith("rep consumed #$index $head $now there (item ${index + 1} of ") }
        r.out.contains("the logs first differ at item #$index: rec #$index $head $was | rep #$index $head $now")
        r.out.contains("why: an input value differs: item #$index ${item.kind} from ${item.callsite} at guest instruction ${item.instrCount}: rec $was, rep $now")
    }
}
