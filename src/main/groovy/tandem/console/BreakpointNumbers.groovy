// The console's numbers for the user's breakpoints and watchpoints: one number per breakpoint,
// the same on rec and rep. gdb numbers every breakpoint of its session in turn, tandem's own
// included (the timeline's TB and end stops, the search's, each reverse move's), so once a search
// or a reverse move ran on one side, the same `break f` typed on both gets 110 on rec and 87 on
// rep. Lines typed at the console speak these numbers (`delete 3` deletes the user's 3 on each
// side); gdb's answers are shown with them ("Breakpoint 3 at ...").
package tandem.console

import groovy.transform.CompileStatic

import java.util.regex.Matcher
import java.util.regex.Pattern

@CompileStatic
class BreakpointNumbers {
    private int last
    private int lines
    /** user number -> side name -> gdb's number on that side */
    private final Map<Integer, Map<String, Integer>> numbers = new TreeMap<Integer, Map<String, Integer>>()
    /** [line, k] -> the user number of the k-th breakpoint that console line made (on either side) */
    private final Map<List<Integer>, Integer> madeBy = [:]

    /** One console line, run on one side or on both at once: the k-th breakpoint it makes on each side is one. */
    synchronized Line line() {
        new Line(this, ++lines)
    }

    /** The user's numbers on {@code side} and gdb's number of each there (a copy). */
    synchronized Map<Integer, Integer> on(String side) {
        Map<Integer, Integer> m = new TreeMap<Integer, Integer>()
        numbers.each { Integer user, Map<String, Integer> sides -> if (sides.containsKey(side)) m[user] = sides[side] }
        return m
    }

    /** gdb's numbers of the user's breakpoints on {@code side}. */
    synchronized Set<Integer> gdbNumbers(String side) {
        new LinkedHashSet<Integer>(on(side).values())
    }

    /** The user number of gdb's breakpoint {@code gdb} on {@code side}, or null when it is not the user's. */
    synchronized Integer user(String side, int gdb) {
        numbers.find { Integer u, Map<String, Integer> sides -> sides[side] == gdb }?.key
    }

    /** Breakpoints gdb no longer has on {@code side} (deleted, a temporary one hit, a watchpoint out of scope). */
    synchronized void gone(String side, Collection<Integer> gdb) {
        numbers.values().each { Map<String, Integer> sides -> if (sides[side] in gdb) sides.remove(side) }
        numbers.values().removeIf { it.isEmpty() }
    }

    /** Keeps on {@code side} only the breakpoints gdb lists there. */
    synchronized void keepOnly(String side, Set<Integer> listed) {
        gone(side, gdbNumbers(side).findAll { !(it in listed) })
    }

    synchronized void clear() {
        numbers.clear()
        madeBy.clear()
    }

    private synchronized int made(int line, int k, String side, int gdb) {
        Integer known = user(side, gdb)
        if (known != null) return known
        List<Integer> key = [line, k]
        Integer u = madeBy[key]
        if (u == null || numbers[u]?.containsKey(side)) {
            u = ++last
            madeBy[key] = u
        }
        numbers.computeIfAbsent(u) { new TreeMap<String, Integer>() }[side] = gdb
        return u
    }

    /** What gdb prints when it makes a breakpoint or watchpoint (and, for a watchpoint, when it stops at one). */
    static final Pattern MADE = ~/(?m)^(?:Temporary breakpoint|Breakpoint|Hardware watchpoint|Watchpoint|Hardware read watchpoint|Hardware access \(read\/write\) watchpoint|Dprintf) (\d+)[: ]/
    private static final Pattern OUT_OF_SCOPE = ~/(?i)\bwatchpoint (\d+) deleted because\b/
    /** "Breakpoint 5, f ()", "(breakpoint 5)", "Hardware watchpoint 5: x", "crossings of breakpoint 5." */
    private static final Pattern ONE = ~/(?i)\b(breakpoint|watchpoint|dprintf|catchpoint)(\s+)(\d+)\b/
    /** "Deleted breakpoints 5 6 ", "Note: breakpoints 3 (disabled), 5 and 12 also set at pc" */
    private static final Pattern LIST = ~/(?i)\b(breakpoints|watchpoints)(\s+)(\d+(?:\s*\([^)]*\))?(?:(?:\s*,\s*|\s+and\s+|\s+)\d+(?:\s*\([^)]*\))?)*)/
    /** A row of `info breakpoints`: "3       breakpoint     keep y ...", "3.1  y  0x..." */
    private static final Pattern ROW = ~/(?m)^(\d+)((?:\.\d+)?)([ \t]+)/

    /** One console line: its breakpoints made and gdb's numbers in its answers, side by side. */
    static final class Line {
        private final BreakpointNumbers owner
        final int id
        private final Map<String, Integer> count = [:]

        private Line(BreakpointNumbers owner, int id) {
            this.owner = owner
            this.id = id
        }

        BreakpointNumbers getNumbers() { owner }

        /** Takes note of the breakpoints gdb's {@code answer} on {@code side} says it made or dropped. */
        void answered(String side, String answer) {
            Matcher m = MADE.matcher(answer)
            while (m.find()) {
                int gdb = Integer.parseInt(m.group(1))
                if (owner.user(side, gdb) != null) continue   // a stop at a watchpoint of the user's
                int k
                synchronized (owner) {
                    k = count.getOrDefault(side, 0)
                    count[side] = k + 1
                }
                owner.made(id, k, side, gdb)
            }
            Matcher o = OUT_OF_SCOPE.matcher(answer)
            while (o.find()) owner.gone(side, [Integer.parseInt(o.group(1))])
        }

        /**
         * gdb's text with the user's numbers for gdb's; a number that is not the user's is left as
         * is. {@code rows}: the text is `info breakpoints`, whose rows start with the number.
         */
        String shown(String side, String text, boolean rows) {
            Map<Integer, Integer> toUser = owner.on(side).collectEntries { Integer u, Integer g -> [g, u] } as Map<Integer, Integer>
            Closure<String> one = { String n -> String.valueOf(toUser[Integer.parseInt(n)] ?: n) }
            String t = text.replaceAll(LIST) { List<String> g -> g[1] + g[2] + g[3].replaceAll(/(?<![\w(])\d+/) { String n -> one(n) } }
            t = t.replaceAll(ONE) { List<String> g -> g[1] + g[2] + one(g[3]) }
            // the number's column keeps its width: rec's and rep's rows line up when they agree
            if (rows) t = t.replaceAll(ROW) { List<String> g ->
                String n = one(g[1]) + g[2]
                n + ' ' * Math.max(1, (g[1] + g[2] + g[3]).length() - n.length())
            }
            return t
        }
    }
}
