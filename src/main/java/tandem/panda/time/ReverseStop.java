// Where a reverse move of a Timeline left a side: the stop it went back to, or why it found none.
package tandem.panda.time;

import tandem.debugger.Frame;

import java.util.List;

/**
 * found: the side stopped at {@code time} (guest PC {@code pc}, host {@code frames}, breakpoint or
 * watchpoint {@code breakpoint}, 0 when it is a TB boundary tandem chose); not found: the side is
 * where {@code note} says (back where it was, or at the start). {@code passes}: forward runs it took.
 */
public record ReverseStop(boolean found, Time time, long pc, int breakpoint, List<Frame> frames, String note, int passes) {

    /** The same stop, reported without a breakpoint number: for stops at tandem's own breakpoints. */
    public ReverseStop atOwnBreakpoint() {
        return new ReverseStop(found, time, pc, 0, frames, note, passes);
    }

    @Override
    public String toString() {
        if (!found) return note;
        StringBuilder s = new StringBuilder();
        s.append(breakpoint > 0 ? "breakpoint " + breakpoint + ", " : "")
                .append("guest instruction ").append(time.instr())
                .append(time.index() > 0 ? " (stop " + (time.index() + 1) + " at that count)" : "")
                .append(String.format(", pc 0x%x", pc));
        if (!frames.isEmpty()) s.append("\n  in ").append(frames.get(0).function());
        if (note != null && !note.isEmpty()) s.append("\n  ").append(note);
        return s.toString();
    }
}
