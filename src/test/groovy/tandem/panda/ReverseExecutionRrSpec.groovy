package tandem.panda

import tandem.debugger.GdbDebugger
import tandem.debugger.RrReplay
import tandem.debugger.RrTrace

/**
 * {@link ReverseExecutionSpec} on rr traces of the same runs, replayed by the stand-in rr: its gdb
 * cannot execute backwards (real rr's can), so the sides go back the way every other target does.
 */
class ReverseExecutionRrSpec extends ReverseExecutionSpec {

    @Override
    Pair openPair() {
        def recrep = Demo.rrRecord(recording, 'recrep', MiniPanda.recordArguments('ls', 100_000))
        def reprep = Demo.rrRecord(recording, 'reprep', MiniPanda.replayArguments('ls', bug))
        new Pair(PandaSession.open('rec', PandaSession.Role.RECORD, GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, recrep), Demo.GDB, null)), Optional.empty()),
                PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(new RrReplay(new RrTrace(Demo.RR, reprep), Demo.GDB, null)), Optional.empty()))
    }
}
