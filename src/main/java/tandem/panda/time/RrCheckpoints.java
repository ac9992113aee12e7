// rr's checkpoints (gdb's `checkpoint` / `restart` on an rr replay): a restart leaves the
// checkpoint in place, so a count kept once stays reachable for the whole session.
package tandem.panda.time;

import tandem.debugger.Debugger;

import java.util.Map;
import java.util.Optional;

class RrCheckpoints implements WaysBack {
    final Debugger gdb;
    final Checkpoints checkpoints = new Checkpoints();
    private final Runnable countStop;

    RrCheckpoints(Debugger gdb, Runnable countStop) {
        this.gdb = gdb;
        this.countStop = countStop;
    }

    @Override
    public Rewind kind() {
        return Rewind.RR_CHECKPOINTS;
    }

    @Override
    public Checkpoints checkpoints() {
        return checkpoints;
    }

    @Override
    public WaysBack keep(long instr) {
        if (!checkpoints.has(instr)) checkpoints.put(instr, gdb.checkpoint());
        return this;
    }

    @Override
    public long restartAtOrBefore(long n) {
        Optional<Map.Entry<Long, Integer>> at = checkpoints.atOrBefore(n);
        if (at.isEmpty()) return -1;
        gdb.restart(at.get().getValue());
        countStop.run();
        restarted(at.get().getKey());
        return at.get().getKey();
    }

    /** After a restart to the checkpoint at {@code instr}: rr's stays, nothing to do. */
    void restarted(long instr) {
    }

    @Override
    public void afterExit() {
    }
}
