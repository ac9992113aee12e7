// The fixture specs of the demo share: a 1e5-instruction recording, its record run and its replay
// with a TLB flush injected at 50000, open as rec and rep under gdb; no process left behind.
package tandem.panda

import spock.lang.Shared
import spock.lang.Specification
import tandem.debugger.GdbDebugger

abstract class DemoTlbPairSpec extends Specification {
    static final long BUG_AT = 50_000
    static final String COUNT = 'cpus->tqh_first->rr_guest_instr_count'

    @Shared MiniPanda.Recording recording
    @Shared MiniPanda.Bug bug = new MiniPanda.Bug(MiniPanda.BugKind.TLB, BUG_AT)
    /** Where mini-PANDA says it applied the flush: the first TB boundary at or after BUG_AT. */
    @Shared long injected
    @Shared Pair pair
    @Shared Set<Long> before

    def setupSpec() {
        before = Demo.children()
        recording = Demo.record(100_000)
        injected = MiniPanda.injectedAt(MiniPanda.replay(recording, bug))
        pair = openPair()
    }

    def cleanupSpec() {
        pair?.close()
        MiniPanda.deleteTree(recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    /** The pair under test: the record run and the replay, each under plain gdb (the stand-in rr's spec opens rr traces instead). */
    Pair openPair() {
        new Pair(PandaSession.open('rec', PandaSession.Role.RECORD, GdbDebugger.open(MiniPanda.recordUnderGdb(recording, Demo.GDB)), Optional.empty()),
                PandaSession.open('rep', PandaSession.Role.REPLAY, GdbDebugger.open(MiniPanda.replayUnderGdb(recording, bug, Demo.GDB)), Optional.empty()))
    }

    PandaSession getRec() { pair.rec() }

    PandaSession getRep() { pair.rep() }
}
