// How far a long move has got, and how to stop it. On a terminal, a status line; in a pipe or a
// script, a line now and then once the move has run for a few seconds. gdb can't read the guest
// instruction count while the target runs, so it shows what is known for sure: the time spent,
// each side's count once that side has arrived, and, in a pass going back (which stops at each
// hit of a breakpoint or watchpoint), the count reached of the goal, the rate and the time left.
package tandem.console

import groovy.transform.CompileStatic
import tandem.panda.time.Pass

import java.util.concurrent.ConcurrentHashMap

@CompileStatic
class Progress implements StatusLine, AutoCloseable {
    /** The status line on a terminal shows after this long. */
    private static final long SHOW_AFTER_MS = 700
    /** In a pipe or a script, lines show for a move longer than this; -Dtandem.progressAfterMs sets it. */
    static final long LINES_AFTER_MS_DEFAULT = 3000
    /** At most a line this often (a search's progress lines too: BisectHook). */
    static final long LINE_EVERY_MS = 1000

    private final Context ctx
    private final String what
    private final long started = System.nanoTime()
    private final long linesAfterMs = Long.getLong('tandem.progressAfterMs', LINES_AFTER_MS_DEFAULT)
    private final Map<String, String> sides = new ConcurrentHashMap<>()
    /** Per side: the first stop of the pass under way (nanos, count, from, goal), for its rate. */
    private final Map<String, long[]> passStart = new ConcurrentHashMap<>()
    private final Thread ticker
    private volatile boolean shown
    private volatile boolean done
    private long lastLine

    Progress(Context ctx, String what) {
        this.ctx = ctx
        this.what = what
        ctx.progress = this
        boolean terminal = ctx.interactive
        ticker = new Thread({
            try {
                Thread.sleep(terminal ? SHOW_AFTER_MS : linesAfterMs)
                while (!done) {
                    if (terminal) draw() else line()
                    Thread.sleep(terminal ? 250 : LINE_EVERY_MS)
                }
            } catch (InterruptedException ignored) {
                // finished
            }
        } as Runnable, 'tandem-progress')
        ticker.daemon = true
        ticker.start()
    }

    void arrived(String side, Object where) {
        sides[side] = "$side at $where".toString()
        passStart.remove(side)
    }

    /** A stop of a side's pass going back: the count reached of the goal, the rate, the time left. */
    void passed(String side, Pass p) {
        long now = System.nanoTime()
        long[] first = passStart[side]
        if (first == null || first[2] != p.from() || first[3] != p.goal() || p.reached() < first[1]) {
            first = [now, p.reached(), p.from(), p.goal()] as long[]
            passStart[side] = first
        }
        double seconds = (now - first[0]) / 1e9d
        long covered = p.reached() - first[1]
        String rate = '', left = ''
        if (seconds >= 0.5d && covered > 0) {
            double perSecond = covered / seconds
            rate = String.format(', %.0f guest instructions/s', perSecond)
            if (p.goal() > p.reached()) left = String.format(', ~%.0f s left', (p.goal() - p.reached()) / perSecond)
        }
        sides[side] = "$side at guest instruction ${p.reached()} of ${p.goal()} (from ${p.from()})$rate$left".toString()
        if (!ctx.interactive) line()
    }

    private String text() {
        double s = (System.nanoTime() - started) / 1e9d
        String.format('%s: %.1f s%s  (Ctrl-C stops)', what, s, sides ? ', ' + sides.values().sort().join(', ') : '')
    }

    private synchronized void draw() {
        if (done) return
        ctx.out.print('\r' + ctx.render.dim(text()) + '\u001b[K')
        ctx.out.flush()
        shown = true
    }

    /** In a pipe: a line of its own, once the move has run for a while, and at most one a second. */
    private synchronized void line() {
        if (done) return
        long now = System.nanoTime()
        if (now - started < linesAfterMs * 1_000_000L) return
        if (lastLine != 0 && now - lastLine < LINE_EVERY_MS * 1_000_000L) return
        lastLine = now
        ctx.out.println(ctx.render.dim(text()))
        ctx.out.flush()
    }

    /** A line printed while the status line shows (a side's notice): on a line of its own, above it. */
    synchronized void printAbove(String line) {
        if (shown) ctx.out.print('\r\u001b[K')
        ctx.out.println(line)
        ctx.out.flush()
        shown = false
    }

    @Override
    synchronized void close() {
        done = true
        if (ctx.progress.is(this)) ctx.progress = null
        ticker?.interrupt()
        if (shown) {
            ctx.out.print('\r\u001b[K')
            ctx.out.flush()
        }
    }
}
