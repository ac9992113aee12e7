// What one console (REPL, piped input or script) works with: the sessions, the focus, where
// output goes and how it is rendered, and the last error kept for lastError().
package tandem.console

import groovy.transform.CompileStatic
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.time.Pass

@CompileStatic
class Context {
    volatile Sessions sessions = Sessions.none()
    /** 'rec', 'rep' or 'both': where verbs and gdb lines go. */
    volatile String focus = 'both'
    final PrintWriter out
    final Render render
    /** A person is watching a terminal: show progress and waiting messages. */
    final boolean interactive
    volatile Throwable lastError
    /** Breakpoints the user made with gdb lines, one number for both sides: switched off during tandem's own moves. */
    final BreakpointNumbers breakpoints = new BreakpointNumbers()

    Context(PrintWriter out, Render render, boolean interactive) {
        this.out = out
        this.render = render
        this.interactive = interactive
    }

    /** The status line of the move under way on a terminal, if any: notices print above it. */
    volatile StatusLine progress

    /** Replaces the sessions (a script opening its own), closing the previous ones. */
    void use(Sessions s) {
        Sessions old = sessions
        sessions = s
        s.onNotice { String side, String text ->
            String line = render.dim("$side: $text".toString())
            StatusLine p = progress
            if (p != null) {
                p.printAbove(line)
            } else {
                out.println(line)
                out.flush()
            }
        }
        s.onPass { String side, Pass pass -> progress?.passed(side, pass) }
        // with a record trace as rec, only rep is live: verbs go to rep, toInstr shows both
        focus = s.recTrace != null ? 'rep' : 'both'
        breakpoints.clear()
        old?.close()
    }

    /** The pair, waiting for it (and saying so on a terminal) while it starts. */
    Pair pair() {
        Sessions s = sessions
        if (s.isOpening() && interactive) {
            out.println(render.dim("waiting for the sessions: ${s.status.collect { k, v -> "$k $v" }.join(', ') ?: 'starting'}"))
            out.flush()
        }
        return s.pair()
    }

    /** gdb's numbers of the user's breakpoints on {@code s}. */
    Set<Integer> breakpointsOf(PandaSession s) {
        breakpoints.gdbNumbers(s.name())
    }

    void requireFocus(String f) {
        if (!(f in ['rec', 'rep', 'both'])) throw new PandaException("use rec, use rep or use both, not '$f'")
        focus = f
    }
}
