// A point in time of one replay, as a stop sees it: the guest instruction count, and which stop
// at that count (QEMU updates the count once per TB, so several stops can share it).
package tandem.panda.time;

/**
 * (guest instruction count, index of the stop among the stops at that count), ordered by count then
 * index. The index counts the stops of one forward pass of a {@link Timeline} (the user's
 * breakpoints and watchpoints) from its way back; a pass always starts before every stop at the
 * counts it compares, so "before now" is exact even for several stops in one TB.
 */
public record Time(long instr, int index) implements Comparable<Time> {

    @Override
    public int compareTo(Time o) {
        int c = Long.compare(instr, o.instr);
        return c != 0 ? c : Integer.compare(index, o.index);
    }

    public boolean before(Time o) {
        return compareTo(o) < 0;
    }

    @Override
    public String toString() {
        return index == 0 ? Long.toString(instr) : instr + "#" + index;
    }
}
