// The ways back to a guest instruction count of one PANDA process under gdb: rr's checkpoints
// (RrCheckpoints), gdb's fork checkpoints (ForkCheckpoints), or none at all (Reexecution), where
// going back runs the program again from its start (Mover.reexecute). The only caller of the
// debugger's checkpoint commands for moves (rr's own `origin` takes one checkpoint to come back
// to where it started); where checkpoints are kept is CheckpointPolicy's.
package tandem.panda.time;

public interface WaysBack {

    /**
     * How a side goes back in time (the one mechanism behind toInstr back, the search and the
     * walks): rr's own checkpoints, which survive a restart; gdb's fork checkpoints, used up by a
     * restart and forked again; or running the program again from its start, which reaches the
     * same state at the same guest instruction count because a PANDA replay is deterministic (gdb
     * cannot fork a program with several threads, and real PANDA runs at least three).
     */
    enum Rewind {
        RR_CHECKPOINTS("rr checkpoints"),
        FORK_CHECKPOINTS("gdb fork checkpoints"),
        REEXECUTION("re-execution from the start");

        public final String description;

        Rewind(String description) {
            this.description = description;
        }
    }

    Rewind kind();

    /** The checkpoints kept, by count (none where going back re-executes). */
    Checkpoints checkpoints();

    /**
     * Keeps a way back to {@code instr}, where the side stands (nothing where going back
     * re-executes). Returns the ways back from then on: these, or re-execution when gdb refused to
     * fork the program.
     */
    WaysBack keep(long instr);

    /**
     * Back to the checkpoint at the greatest count at or before {@code n}: that count, or -1 when
     * there is none (then only a run from the start goes back).
     */
    long restartAtOrBefore(long n);

    /** After the program ended: drops what the end took away (gdb's fork checkpoints it went on in). */
    void afterExit();
}
