// No checkpoints: the way back is running the program again from its start, which a replay of
// PANDA allows because it reaches the same state at the same guest instruction counts. The run
// itself is a forward move (Mover.reexecute); this kind only says there is nothing kept.
package tandem.panda.time;

final class Reexecution implements WaysBack {
    private final Checkpoints none = new Checkpoints();

    @Override
    public Rewind kind() {
        return Rewind.REEXECUTION;
    }

    @Override
    public Checkpoints checkpoints() {
        return none;
    }

    @Override
    public WaysBack keep(long instr) {
        return this;
    }

    @Override
    public long restartAtOrBefore(long n) {
        return -1;
    }

    @Override
    public void afterExit() {
    }
}
