// The items of a nondet log around one guest instruction count, as the console shows them: the
// item a replay there consumed last marked, with its place in the log. A log its record run is
// still writing (no RR_END_OF_LOG yet: rr_log.c writes each item as it is logged) shows the item
// written last and how many there are so far.
package tandem.panda.nondet;

import java.nio.file.Path;
import java.util.List;

/**
 * @param log   the log's file
 * @param count the guest instruction count looked at
 * @param items the items around it, in file order
 * @param last  the index of the last item at or before {@code count} (what a replay standing there
 *              has consumed last), -1 when every item comes later
 * @param total the number of items in the log
 * @param ended whether the log ends in RR_END_OF_LOG (its record run ended it); else it is being written
 */
public record NondetWindow(Path log, long count, List<NondetItem> items, int last, int total, boolean ended) {

    public NondetWindow {
        items = List.copyOf(items);
    }

    /** Items before (up to and including {@code count}) and after it that the console shows. */
    public static final int BEFORE = 4, AFTER = 3;

    /** The window of {@code log} at {@code count}. */
    public static NondetWindow of(NondetLog log, long count) {
        List<NondetItem> all = log.items();
        boolean ended = !all.isEmpty() && all.get(all.size() - 1).kind() == NondetKind.RR_END_OF_LOG;
        return new NondetWindow(log.path(), count, log.around(count, BEFORE, AFTER), log.lastAt(count), all.size(), ended);
    }

    @Override
    public String toString() {
        String done = ended ? "consumed" : "written";
        StringBuilder s = new StringBuilder(log.getFileName() + " at guest instruction " + count + ": "
                + (last < 0 ? "no item " + done + " yet" : "item " + (last + 1) + " of " + total + " " + done + " last")
                + (ended ? "" : " (its record run is writing it: " + total + (total == 1 ? " item" : " items") + " so far)") + "\n");
        for (NondetItem i : items) s.append(i.index() == last ? "> " : "  ").append(i).append('\n');
        return s.toString().stripTrailing();
    }
}
