// The real PANDA (branch mips_serious_rec_attempt, built by scripts/build-panda) and the
// recordings of the MIPS guest that the real-PANDA specs run against. Every right answer the
// specs check (the edited log entry, the first tlbwr whose TLB entry differs) comes from here:
// from the recording, the nondet log and plain gdb on PANDA, never from tandem.
package tandem.real

import groovy.transform.Canonical
import tandem.cli.RecordRun

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

class RealPanda {
    /** System property, then environment variable, naming the real panda-system-mips. */
    static final String PROPERTY = 'tandem.realPanda', ENV = 'TANDEM_REAL_PANDA'

    /** The one line saying how to run the real-PANDA specs, when they cannot run here. */
    static final String HOW_TO_ENABLE = 'real-PANDA specs skipped: set TANDEM_REAL_PANDA (or -Dtandem.realPanda) ' +
            'to the panda-system-mips printed by scripts/build-panda, and install gcc-mips-linux-gnu for the guest'

    /** Guest lengths (guest instructions) of the fixtures: short enough to replay in about a second. */
    static final long LENGTH = 2_000_000L, TLB_LENGTH = 3_000_000L

    /** How many tlbwr of each TLB-case replay gdb logs to find the first one whose entry differs. */
    static final int TLBWR_LOGGED = 20

    /** Seconds a record or replay may take: a base plus guest instructions at a slow 1e6 per second. */
    static long timeoutSeconds(long instrs) { 60 + instrs.intdiv(1_000_000L) }

    /** The real panda-system-mips, or null when neither the property nor the variable names one. */
    static Path binary() {
        String p = System.getProperty(PROPERTY)
        if (!p?.trim()) p = System.getenv(ENV)
        if (!p?.trim()) return null
        def path = Path.of(p.trim()).toAbsolutePath()
        if (!Files.isExecutable(path)) throw new IllegalStateException("$PROPERTY / $ENV: $path is not an executable panda-system-mips")
        path
    }

    /** True when both the real PANDA and the guest are there. */
    static boolean isAvailable() { binary() != null && MipsGuest.elf() != null }

    /** Environment variable that makes the real-PANDA specs run, and fail, when PANDA or the guest is missing: CI sets it. */
    static final String REQUIRE_ENV = 'TANDEM_REQUIRE_REAL_PANDA'

    /** The specs' @Requires: they run when PANDA and the guest are there, and always in CI (then a missing one fails them). */
    static boolean required() { isAvailable() || System.getenv(REQUIRE_ENV) == '1' }

    private static RealPanda shared

    /**
     * The fixtures of this test run, made on first use in one temp dir; {@link RealPandaRun} removes
     * it when Spock has run every spec (and a shutdown hook, if the JVM ends first).
     */
    static synchronized RealPanda get() {
        if (shared == null) {
            if (!available) throw new IllegalStateException(HOW_TO_ENABLE)
            def fixtures = new RealPanda(binary(), MipsGuest.elf(), Files.createTempDirectory('tandem-real-'))
            Runtime.runtime.addShutdownHook(new Thread({ fixtures.close() }))
            shared = fixtures
        }
        shared
    }

    /** Ends the shared fixtures, if any were made: their processes and their temp dir. */
    static synchronized void closeShared() {
        shared?.close()
        shared = null
    }

    // ---------------------------------------------------------------------------------------------

    /** A recording NAME-rr-snp / NAME-rr-nondet.log in {@code dir}, of {@code guest}. */
    @Canonical
    static class Recording {
        Path dir
        String name
        Path guest
        /** What PANDA printed while recording (or gdb and PANDA, for a recording under gdb). */
        String recordOutput
        long recordMillis

        Path snapshot() { dir.resolve("$name-rr-snp") }
        Path nondetLog() { dir.resolve("$name-rr-nondet.log") }

        /** The replay command line (PANDA.md), to run in {@link #dir}. */
        List<String> replayCommand(Path panda) {
            [panda.toString(), '-M', 'malta', '-m', '128M', '-kernel', guest.toString(), '-nographic', '-replay', name]
        }
    }

    /** A copy of a recording whose nondet log has one input value changed. */
    @Canonical
    static class EditedRecording {
        Recording recording
        /** The item changed, as it is in the unchanged log. */
        NondetLog.Item original
        long newValue

        /** The guest instruction count of the edited log entry. */
        long getEditedCount() { original.instrCount }
    }

    /** One tlbwr seen by gdb in a replay: count while it executes (the tlbwr included), entry written, PC. */
    @Canonical
    static class Tlbwr {
        long instrCount
        int index
        long pc

        String toString() { "tlbwr at {guest_instr_count=$instrCount} pc 0x${Long.toHexString(pc)} wrote entry $index" }
    }

    /** PANDA's own MIPS TLB divergence (PANDA.md): a recording begun after the guest ran tlbwr. */
    @Canonical
    static class TlbDivergence {
        Recording recording
        /** `'cpu_mips_get_random'::seed` and `::prev_idx` at rr_do_begin_record. */
        long seed
        long prevIdx
        /** The first tlbwr of the plain replay and of the seed-restored replay (as many as gdb logged). */
        List<Tlbwr> plainTlbwrs
        List<Tlbwr> restoredTlbwrs

        /** gdb commands to run at rr_do_begin_replay so that the replay is the record run again. */
        List<String> getSeedRestoreCommands() { RealPanda.seedRestoreCommands(seed, prevIdx) }

        /** The guest instruction count of the first tlbwr after the recording began. */
        long getFirstTlbwrCount() { plainTlbwrs[0].instrCount }

        /**
         * The first tlbwr at which the two replays write different TLB entries: from its count
         * on (after that instruction) the TLBs differ. Both replays run the same instructions
         * until then, so the counts of the earlier tlbwr agree (checked).
         */
        Tlbwr getFirstDifferingTlbwr() {
            int n = Math.min(plainTlbwrs.size(), restoredTlbwrs.size())
            for (int i = 0; i < n; i++) {
                def (p, r) = [plainTlbwrs[i], restoredTlbwrs[i]]
                if (p.instrCount != r.instrCount || p.pc != r.pc)
                    throw new IllegalStateException("tlbwr #$i: the replays ran apart before their TLBs differed: $p vs $r")
                if (p.index != r.index) return p
            }
            throw new IllegalStateException("the first $n tlbwr of both replays wrote the same entries")
        }
    }

    /** A finished replay: its exit code (134 for an rr_assertion's abort), what it printed, how long it took. */
    @Canonical
    static class Replay {
        int exitCode
        String output
        long millis

        boolean isCompleted() { output.contains('Replay completed successfully') }
    }

    // ---------------------------------------------------------------------------------------------

    final Path panda
    final Path guest
    final Path workDir
    private final FixtureProcesses processes = new FixtureProcesses()
    private Recording unchanged
    private EditedRecording edited
    private TlbDivergence tlb
    /** Milliseconds each fixture took to make, for reports. */
    final Map<String, Long> setupMillis = Collections.synchronizedMap([:])

    RealPanda(Path panda, Path guest, Path workDir) {
        this.panda = panda; this.guest = guest; this.workDir = workDir
    }

    /** (a) The guest recorded from its first instruction: its plain replay completes. */
    synchronized Recording unchanged() {
        if (unchanged == null) {
            timed('unchanged') {
                def dir = Files.createDirectories(workDir.resolve('unchanged'))
                def elf = MipsGuest.withLength(guest, LENGTH, dir.resolve('guest.elf'))
                unchanged = record(dir, 'guest', elf, false)
            }
        }
        unchanged
    }

    /** Guest instructions of {@link #far()}: past 10^7, where reverse moves are about the index. */
    static final long FAR_LENGTH = 12_000_000L
    private Recording far

    /** (d) Like {@link #unchanged()}, {@link #FAR_LENGTH} guest instructions long. */
    synchronized Recording far() {
        if (far == null) {
            timed('far') {
                def dir = Files.createDirectories(workDir.resolve('far'))
                far = record(dir, 'guest', MipsGuest.withLength(guest, FAR_LENGTH, dir.resolve('guest.elf')), false)
            }
        }
        far
    }

    /**
     * (b) A copy of {@link #unchanged()} with one input changed: the value of the UART line status
     * register read (RR_INPUT_8 from RR_CALLSITE_IO_READ_ALL) nearest the middle of the log, with
     * its transmitter-empty bit cleared. The guest then polls once more than it did when
     * recorded, so the replay fails right after consuming that entry.
     */
    synchronized EditedRecording edited() {
        if (edited == null) {
            def source = unchanged()
            timed('edited') {
                def log = NondetLog.read(source.nondetLog())
                long middle = log.lastInstrCount.intdiv(2)
                def item = log.items.findAll {
                    it.kind == 'RR_INPUT_8' && it.callsite == 'RR_CALLSITE_IO_READ_ALL' && (it.value & LSR_THRE)
                }.min { Math.abs(it.instrCount - middle) }
                if (item == null) throw new IllegalStateException("${source.nondetLog()}: no UART status read to edit: ${log.countByKind()}")
                def dir = Files.createDirectories(workDir.resolve('edited'))
                Files.copy(source.guest, dir.resolve('guest.elf'))
                Files.copy(source.snapshot(), dir.resolve("${source.name}-rr-snp"))
                long newValue = item.value & ~LSR_THRE
                log.copyWithValue(item, newValue, dir.resolve("${source.name}-rr-nondet.log"))
                def copy = new Recording(dir, source.name, dir.resolve('guest.elf'), source.recordOutput, source.recordMillis)
                edited = new EditedRecording(copy, item, newValue)
            }
        }
        edited
    }

    /** guest.S LSR_THRE: the line status bit the guest waits for before sending a byte. */
    static final long LSR_THRE = 0x20

    /**
     * (c) A recording begun once the guest has printed "tlbwr ok" (so QEMU's Random seed has
     * moved), taken under gdb, which prints the seed and prev_idx at rr_do_begin_record; then
     * both replays under gdb, logging their first {@link #TLBWR_LOGGED} tlbwr (count, entry,
     * PC at `r4k_invalidate_tlb if use_extra`, which only tlbwr calls with use_extra set): the
     * plain one (which fails) and the one with the seed restored (which completes).
     */
    synchronized TlbDivergence tlbDivergence() {
        if (tlb == null) {
            timed('tlbDivergence') {
                def dir = Files.createDirectories(workDir.resolve('tlb'))
                def elf = MipsGuest.withLength(guest, TLB_LENGTH, dir.resolve('guest.elf'))
                def rec = record(dir, 'guest', elf, true)
                def begin = recordTime(rec.recordOutput, 'begin'), written = recordTime(rec.recordOutput, 'written')
                if (begin == null || written == null)
                    throw new IllegalStateException("gdb printed no seed at rr_do_begin_record:\n${rec.recordOutput}")
                // the guest is stopped during begin_record (see record): if it ran while the snapshot
                // was written, the seed read at rr_do_begin_record would not be the snapshot's
                if (begin != written)
                    throw new IllegalStateException("the guest ran while the snapshot was written: [seed, prev_idx, pc] $begin then $written")
                tlb = tlbDivergenceOf(rec, begin[0], begin[1])
            }
        }
        tlb
    }

    /**
     * The TLB case of a late recording {@code rec} whose record run had Random state
     * {@code seed}, {@code prevIdx} at rr_do_begin_record: both replays under gdb, logging their
     * tlbwr. Fails unless the plain one fails, the one given the state completes, and the two
     * agree until their first tlbwr that writes another entry.
     */
    TlbDivergence tlbDivergenceOf(Recording rec, long seed, long prevIdx) {
        def plain = replayUnderGdb(rec, [], true)
        if (plain.completed) throw new IllegalStateException("the late recording's plain replay completed:\n${plain.output}")
        def restored = replayUnderGdb(rec, seedRestoreCommands(seed, prevIdx), true)
        if (!restored.completed) throw new IllegalStateException("the seed-restored replay failed:\n${restored.output}")
        def t = new TlbDivergence(rec, seed, prevIdx, tlbwrs(plain.output), tlbwrs(restored.output))
        if (!t.plainTlbwrs) throw new IllegalStateException("gdb saw no tlbwr in the replay:\n${plain.output}")
        t.firstDifferingTlbwr   // checks the two replays agree until their TLBs differ
        t
    }

    /** gdb commands setting QEMU's Random state (hw/mips/cputimer.c cpu_mips_get_random's statics: UnloggedState.MIPS). */
    static List<String> seedRestoreCommands(long seed, long prevIdx) {
        def (seedExpr, prevIdxExpr) = tandem.panda.UnloggedState.expressions(tandem.panda.Arch.MIPS)
        tandem.panda.UnloggedState.restoreCommands([(seedExpr): seed, (prevIdxExpr): prevIdx])
    }

    private static List<Tlbwr> tlbwrs(String gdbOutput) {
        (gdbOutput =~ /(?m)^tlbwr count (\d+) index (\d+) pc 0x([0-9a-f]+)$/).collect { all, count, index, pc ->
            new Tlbwr(count as long, index as int, Long.parseLong(pc, 16))
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A plain replay of {@code r} (no gdb), in its directory. */
    Replay replay(Recording r) {
        run(r.replayCommand(panda), r.dir, timeoutSeconds(MipsGuest.MAX_LENGTH))
    }

    /**
     * A replay of {@code r} under `gdb -batch` that runs {@code atBeginReplay} at
     * rr_do_begin_replay and, if {@code logTlbwr}, prints its first {@link #TLBWR_LOGGED} tlbwr as
     * `tlbwr count N index I pc 0xP`, then runs {@code then} (by default just `run`; gdb -batch
     * kills the replay when the script ends).
     */
    Replay replayUnderGdb(Recording r, List<String> atBeginReplay, boolean logTlbwr = false, List<String> then = ['run']) {
        def script = new StringBuilder(GDB_PREAMBLE)
        if (atBeginReplay) script << "break rr_do_begin_replay\ncommands\nsilent\n${atBeginReplay.join('\n')}\ncontinue\nend\n"
        if (logTlbwr) script << """set \$tlbwr_seen = 0
break r4k_invalidate_tlb if use_extra
commands
silent
printf "tlbwr count %llu index %d pc 0x%llx\\n", cpus->tqh_first->rr_guest_instr_count, idx, cpus->tqh_first->panda_guest_pc
set \$tlbwr_seen = \$tlbwr_seen + 1
if \$tlbwr_seen >= $TLBWR_LOGGED
disable \$bpnum
end
continue
end
"""
        script << then.join('\n') << '\n'
        def file = Files.createTempFile(r.dir, 'replay-', '.gdb')
        Files.writeString(file, script)
        run(['gdb', '-batch', '-nx', '-x', file.toString(), '--args', *r.replayCommand(panda)], r.dir, timeoutSeconds(MipsGuest.MAX_LENGTH))
    }

    /**
     * A replay of {@code r} with QEMU's log of every TB entered written to {@code log}
     * (`-d cpu,exec,nochain -D LOG`), under `gdb -batch`, which prints the guest instruction count
     * at each entry to cpu_tb_exec (where that log line is written): `tb count N pc 0xP`, one per
     * log entry, in order. Returns the replay and those counts.
     */
    List replayWithQemuLog(Recording r, Path log) {
        def script = Files.createTempFile(r.dir, 'replay-log-', '.gdb')
        Files.writeString(script, GDB_PREAMBLE + """break cpu_tb_exec
commands
silent
printf "tb count %llu pc 0x%x\\n", cpu->rr_guest_instr_count, itb->pc
continue
end
run
""")
        def replay = run(['gdb', '-batch', '-nx', '-x', script.toString(), '--args', *r.replayCommand(panda),
                          '-d', 'cpu,exec,nochain', '-D', log.toString()], r.dir, timeoutSeconds(MipsGuest.MAX_LENGTH))
        List<Long> counts = (replay.output =~ /(?m)^tb count (\d+) pc 0x[0-9a-f]+/).collect { List<String> m -> m[1] as long }
        [replay, counts]
    }

    /**
     * Records {@code elf} as {@code name} in {@code dir} (PANDA.md's record command line, monitor
     * and UART on unix sockets). Not {@code late}: begin_record while the guest is still stopped
     * before its first instruction (-S), then cont. {@code late}: run under gdb, which prints the
     * Random state and PC at rr_do_begin_record and once the snapshot is written; cont, and once
     * the guest has printed "tlbwr ok" (and waits for its go byte): stop, begin_record, cont.
     * Either way the go byte is sent once recording has begun, and end_record once the guest has
     * printed "done", then q. {@code program} and {@code extraArgs}: another PANDA launcher of the
     * same build and arguments after PANDA.md's (tandem's trace plugin: RecordTraceSpec).
     */
    Recording record(Path dir, String name, Path elf, boolean late, Path program = panda, List<String> extraArgs = []) {
        List<String> cmd = [program.toString(), '-M', 'malta', '-m', '128M', '-kernel', elf.toString(), '-display', 'none', *extraArgs]
        if (late) {
            def script = dir.resolve('record.gdb')
            Files.writeString(script, GDB_PREAMBLE + """break rr_do_begin_record
commands
silent
printf "${seedPrintf('begin')}\\n", $SEED_ARGS
continue
end
break rr_create_record_log
commands
silent
printf "${seedPrintf('written')}\\n", $SEED_ARGS
continue
end
run
""")
            // RecordRun appends its monitor and serial sockets to the command: gdb's --args, so PANDA's
            cmd = ['gdb', '-batch', '-nx', '-x', script.toString(), '--args', *cmd]
        }
        // tandem's record run drives the monitor (tandem.cli.RecordRun; `tandem record` is the same)
        def plan = new RecordRun.Plan(cmd, dir, name, [], late ? MipsGuest.TLBWR_DONE : null, MipsGuest.GO, MipsGuest.END, 0,
                timeoutSeconds(MipsGuest.length(elf)))
        def res = RecordRun.run(plan, new PrintStream(OutputStream.nullOutputStream()))
        new Recording(dir, name, elf, res.output(), res.millis())
    }

    /**
     * What gdb prints of the Random state and the guest PC at rr_do_begin_record ("begin") and at
     * rr_create_record_log ("written", called once the snapshot is written, before recording starts).
     */
    private static String seedPrintf(String when) { "record-time $when seed %u prev_idx %u pc 0x%x" }
    private static final String SEED_ARGS = "'cpu_mips_get_random'::seed, 'cpu_mips_get_random'::prev_idx, " +
            '((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.PC'

    /** How every gdb script here starts: batch-friendly, pending breakpoints (libpanda-mips.so
     * loads at run time), and PANDA's SIGPIPE when a socket client leaves is none of gdb's business. */
    static final String GDB_PREAMBLE = 'set pagination off\nset confirm off\nset breakpoint pending on\n' +
            'handle SIGPIPE nostop noprint pass\n'

    /** [seed, prev_idx, pc] printed at {@code when} ("begin" or "written"), or null. */
    private static List<Long> recordTime(String output, String when) {
        def m = output =~ /record-time $when seed (\d+) prev_idx (\d+) pc 0x([0-9a-f]+)/
        m.find() ? [m.group(1) as long, m.group(2) as long, Long.parseLong(m.group(3), 16)] : null
    }

    // ---------------------------------------------------------------------------------------------
    // Processes: tracked by `processes`, which close() ends, children first.

    private Process start(List<String> cmd, Path dir, Path out) { processes.start(cmd, dir, out) }

    private void stop(Process p) { processes.stop(p) }

    private Replay run(List<String> cmd, Path dir, long timeoutSeconds) {
        long t0 = System.nanoTime()
        def out = Files.createTempFile(dir, 'run-', '.out')
        def p = start(cmd, dir, out)
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS))
                throw new IllegalStateException("${cmd.join(' ')} did not end in $timeoutSeconds s:\n${Files.readString(out)}")
            new Replay(p.exitValue(), Files.readString(out), (System.nanoTime() - t0).intdiv(1_000_000L))
        } finally {
            stop(p)
        }
    }

    private <T> T timed(String what, Closure<T> body) {
        long t0 = System.nanoTime()
        try {
            body()
        } finally {
            setupMillis[what] = (System.nanoTime() - t0).intdiv(1_000_000L)
        }
    }

    /** Ends what is still running and removes the work directory. */
    synchronized void close() {
        processes.endAll()
        if (Files.exists(workDir)) workDir.toFile().deleteDir()
    }
}
