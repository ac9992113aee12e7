// Guest instruction count -> gdb checkpoint, as diverge.py keeps: every position reached gets
// one, and a move to count N restarts from the nearest checkpoint at or before N.
package tandem.panda.time;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

public final class Checkpoints {
    private final NavigableMap<Long, Integer> byInstr = new TreeMap<>();

    public synchronized void put(long instr, int checkpoint) {
        byInstr.put(instr, checkpoint);
    }

    public synchronized boolean has(long instr) {
        return byInstr.containsKey(instr);
    }

    /** The checkpoint at the greatest count <= instr. */
    public synchronized Optional<Map.Entry<Long, Integer>> atOrBefore(long instr) {
        return Optional.ofNullable(byInstr.floorEntry(instr));
    }

    public synchronized NavigableMap<Long, Integer> snapshot() {
        return new TreeMap<>(byInstr);
    }

    public synchronized int size() {
        return byInstr.size();
    }

    /** Keeps only the checkpoints whose gdb numbers are in {@code ids}. */
    public synchronized void retainCheckpoints(java.util.Set<Integer> ids) {
        byInstr.values().removeIf(id -> !ids.contains(id));
    }

    public synchronized void clear() {
        byInstr.clear();
    }
}
