// A Linux guest on the real PANDA (x86_64, mipsel or arm: scripts/build-panda --target and
// scripts/linux-guest) and the one recording each Linux*Spec class runs against: the guest booted
// to its shell prompt, then `ls /etc` recorded from that prompt to the next (LINUX-GUESTS.md).
// Every right answer the specs check comes from here (the recording, the nondet log, a plain gdb
// on PANDA), never from tandem.
package tandem.real

import tandem.cli.RecordRun

import groovy.transform.Canonical
import tandem.panda.PandaCommand
import tandem.panda.PandaSide

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

class LinuxGuest implements Closeable {
    /** The guests scripts/linux-guest makes, by their name there (QEMU's target name). */
    static final List<String> ARCHS = ['x86_64', 'mipsel', 'arm']

    /** Environment variable naming the cache root of scripts/linux-guest (its DIR; default ~/.cache/tandem/guests). */
    static final String GUEST_ENV = 'TANDEM_LINUX_GUEST_DIR'

    /** Environment variable naming the panda-system-ARCH of {@code arch}: TANDEM_REAL_PANDA_X86_64 and so on. */
    static String pandaEnv(String arch) { 'TANDEM_REAL_PANDA_' + arch.toUpperCase(Locale.ROOT) }

    /** The guest command recorded, and the seconds a boot to the prompt may take (17-37 s measured). */
    static final String COMMAND = 'ls /etc'

    /** UART line status register bits (hw/char/serial.c UART_LSR_THRE, UART_LSR_TEMT). */
    static final long LSR_THRE = 0x20, LSR_TEMT = 0x40

    /**
     * The x86_64 guest's UART status read (transmitter empty) nearest the middle of {@code log},
     * the item the specs change. An x86 `in` reaches the device through address_space_ldub
     * (memory_ldst.inc.c), which logs the MemTxResult (RR_INPUT_4) and the value (RR_INPUT_8)
     * from RR_CALLSITE_READ_1.
     */
    static def uartStatusReadNearMiddle(log) {
        long middle = log.lastInstrCount.intdiv(2)
        def item = log.items.findAll {
            it.kind == 'RR_INPUT_8' && it.callsite == 'RR_CALLSITE_READ_1' && it.value == (LSR_THRE | LSR_TEMT)
        }.min { Math.abs(it.instrCount - middle) }
        assert item: "no UART status read in ${log.countByKind()}"
        item
    }
    static final long BOOT_SECONDS = 300

    /** The panda-system-ARCH named by {@link #pandaEnv}, or null. */
    static Path binary(String arch) {
        String p = System.getenv(pandaEnv(arch))
        if (!p?.trim()) return null
        def path = Path.of(p.trim()).toAbsolutePath()
        if (!Files.isExecutable(path)) throw new IllegalStateException("${pandaEnv(arch)}: $path is not an executable panda-system-$arch")
        path
    }

    /** The guest folder scripts/linux-guest made for {@code arch} (ROOT/ARCH), or null. */
    static Path guestDir(String arch) {
        String root = System.getenv(GUEST_ENV)
        def dir = (root?.trim() ? Path.of(root.trim()) : Path.of(System.getProperty('user.home'), '.cache', 'tandem', 'guests')).resolve(arch)
        Files.isRegularFile(dir.resolve('.made')) ? dir.toRealPath() : null
    }

    static boolean isAvailable(String arch) { binary(arch) != null && guestDir(arch) != null }

    /** The specs' @Requires: they run when the build and the guest are there, and always in CI (then a missing one fails them). */
    static boolean required(String arch) { isAvailable(arch) || System.getenv(RealPanda.REQUIRE_ENV) == '1' }

    /** What to do when they cannot run here. */
    static String howToEnable(String arch) {
        "Linux $arch specs need ${pandaEnv(arch)} set to the panda-system-$arch printed by " +
                "`scripts/build-panda --target $arch-softmmu`, and the guest made by `scripts/linux-guest $arch` " +
                "(in ~/.cache/tandem/guests, or the DIR given it as $GUEST_ENV)"
    }

    /** The fixture of one spec class: {@code arch}'s PANDA and guest, a temp work dir, nothing recorded yet. */
    static LinuxGuest open(String arch) {
        if (!isAvailable(arch)) throw new IllegalStateException(howToEnable(arch))
        def g = new LinuxGuest(arch, binary(arch), guestDir(arch), Files.createTempDirectory("tandem-linux-$arch-"))
        Runtime.runtime.addShutdownHook(g.hook)
        g
    }

    // ---------------------------------------------------------------------------------------------

    /** A recording NAME-rr-snp / NAME-rr-nondet.log in {@code dir} of this guest. */
    @Canonical
    static class Recording {
        Path dir
        String name
        List<String> guestArgs
        /** PANDA's monitor output while recording, and the guest's serial output. */
        String monitorText
        String serialText
        long recordMillis

        Path snapshot() { dir.resolve("$name-rr-snp") }
        Path nondetLog() { dir.resolve("$name-rr-nondet.log") }

        /** The replay command line: the guest part of the record command, then -replay NAME. */
        List<String> replayCommand(Path panda) { [panda.toString(), *guestArgs, '-replay', name] }
    }

    /** A copy of a recording whose nondet log has one input value changed. */
    @Canonical
    static class EditedRecording {
        Recording recording
        NondetLog.Item original
        long newValue
    }

    final String arch
    final Path panda
    final Path guest
    final Path workDir
    /** PANDA's arguments after the binary (scripts/linux-guest's `args`), and the shell prompt. */
    final List<String> guestArgs
    final String prompt
    private final FixtureProcesses processes = new FixtureProcesses()
    private final Thread hook = new Thread({ close() })

    LinuxGuest(String arch, Path panda, Path guest, Path workDir) {
        this.arch = arch; this.panda = panda; this.guest = guest; this.workDir = workDir
        guestArgs = Files.readAllLines(guest.resolve('args')).findAll { it }
        prompt = Files.readString(guest.resolve('prompt')).trim()
    }

    /**
     * Boots the guest with its monitor and serial port on unix sockets (-S), waits for the shell
     * prompt, then: stop, begin_record NAME, (the nondet log exists) cont, {@code command} on the
     * serial port, the prompt again, end_record, q. {@code guestArgs} replaces the guest's own
     * arguments (a kernel that does not boot, say).
     */
    Recording record(String name = 'ls', String command = COMMAND, List<String> args = guestArgs, long bootSeconds = BOOT_SECONDS) {
        def dir = Files.createDirectories(workDir.resolve(name))
        // tandem's own record run (tandem record): boots with -S and the monitor and serial port on
        // unix sockets, waits for the prompt, begin_record with the guest stopped, the command, the
        // prompt again, end_record, q; no trace plugin, as a user's PANDA has none
        def plan = new RecordRun.Plan([panda.toString(), *args], dir, name, [], prompt, command + '\n', prompt, 0, bootSeconds)
        def result = RecordRun.run(plan, new PrintStream(OutputStream.nullOutputStream()))
        def rec = new Recording(dir, name, args, result.output(), result.guestOutput(), result.millis())
        if (!Files.exists(rec.nondetLog())) throw new IllegalStateException("no ${rec.nondetLog()} after recording:\n${result.output()}")
        rec
    }

    /**
     * Records as {@link #record} does, through {@code program} (a launcher of this PANDA build: the
     * copy that loads tandem's trace plugin, TracePlugin.launcherFor) with {@code extraArgs} after
     * the guest's (`-panda tandem_trace`, which writes NAME-tandem-trace beside the recording), and
     * the {@code monitor} commands right before begin_record.
     */
    Recording recordWith(String name, Path program, List<String> extraArgs, List<String> monitor = [],
                         String command = COMMAND, long bootSeconds = BOOT_SECONDS) {
        def dir = Files.createDirectories(workDir.resolve(name))
        def plan = new RecordRun.Plan([program.toString(), *guestArgs, *extraArgs], dir, name, monitor, prompt, command + '\n', prompt, 0, bootSeconds)
        def result = RecordRun.run(plan, new PrintStream(OutputStream.nullOutputStream()))
        def rec = new Recording(dir, name, guestArgs, result.output(), result.guestOutput(), result.millis())
        if (!Files.exists(rec.nondetLog())) throw new IllegalStateException("no ${rec.nondetLog()} after recording:\n${lastLines(result.output(), 40)}")
        rec
    }

    /** The last lines of a console's text, for a message. */
    static String lastLines(String text, int n = 15) {
        def lines = text.readLines()
        lines.subList(Math.max(0, lines.size() - n), lines.size()).join('\n')
    }

    /**
     * A copy of {@code source} (its snapshot and its nondet log) in {@code name}/ with the value of
     * {@code item} replaced by {@code newValue}.
     */
    EditedRecording edit(Recording source, NondetLog.Item item, long newValue, String name = 'edited') {
        def dir = Files.createDirectories(workDir.resolve(name))
        Files.copy(source.snapshot(), dir.resolve("${source.name}-rr-snp"))
        def log = NondetLog.read(source.nondetLog())
        log.copyWithValue(log.items.find { it.offset == item.offset } ?: item, newValue, dir.resolve("${source.name}-rr-nondet.log"))
        new EditedRecording(new Recording(dir, source.name, source.guestArgs, source.monitorText, source.serialText, 0), item, newValue)
    }

    /**
     * The bytes the guest read from the UART's receive buffer, in order: each RR_INPUT_8 logged at
     * the count of an RR_CALL_SERIAL_READ skipped call (hw/char/serial.c serial_ioport_read logs the
     * call, then the I/O read's value, memory_region_dispatch_read's RR_CALLSITE_IO_READ_ALL): as
     * mipsel's malta logs them (an x86 `in` logs its value from RR_CALLSITE_READ_1 instead).
     */
    static List<NondetLog.Item> serialBytes(NondetLog log) {
        def readAt = log.items.findAll { it.skippedCall == 'RR_CALL_SERIAL_READ' }*.instrCount as Set
        log.items.findAll { it.kind == 'RR_INPUT_8' && it.callsite == 'RR_CALLSITE_IO_READ_ALL' && it.instrCount in readAt }
    }

    /** A side replaying {@code r} under a plain gdb, as tandem opens a replay command line. */
    PandaSide side(String name, Recording r, List<String> atBegin = []) {
        PandaSide.command(name, new PandaCommand(r.replayCommand(panda), r.dir, atBegin), RealPandaPair.GDB)
    }

    /** A plain replay of {@code r} (no gdb), in its directory. */
    RealPanda.Replay replay(Recording r, long timeoutSeconds = 600) {
        run(r.replayCommand(panda), r.dir, timeoutSeconds)
    }

    /** A replay of {@code r} under `gdb -batch` running {@code script} (after RealPanda.GDB_PREAMBLE). */
    RealPanda.Replay replayUnderGdb(Recording r, List<String> script, long timeoutSeconds = 600) {
        def file = Files.createTempFile(r.dir, 'replay-', '.gdb')
        Files.writeString(file, RealPanda.GDB_PREAMBLE + script.join('\n') + '\n')
        run(['gdb', '-batch', '-nx', '-x', file.toString(), '--args', *r.replayCommand(panda)], r.dir, timeoutSeconds)
    }

    /** gdb's condition that the guest runs in user mode, on the arch state (kernels here map themselves high). */
    static final Map<String, String> USER_MODE = [
            x86_64: '((CPUX86State *) cpus->tqh_first->env_ptr)->eip < 0x800000000000',
            mipsel: '((CPUMIPSState *) cpus->tqh_first->env_ptr)->active_tc.PC < 0x80000000',
            arm   : '((CPUARMState *) cpus->tqh_first->env_ptr)->regs[15] < 0xc0000000']

    /**
     * What a plain gdb reads in a replay of a recording at two TBs: the first TB after
     * rr_do_begin_replay (in the kernel: the recordings begin at the shell's prompt, waiting in the
     * kernel for the serial port) and the first TB in user mode ({@link #USER_MODE}). At each, the
     * guest instruction count (`count`), every expression given, and `v2p`: PANDA's
     * panda_virt_to_phys of the PC there. Not {@code user}: the first TB only (a mipsel replay
     * slowed down by gdb's condition on every TB was seen to stop at PANDA's detect_infinite_loops
     * assertion, where the plain replay goes on to another failure).
     */
    @Canonical
    static class Witness {
        Map<String, BigInteger> kernel
        Map<String, BigInteger> user

        long getKernelAt() { kernel.count as long }
        long getUserAt() { user.count as long }
    }

    Witness witness(Recording r, Map<String, String> exprs, String pcExpr, boolean user = true) {
        def all = [count: 'cpus->tqh_first->rr_guest_instr_count', *: exprs,
                   v2p: "panda_virt_to_phys(cpus->tqh_first, $pcExpr)".toString()]
        def prints = { String where -> all.collect { name, e -> "printf \"$where $name %llu\\n\", (unsigned long long) ($e)".toString() } }
        def script = ['break rr_do_begin_replay', 'run', 'break cpu_loop_exec_tb', 'continue', *prints('kernel')]
        if (user) script += ['delete', "break cpu_loop_exec_tb if ${USER_MODE[arch]}".toString(), 'continue', *prints('user')]
        def out = replayUnderGdb(r, script).output
        def read = { String where ->
            Map<String, BigInteger> values = [:]
            (out =~ /(?m)^$where (\S+) (\d+)$/).each { List<String> m -> values[m[1]] = new BigInteger(m[2]) }
            values
        }
        def w = new Witness(read('kernel'), read('user'))
        if (w.kernel.keySet() != all.keySet() || (user && w.user.keySet() != all.keySet()))
            throw new IllegalStateException("gdb printed ${w.kernel.keySet()} and ${w.user.keySet()} of ${all.keySet()}:\n${lastLines(out, 40)}")
        w
    }

    /**
     * gdb commands that take a replay (not yet run) to the first TB it enters at or past guest
     * instruction {@code start}, stopped at cpu_loop_exec_tb (before cpu_tb_exec runs and logs
     * it; that breakpoint is left, conditional on the count): at full speed up to the last debug_counter period start at or below
     * {@code start} (debug_counter is first called once 2^17 guest instructions have run,
     * cpu-exec.c debug_checkpoint). Below that, PANDA's own stop at a count: at the first TB past
     * temp_rr_bp_instr it calls cpu_rr_breakpoint_insert (cpu-exec.c:856-860), which gdb returns
     * from before it runs. A mipsel replay slowed down by a condition on every TB from its start
     * was seen to fail (FOUND DISAGREEMENT) within 8000 guest instructions, where the plain replay
     * went on past 60000.
     */
    private static List<String> toFirstTbFrom(long start) {
        long period = start.intdiv(131_072L) * 131_072L
        def toPeriod = period > 0 ? ["break debug_counter if cpus->tqh_first->rr_guest_instr_count >= $period".toString(), 'run']
                : start > 0 ? ['break rr_do_begin_replay', 'run', 'delete', "set var cpus->tqh_first->temp_rr_bp_instr = $start".toString(),
                               'break cpu_rr_breakpoint_insert', 'continue', 'return 0']
                : ['break rr_do_begin_replay', 'run']
        [*toPeriod, 'delete', "break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count >= $start".toString(), 'continue']
    }

    /**
     * The guest instruction counts at which a plain gdb sees the replay of {@code r} enter TBs
     * (`break cpu_loop_exec_tb`), from the last debug_counter period start at or below
     * {@code from} - 1024 (or rr_do_begin_replay) up to the first TB entered past {@code to}: the TB boundaries around a
     * count, found without tandem.
     */
    List<Long> tbEntries(Recording r, long from, long to) {
        long start = Math.max(0L, from - 1024)
        def out = replayUnderGdb(r, [*toFirstTbFrom(start),
                "while cpus->tqh_first->rr_guest_instr_count <= $to".toString(),
                'printf "tb-entry %llu\\n", cpus->tqh_first->rr_guest_instr_count',
                'continue',
                'end',
                'printf "tb-entry %llu\\n", cpus->tqh_first->rr_guest_instr_count']).output
        def counts = (out =~ /(?m)^tb-entry (\d+)$/).collect { it[1] as long }
        if (!counts || counts[-1] <= to) throw new IllegalStateException("gdb saw no TB entered past $to:\n${lastLines(out, 40)}")
        counts
    }

    /** A replay run with QEMU's log of the TBs it entered, and the guest instruction count at each logged entry from {@code offset} on. */
    @Canonical
    static class LoggedReplay {
        RealPanda.Replay replay
        Path log
        /** Byte offset in {@link #log} of the first entry counted. */
        long offset
        /** The counts at the entries from {@link #offset} on, in order (gdb at cpu_tb_exec, where QEMU writes the entry). */
        List<Long> counts
    }

    /**
     * A replay of {@code r} run by {@code program} (this PANDA, or a launcher of its build) with
     * {@code extraArgs}, QEMU logging every TB it enters to {@code log} (`-d cpu,exec,nochain -D
     * LOG`), under `gdb -batch`, which reads the guest instruction count at each entry to
     * cpu_tb_exec (where that log entry is written). {@code from} < 0: every entry from the
     * replay's start. Otherwise the replay runs at full speed to its first TB at or past
     * {@code from} - 1024 ({@link #toFirstTbFrom}), gdb notes the log's size there (QEMU's log is
     * line-buffered, util/log.c: that is the offset of that TB's entry) and counts entries up to
     * the first past {@code to}; the replay then runs on to its end.
     */
    LoggedReplay replayWithQemuLog(Recording r, Path log, Path program = panda, List<String> extraArgs = [], long from = -1, long to = -1) {
        String count = 'printf "tb count %llu pc 0x%llx\\n", cpu->rr_guest_instr_count, (unsigned long long) itb->pc'
        List<String> script
        if (from < 0) {
            script = ['break cpu_tb_exec', 'commands', 'silent', count, 'continue', 'end', 'run']
        } else {
            // at the first TB past from - 1024, before cpu_tb_exec logs it: the log's size is that entry's offset
            script = [*toFirstTbFrom(Math.max(0L, from - 1024)), 'delete', "shell stat -c 'log offset %s' '$log'".toString(),
                      'break cpu_tb_exec', 'commands', 'silent', count,
                      "if cpu->rr_guest_instr_count > $to".toString(), 'delete', 'end', 'continue', 'end', 'continue']
        }
        def file = Files.createTempFile(r.dir, 'replay-log-', '.gdb')
        Files.writeString(file, RealPanda.GDB_PREAMBLE + script.join('\n') + '\n')
        def replay = run(['gdb', '-batch', '-nx', '-x', file.toString(), '--args', program.toString(), *r.guestArgs, '-replay', r.name,
                          *extraArgs, '-d', 'cpu,exec,nochain', '-D', log.toString()], r.dir, 900)
        long offset = 0
        if (from >= 0) {
            def m = replay.output =~ /(?m)^log offset (\d+)$/
            if (!m.find()) throw new IllegalStateException("gdb did not get near guest instruction $from:\n${lastLines(replay.output, 40)}")
            offset = m.group(1) as long
        }
        List<Long> counts = (replay.output =~ /(?m)^tb count (\d+) pc 0x[0-9a-f]+$/).collect { List<String> m -> m[1] as long }
        new LoggedReplay(replay, log, offset, counts)
    }

    /**
     * What a plain gdb sees at each stop of {@code stopAt} (a `break` or `watch -l` command) in a
     * replay of {@code r}, from rr_do_begin_replay to the first TB entered at or past {@code now}
     * (-1: to the replay's end): per stop, in order, the guest instruction count (`count`) and each
     * of {@code reads} (gdb expressions, read as unsigned 64-bit integers).
     */
    List<Map<String, BigInteger>> stops(Recording r, String stopAt, Map<String, String> reads, long now = -1) {
        def all = [count: 'cpus->tqh_first->rr_guest_instr_count', *: reads]
        def printf = 'printf "stop' + ' %llu' * all.size() + '\\n", ' + all.values().collect { "(unsigned long long) ($it)" }.join(', ')
        def script = ['break rr_do_begin_replay', 'run', 'delete', stopAt, 'commands', 'silent', printf, 'continue', 'end']
        if (now >= 0) script += ["break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count >= $now".toString(), 'commands',
                                 'printf "now %llu\\n", cpus->tqh_first->rr_guest_instr_count', 'kill', 'end']
        def out = replayUnderGdb(r, script + ['continue']).output
        if (now >= 0 && !(out =~ /(?m)^now $now$/)) throw new IllegalStateException("gdb did not stop at the TB entered at $now:\n${lastLines(out, 40)}")
        (out =~ /(?m)^stop( \d+)+$/).collect { m ->
            def values = m[0].split(' ').drop(1).collect { new BigInteger(it) }
            [all.keySet() as List, values].transpose().collectEntries() as Map<String, BigInteger>
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Processes: tracked by `processes`, which close() ends, children first.

    private Process start(List<String> cmd, Path dir, Path out) { processes.start(cmd, dir, out) }

    private void stop(Process p) { processes.stop(p) }

    /** Runs {@code cmd} in {@code dir} (no gdb) to its end, at most {@code timeoutSeconds}: its exit code and merged output. */
    RealPanda.Replay run(List<String> cmd, Path dir, long timeoutSeconds) {
        long t0 = System.nanoTime()
        def out = Files.createTempFile(dir, 'run-', '.out')
        def p = start(cmd, dir, out)
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS))
                throw new IllegalStateException("${cmd.join(' ')} did not end in $timeoutSeconds s:\n${lastLines(Files.readString(out), 40)}")
            new RealPanda.Replay(p.exitValue(), Files.readString(out), (System.nanoTime() - t0).intdiv(1_000_000L))
        } finally {
            stop(p)
        }
    }

    /** Ends what is still running and removes the work directory. */
    synchronized void close() {
        processes.endAll()
        if (Files.exists(workDir)) workDir.toFile().deleteDir()
        if (Thread.currentThread() != hook) {
            try { Runtime.runtime.removeShutdownHook(hook) } catch (IllegalStateException ignored) { /* the JVM is ending */ }
        }
    }
}
