// `tandem demo`: mini-PANDA built if needed, a recording, a native replay with an injected bug
// that fails the way the notes' replay fails, then the pair under gdb (rec records again in a
// scratch directory, rep replays with the bug).
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.LiveProgram
import tandem.panda.Arch
import tandem.panda.MiniPanda
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.PandaSide
import tandem.panda.ReplayOutput

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

@CompileStatic
class DemoTarget {
    static final String RECORDING = 'ls'   // the notes' recording name
    static final long DEFAULT_INSTRS = 2_000_000L

    final MiniPanda.Recording recording
    final MiniPanda.Bug bug
    final ReplayOutput failedReplay

    private DemoTarget(MiniPanda.Recording recording, MiniPanda.Bug bug, ReplayOutput failedReplay) {
        this.recording = recording; this.bug = bug; this.failedReplay = failedReplay
    }

    /** Records and replays natively; prints what it does and the replay's failure to {@code out}. */
    static DemoTarget make(String bugKind, Long at, long instrs, PrintWriter out) {
        if (instrs <= 0) throw new PandaException("--instrs must be positive, not $instrs")
        long bugAt = at != null ? at : instrs.intdiv(2) as long
        if (bugAt <= 0 || bugAt >= instrs) throw new PandaException("--at $bugAt must be inside the recording (0 < N < $instrs)")
        MiniPanda.Bug bug = new MiniPanda.Bug(MiniPanda.BugKind.parse(bugKind ?: 'tlb'), bugAt)
        Path binary = binary(out)
        Path dir = Files.createTempDirectory('tandem-demo-')
        Runtime.runtime.addShutdownHook(new Thread({ MiniPanda.deleteTree(dir) } as Runnable))
        out.println("recording $instrs guest instructions as '$RECORDING' in $dir")
        out.flush()
        MiniPanda.Recording r = MiniPanda.record(binary, dir, RECORDING, instrs)
        out.println("replaying '$RECORDING' with a ${bug.kind().name().toLowerCase()} bug at guest instruction ${bug.at()}:")
        out.flush()
        ReplayOutput replay = MiniPanda.replay(r, bug)
        List<String> shown = replay.lines().findAll { String l ->
            l.startsWith('mini-panda: injected') || replay.failureText().contains(l)
        }
        (shown ?: replay.lines().takeRight(5)).each { String l -> out.println('  ' + l) }
        if (!replay.failed()) {
            out.println("  (the replay did not fail: the bug at ${bug.at()} had no visible effect)")
        }
        long last = replay.lastInstr().orElse(-1L)
        out.println(last >= 0 ? "last instruction count reached: $last (diverge.py's --instr-max)" : 'the replay reported no instruction count')
        out.flush()
        return new DemoTarget(r, bug, replay)
    }

    /** The pair under gdb: rec records again (in a scratch copy), rep replays with the bug. */
    Sessions open(Path gdb) {
        LiveProgram rec = MiniPanda.recordUnderGdb(recording, gdb)
        LiveProgram rep = MiniPanda.replayUnderGdb(recording, bug, gdb)
        Sessions s = Sessions.open("demo: '$RECORDING', ${recording.instrs()} instructions, ${bug.argument()}".toString(),
                new PandaSide('rec', PandaSession.Role.RECORD, rec),
                new PandaSide('rep', PandaSession.Role.REPLAY, rep), Arch.MIPS)
        s.whenClosed { MiniPanda.deleteTree(rec.workingDirectory()) }
        // rec writes its log as it records (in its scratch directory, PANDA's format); rep replays the recording's
        s.nondetLogs['rec'] = rec.workingDirectory().resolve(RECORDING + tandem.panda.nondet.NondetLog.SUFFIX)
        s.nondetLogs['rep'] = recording.directory().resolve(recording.name() + tandem.panda.nondet.NondetLog.SUFFIX)
        return s
    }

    /** The MIPS binary, built with make first when this is a source checkout that lacks it. */
    static Path binary(PrintWriter out) {
        try {
            return MiniPanda.binary(Arch.MIPS)
        } catch (PandaException missing) {
            String home = System.getProperty('tandem.home')
            Path src = home ? Path.of(home, 'src', 'main', 'c') : null
            if (src == null || !Files.isDirectory(src)) throw missing
            out.println("building mini-PANDA (make -C $src)")
            out.flush()
            Process p = new ProcessBuilder('make', '--no-print-directory', '-C', src.toString(),
                    "OUT=${MiniPanda.buildDirectory()}".toString()).redirectErrorStream(true).start()
            String text = p.inputStream.text
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new PandaException("building mini-PANDA failed (needs gcc, make and zlib1g-dev):\n$text")
            }
            return MiniPanda.binary(Arch.MIPS)
        }
    }
}
