// The last change of an lvalue before now on one side: what `origin` answers.
package tandem.panda.time;

import tandem.debugger.Frame;

import java.util.List;
import java.util.Objects;

/**
 * The last change of {@code lvalue} (the gdb expression watched) strictly before now: at
 * {@code time}, guest PC {@code pc} (QEMU's guest PC is that of the TB executing: it is written at TB
 * boundaries), the host backtrace of the write, and the value before and after (gdb's display text).
 * A hardware watchpoint reports changes only: a write of the same value is not a change. Not found:
 * {@code time} null, and {@code note} says over which span nothing changed.
 */
public record Origin(String name, String lvalue, Time time, long pc, List<Frame> frames, String oldValue, String newValue, String note) {

    public boolean found() {
        return time != null;
    }

    /** Same guest instruction count and same values: the two sides' origins agree. */
    public boolean sameAs(Origin o) {
        if (!found() || !o.found()) return found() == o.found();
        return time.instr() == o.time.instr() && Objects.equals(oldValue, o.oldValue) && Objects.equals(newValue, o.newValue);
    }

    /**
     * Where two histories of one value (each side's changes, oldest first: Timeline.changes) first
     * part: the index of the first change that is not the same on both sides (count and values),
     * or of the first one side has and the other has not; -1 when they are the same.
     */
    public static int firstDifference(List<Origin> rec, List<Origin> rep) {
        for (int i = 0; i < Math.max(rec.size(), rep.size()); i++) {
            if (i >= rec.size() || i >= rep.size() || !rec.get(i).sameAs(rep.get(i))) return i;
        }
        return -1;
    }

    /** The report of {@link #firstDifference}: which change, and what each side did there. */
    public static String historiesPart(String name, List<Origin> rec, List<Origin> rep) {
        int i = firstDifference(rec, rep);
        if (i < 0) return "the histories of " + name + " agree: " + rec.size() + " changes, the same on both sides";
        String a = i < rec.size() ? rec.get(i).summary() : "no such change (it changed " + rec.size() + " times)";
        String b = i < rep.size() ? rep.get(i).summary() : "no such change (it changed " + rep.size() + " times)";
        return "the histories of " + name + " first differ at change #" + (i + 1) + " (the " + i + " before agree):\n  rec: " + a + "\n  rep: " + b;
    }

    /** One line: where, and from what to what. */    /** One line: where, and from what to what. */
    public String summary() {
        if (!found()) return note;
        return "guest instruction " + time.instr() + String.format(", pc 0x%x", pc)
                + (frames.isEmpty() ? "" : ", in " + frames.get(0).function()) + ": " + shown(oldValue) + " -> " + shown(newValue);
    }

    /** An integer as every register display shows one, in hex; anything else (a struct, a float) as gdb printed it. */
    static String shown(String value) {
        if (value == null || !value.matches("-?\\d+")) return value;
        java.math.BigInteger v = new java.math.BigInteger(value);
        return v.signum() < 0 ? value : "0x" + v.toString(16);
    }

    @Override
    public String toString() {
        if (!found()) return "origin of " + name + ": " + note;
        StringBuilder s = new StringBuilder("last change of " + name + " before now:\n");
        s.append("  guest instruction ").append(time.instr()).append(String.format("  pc 0x%x%n", pc));
        s.append("  old ").append(shown(oldValue)).append("\n  new ").append(shown(newValue)).append('\n');
        for (Frame f : frames) s.append("  #").append(f.level()).append(' ').append(f.function())
                .append(f.file() == null ? "" : " at " + f.file() + ":" + f.line()).append('\n');
        return s.toString();
    }
}
