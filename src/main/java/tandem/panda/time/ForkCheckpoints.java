// gdb's fork checkpoints (linux-fork.c): a restart makes the forked copy the live process, which
// is then no checkpoint any more, so the count is forked again; a program gdb cannot fork (several
// threads, as real PANDA runs) turns the ways back into re-execution.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.function.Consumer;

final class ForkCheckpoints extends RrCheckpoints {
    private final Consumer<String> notices;

    ForkCheckpoints(Debugger gdb, Runnable countStop, Consumer<String> notices) {
        super(gdb, countStop);
        this.notices = notices;
    }

    @Override
    public Rewind kind() {
        return Rewind.FORK_CHECKPOINTS;
    }

    @Override
    public WaysBack keep(long instr) {
        try {
            return super.keep(instr);
        } catch (DebuggerException e) {
            String said = e.gdbMessage() == null ? e.getMessage() : e.gdbMessage();
            // gdb 13 linux-fork.c: "checkpoint: can't checkpoint multiple threads."
            if (said == null || !said.contains("multiple threads")) throw e;
            notices.accept("gdb can't fork a checkpoint of " + gdb.target().description()
                    + " (it runs several threads): going back re-executes it from its start");
            return new Reexecution();
        }
    }

    /** gdb's fork checkpoints are consumed by restart: fork a fresh copy so the count stays reachable. */
    @Override
    void restarted(long instr) {
        checkpoints.put(instr, gdb.checkpoint());
    }

    /**
     * After the program ended: gdb carries on in one of the checkpoints, which is the live process
     * from then on and no longer a checkpoint (restarting it says "Not found: checkpoint id N");
     * keeps only the checkpoints gdb still lists.
     */
    @Override
    public void afterExit() {
        if (checkpoints.size() == 0) return;
        NavigableMap<Long, Integer> before = checkpoints.snapshot();
        Set<Integer> listed;
        try {
            listed = gdb.listedCheckpoints();
        } catch (DebuggerException e) {
            // gdb has no process at all: no checkpoint survived
            checkpoints.clear();
            return;
        }
        checkpoints.retainCheckpoints(listed);
        // gdb went on in the newest one it dropped, which stands where it was taken: fork it again,
        // so that the count stays reachable after the live process moves on
        Long at = before.entrySet().stream().filter(e -> !listed.contains(e.getValue()))
                .map(Map.Entry::getKey).max(Long::compare).orElse(null);
        try {
            if (at != null && gdb.evaluateUnsigned(tandem.panda.PandaNames.INSTR_COUNT) == at) checkpoints.put(at, gdb.checkpoint());
        } catch (DebuggerException e) {
            // no process gdb can fork: the checkpoints it still lists are the ways back
        }
    }
}
