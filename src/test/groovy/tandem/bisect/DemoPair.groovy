// Test fixture: a mini-PANDA recording and the pair of gdb sessions on it (rec: the recording run
// again under gdb; rep: its replay with an injected bug), as `tandem bisect` would get them.
package tandem.bisect

import tandem.debugger.GdbDebugger
import tandem.panda.Arch
import tandem.panda.MiniPanda
import tandem.panda.Pair
import tandem.panda.PandaSession

import java.nio.file.Files
import java.nio.file.Path

class DemoPair {
    static final Path GDB = Path.of('/usr/bin/gdb')

    static MiniPanda.Recording record(long instrs) {
        Path dir = Files.createTempDirectory('tandem-bisect-')
        MiniPanda.record(MiniPanda.binary(Arch.MIPS), dir, 'demo', instrs)
    }

    /** The count where the injected bug took effect, from a native replay (ground truth). */
    static long groundTruth(MiniPanda.Recording r, MiniPanda.Bug bug) {
        MiniPanda.injectedAt(MiniPanda.replay(r, bug))
    }

    /** rec recorded with -d nochain, as a search exact to the TB needs. */
    static Pair open(MiniPanda.Recording r, MiniPanda.Bug bug) {
        open(r, bug, false)
    }

    /**
     * Both sides through gdbserver without checkpoints, so going back re-executes as on real
     * PANDA (whose threads no fork copies): rec is the bug-free replay (a live record run is a new
     * execution each time).
     */
    static Pair openThroughGdbserver(MiniPanda.Recording r, MiniPanda.Bug bug) {
        openThroughGdbserver(r, bug, false)
    }

    /** forks: with the checkpoints tandem forks of a program behind gdbserver (ServerForks). */
    static Pair openThroughGdbserver(MiniPanda.Recording r, MiniPanda.Bug bug, boolean forks) {
        def server = tandem.panda.Demo.GDBSERVER
        def recTarget = tandem.debugger.GdbServerTarget.launch(GDB, server, r.binary(), MiniPanda.replayArguments(r.name(), null), r.directory(), null)
        def repTarget = tandem.debugger.GdbServerTarget.launch(GDB, server, r.binary(), MiniPanda.replayArguments(r.name(), bug), r.directory(), null)
        if (forks) {
            recTarget = recTarget.withForkedCheckpoints()
            repTarget = repTarget.withForkedCheckpoints()
        }
        new Pair(PandaSession.open('rec', PandaSession.Role.REPLAY, GdbDebugger.open(recTarget), Optional.of(Arch.MIPS)),
                PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(repTarget), Optional.of(Arch.MIPS)))
    }

    /** chained: rec runs without -d nochain, its TBs chained as PANDA records by default. */
    static Pair open(MiniPanda.Recording r, MiniPanda.Bug bug, boolean chained) {
        def recGdb = GdbDebugger.open(MiniPanda.recordUnderGdb(r, GDB, chained))
        def repGdb = GdbDebugger.open(MiniPanda.replayUnderGdb(r, bug, GDB))
        new Pair(PandaSession.open('rec', PandaSession.Role.RECORD, recGdb, Optional.of(Arch.MIPS)),
                PandaSession.open('rep', PandaSession.Role.REPLAY, repGdb, Optional.of(Arch.MIPS)))
    }
}
