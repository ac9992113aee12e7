// Where a side's ways back are kept, chosen in one place. rr names the two ways: at every
// position (diverge.py's, and toInstr's: each count reached gets a checkpoint, since the user or
// the walks come back to it), and when far (the search's: a checkpoint costs a fork, some 20 ms,
// about as much as gdb stopping at a few hundred TBs, so it pays only where running again from
// the checkpoint before would cost more). The distances below are the search's, each with the
// measurement behind it; the phases of tandem.bisect name them from here.
package tandem.panda.time;

import tandem.panda.PandaNames;

public enum CheckpointPolicy {
    /** Every count a move reaches gets a way back (Timeline.toInstr). */
    EVERY_POSITION,
    /** A way back only where the nearest one before is farther than a distance (the search). */
    WHEN_FAR;

    /**
     * Strides (guest instructions) from which a stride stop of the search's scan keeps a
     * checkpoint on each side: shorter strides are cheaper to run again from the checkpoint
     * before than to fork.
     */
    public static final long SCAN_STRIDE = 16 * PandaNames.DEBUG_COUNTER_PERIOD;

    /** Period-scan stops between checkpoints: a probe in the bracket never re-executes more than this many periods. */
    public static final int SCAN_PERIODS = 8;

    /** An equal probe of the narrowing this far (guest instructions) past the nearest checkpoint gets one. */
    public static final long NARROWING_DISTANCE = 16384;

    /**
     * Whether a way back is kept at {@code instr} when the nearest one at or before it is at
     * {@code nearest} (-1: none): always at every position; when far, unless it is within
     * {@code distance} guest instructions.
     */
    public boolean keeps(long instr, long nearest, long distance) {
        return this == EVERY_POSITION || nearest < 0 || instr - nearest > distance;
    }
}
