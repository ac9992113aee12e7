// Hardware watchpoints on a group of locations of one side, and the writes they saw. Analysis
// watches the locations that differ from the last equal count to the first differing one; where
// going back re-executes the whole run, the search arms them before the TB-by-TB sweep that finds
// those counts instead, so the sweep sees the writes and the analysis needs no run back.
package tandem.bisect;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.panda.PandaSession;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class ArmedWatch implements AutoCloseable {
    /** A write seen, and the count of the TB boundary the side had left when it was made. */
    record Seen(long from, WatchEvent event) {
    }

    private final PandaSession side;
    private final Debugger gdb;
    final List<Location> group;
    private final Map<Location, String> lvalues = new LinkedHashMap<>();
    private final Map<Location, Long> values = new LinkedHashMap<>();
    private final List<Integer> made = new ArrayList<>();
    private final List<Seen> seen = new ArrayList<>();
    private int triggers;

    /** Sets a watchpoint on each location of {@code group} on {@code side} (its address there: rec's when {@code isRec}). */
    ArmedWatch(PandaSession side, boolean isRec, List<Location> group) {
        this.side = side;
        this.gdb = side.debugger();
        this.group = List.copyOf(group);
        try {
            for (Location l : group) {
                String lv = "*(" + (l.size() == 8 ? "unsigned long long" : l.size() == 2 ? "unsigned short"
                        : l.size() == 1 ? "unsigned char" : "unsigned int") + " *) " + l.address(isRec);
                lvalues.put(l, lv);
                values.put(l, gdb.evaluateUnsigned(lv));
                made.add(gdb.watch(lv).number());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A watchpoint stopped the side: each location whose value changed is a write, recorded with
     * the count now, the first {@code frames} frames of the backtrace and {@code from}, the count
     * of the TB boundary the side left.
     */
    void triggered(long from, int frames) {
        triggers++;
        long count = side.instrCount();
        List<String> bt = side.backtrace().stream().map(Object::toString).toList();
        for (Location l : group) {
            long v = gdb.evaluateUnsigned(lvalues.get(l));
            if (v != values.get(l)) {
                values.put(l, v);
                seen.add(new Seen(from, new WatchEvent(side.name(), l.name(), count, v, bt.subList(0, Math.min(frames, bt.size())))));
            }
        }
    }

    /** Watchpoint stops so far (a stop may record no write: gdb reports some that change nothing). */
    int triggers() {
        return triggers;
    }

    /** The writes seen, in order. */
    List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The writes made after leaving a TB boundary at or after {@code from}: what a watch from there sees. */
    List<WatchEvent> since(long from) {
        List<WatchEvent> out = new ArrayList<>();
        for (Seen s : seen) if (s.from() >= from) out.add(s.event());
        return out;
    }

    @Override
    public void close() {
        for (int n : made) {
            try {
                gdb.delete(n);
            } catch (DebuggerException ignored) {
                // the process may be gone; its watchpoints with it
            }
        }
        made.clear();
    }
}
