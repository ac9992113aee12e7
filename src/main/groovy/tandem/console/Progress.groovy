// A status line for long moves on a terminal. The guest instruction count can't be read while
// the target runs (gdb answers nothing until it stops), so it shows what is known for sure: the
// target count, the time spent, and each side's count once that side has arrived.
package tandem.console

import groovy.transform.CompileStatic

import java.util.concurrent.ConcurrentHashMap

@CompileStatic
class Progress implements AutoCloseable {
    private static final long SHOW_AFTER_MS = 700

    private final Context ctx
    private final String what
    private final long started = System.nanoTime()
    private final Map<String, String> sides = new ConcurrentHashMap<>()
    private final Thread ticker
    private volatile boolean shown
    private volatile boolean done

    Progress(Context ctx, String what) {
        this.ctx = ctx
        this.what = what
        if (!ctx.interactive) { ticker = null; return }
        ctx.progress = this
        ticker = new Thread({
            try {
                Thread.sleep(SHOW_AFTER_MS)
                while (!done) {
                    draw()
                    Thread.sleep(250)
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
    }

    private synchronized void draw() {
        if (done) return
        double s = (System.nanoTime() - started) / 1e9d
        String line = String.format('%s: %.1f s%s  (Ctrl-C stops)', what, s, sides ? ', ' + sides.values().sort().join(', ') : '')
        ctx.out.print('\r' + ctx.render.dim(line) + '\u001b[K')
        ctx.out.flush()
        shown = true
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
