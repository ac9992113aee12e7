// The record run as the rec side, without rr, on the mipsel Linux guest, whose replay fails on its
// own (LINUX-GUESTS.md): a failure nobody injected. The right answer comes from QEMU's own logs of
// the record run and of the replay (QemuLog), never from tandem's trace code: the first TB where
// they differ, its guest instruction count read by gdb in that very replay. Where the replay leaves
// the record run depends on host timing (QEMU's MIPS timer runs on the host's clock in a replay as
// in a record run, hw/mips/cputimer.c), so it moves from replay to replay: truth and tandem are read
// from one replay, run with QEMU's log, gdb's counts and tandem's plugin writing its replay trace.
package tandem.real

import spock.lang.Requires
import spock.lang.Timeout
import tandem.panda.Arch
import tandem.rectrace.RecTraceSearch
import tandem.rectrace.TraceComparison
import tandem.panda.trace.TraceFile
import tandem.panda.trace.TracePlugin

import java.nio.file.Files
import java.nio.file.Path

@Requires({ LinuxGuest.required('mipsel') })
@Timeout(900)
class LinuxMipselRecordTraceSpec extends LinuxSpecification {
    String target() { 'mipsel' }

    Arch arch() { Arch.MIPS }

    /**
     * The guest command recorded: `echo tandem` (1.7e6 guest instructions, 285 MB of QEMU's log,
     * 26 s here). `ls /etc` (1.3e7) would log some 2 GB, and its replay fails as early (within
     * its first 10^5 instructions).
     */
    static final String COMMAND = 'echo tandem'

    static final String NAME = 'echo'

    /** QEMU's log of the record run, beside the recording. */
    private Path recordLog() { g.workDir.resolve(NAME).resolve('record.log') }

    /** The recording, by `tandem record`'s driver with the trace plugin, QEMU logging every TB from right before begin_record. */
    protected LinuxGuest.Recording recordOnce() {
        Files.createDirectories(recordLog().parent)
        g.recordWith(NAME, TracePlugin.launcherFor(g.panda, System.out), ['-panda', 'tandem_trace'],
                ["logfile ${recordLog()}".toString(), 'log cpu,exec,nochain'], COMMAND)
    }

    protected boolean witnessNeeded() { false }

    def "the natural failure: tandem's first divergence is the TB where QEMU's logs of the record run and of the replay first differ, and it names what differs"() {
        given: "one replay with QEMU's log (-d cpu,exec,nochain), gdb reading the count at each logged TB, and tandem's plugin writing its replay trace"
        long t0 = System.nanoTime()
        def dir = recording.dir
        def repTrace = dir.resolve('replay-trace')
        def logged = g.replayWithQemuLog(recording, dir.resolve('replay.log'), TracePlugin.launcherFor(g.panda, System.out),
                ['-panda', "tandem_trace:file=$repTrace".toString()])
        long replayMillis = logged.replay.millis
        long recSize = Files.size(recordLog()), repSize = Files.size(logged.log)

        and: "the logs compared without tandem: the first TB where PC, registers or CP0 Status/Cause/EPC differ, and the first where PC or registers do"
        def first = QemuLog.firstRegisterDifference(recordLog(), logged.log, true)
        def firstRegs = QemuLog.firstRegisterDifference(recordLog(), logged.log, false)
        int entries = 0
        def it = QemuLog.entries(logged.log)
        try { while (it.hasNext()) { it.next(); entries++ } } finally { it.close() }
        Files.delete(recordLog()); Files.delete(logged.log)

        expect: 'the replay fails on its own; each logged TB has its count; the logs differ before the replay ends (in PC or registers too, when it runs on long enough: where it fails moves with host timing)'
        !logged.replay.completed
        logged.counts.size() == entries
        first != null
        long truth = logged.counts[first.rep]
        Long truthRegs = firstRegs == null ? null : logged.counts[firstRegs.rep]

        when: "tandem's comparison of that replay's trace with the record trace, and its report"
        def rec = TraceFile.read(recording.dir.resolve(NAME + RecTraceSearch.SUFFIX))
        TraceComparison.checkBelongs(rec, recording.dir, NAME)
        def rep = TraceFile.read(repTrace)
        def result = TraceComparison.compare(rec, rep)
        def d = result.divergence()
        def o = new RecTraceSearch.Outcome(result, rec, rep, replayMillis, logged.replay.output,
                d != null && d.groups().contains(TraceComparison.Group.TLB) ? rep.tlbAt(d.count()) : [:])
        def out = new ByteArrayOutputStream()
        RecTraceSearch.describe(RecTraceSearch.RecTrace.of(NAME, recording.dir), o, new PrintStream(out, true))
        def lines = out.toString().readLines()
        Files.delete(repTrace)
        println "mipsel `$COMMAND`: record ${recording.recordMillis} ms, QEMU's logs ${recSize} + ${repSize} bytes; " +
                "replay under gdb ${replayMillis} ms to guest instruction ${logged.counts ? logged.counts[-1] : -1}, " +
                "whole feature ${(System.nanoTime() - t0).intdiv(1_000_000_000L)} s\n" +
                "logs first differ at $truth (${first.what}), in PC or registers at $truthRegs (${firstRegs?.what}); tandem: $result\n${out}"

        then: "the first divergence is the TB where the logs first differ, unless the trace shows a difference before in what QEMU does not log (TLB, other CP0 registers): not PC, registers or control flow"
        d != null
        d.count() <= truth
        d.count() == truth || (d.groups() && !(TraceComparison.Group.REGISTERS in d.groups()))

        and: "where what the logs hold differs first, tandem says so at that count: CP0 there if the logs differ in CP0, PC and registers where the logs' registers first differ"
        def logCp0 = first.what.any { it.split(' ')[0] in QemuLog.Format.SYSTEM }
        !logCp0 || result.firstByGroup()[TraceComparison.Group.SYSTEM] <= truth
        // where the logs never differ in PC or registers, the replay's log ends at its failure: no truth beyond it
        def regs = result.firstByGroup()[TraceComparison.Group.REGISTERS]
        truthRegs != null ? regs == truthRegs : regs == null || regs >= logged.counts[-1]

        and: "the report names the divergence and what differs: CP0 where the logs differ first in Cause, Status or EPC; where PC and registers first differ"
        def named = lines.find { it.startsWith("differs at the TB beginning at guest instruction ${d.count()}: ") || it.startsWith("at guest instruction ${d.count()} ") }
        named != null
        d.count() != truth || !logCp0 || named.contains(TraceComparison.Group.SYSTEM.label)
        truthRegs == null || truthRegs == d.count() || lines.contains("  ${TraceComparison.Group.REGISTERS.label} first differ at $truthRegs".toString())
    }
}
