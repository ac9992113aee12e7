// A point of one side's replay that a reverse move finds again by running forward (ReverseExecution).
package tandem.panda.time;

import java.util.Set;

/**
 * A point of the replay found again by running forward: with {@code time} known, that stop of
 * {@code timeStops} (the breakpoints a pass counted it among); else the first stop at host
 * {@code hostPc} with guest count {@code instr} whose host registers are {@code hostRegisters};
 * with hostRegisters null, the first cpu_loop_exec_tb at or after count {@code instr} (a way
 * back: where toInstr and checkpoints stop).
 */
record Mark(long instr, long hostPc, String hostRegisters, Time time, Set<Integer> timeStops) {
    Mark(long instr, long hostPc, String hostRegisters) {
        this(instr, hostPc, hostRegisters, null, null);
    }

    boolean tbBoundary() {
        return hostRegisters == null;
    }

    /** Whether a pass counting {@code stops} finds this point by its time (registers are not needed). */
    boolean timedBy(Set<Integer> stops) {
        return time != null && timeStops.equals(stops);
    }
}
