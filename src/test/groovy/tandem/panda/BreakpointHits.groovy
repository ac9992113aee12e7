// How many times gdb says a session's breakpoints at a function were hit (`info breakpoints`):
// the specs' witness that a move stopped where tandem meant it to.
package tandem.panda

class BreakpointHits {
    static int of(PandaSession s, String function) {
        int n = 0
        boolean at = false
        for (String l : s.debugger().console('info breakpoints').readLines()) {
            if (l =~ /^\d+\s/) at = l.contains(" in $function ")
            def m = l =~ /breakpoint already hit (\d+) time/
            if (at && m.find()) n += m.group(1) as int
        }
        n
    }
}
