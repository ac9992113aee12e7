// Where a forward pass of a side's timeline stands, for the console's progress line.
package tandem.panda.time;

/**
 * Where a forward pass of a timeline stands, at one of its stops: it set out from guest
 * instruction {@code from} towards {@code goal} (now, or the stop sought) and has reached
 * {@code reached}. A pass over a breakpoint hit often, or a watchpoint on a register, stops
 * thousands of times: what the console's progress line is made of (gdb can't read the count
 * while PANDA runs).
 */
public record Pass(long from, long reached, long goal) {
}
