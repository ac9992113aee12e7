// The rec/rep pair the console works on, opened in the background so that the prompt comes at
// once: the first command that needs a session waits for it. Also tracks every debugger started,
// so that leaving tandem (even while they are still starting) ends every gdb and rr process.
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.Debugger
import tandem.debugger.GdbDebugger
import tandem.debugger.RrReplay
import tandem.debugger.RrTrace
import tandem.debugger.Target
import tandem.panda.Arch
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession

import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ExecutionException
import java.util.function.Supplier

@CompileStatic
class Sessions implements AutoCloseable {

    /** Opens one side: a target for gdb, a name and a role. */
    static class Side {
        final String name
        final PandaSession.Role role
        final Target target
        Side(String name, PandaSession.Role role, Target target) {
            this.name = name; this.role = role; this.target = target
        }
    }

    final String description
    private final CompletableFuture<Pair> opening
    private final List<AutoCloseable> started = new CopyOnWriteArrayList<>()
    private final List<Closure> onClose = new CopyOnWriteArrayList<>()
    private volatile boolean closed
    /** Where each side is while starting, for the message shown while a command waits. */
    final Map<String, String> status = Collections.synchronizedMap(new LinkedHashMap<String, String>())

    private Sessions(String description, CompletableFuture<Pair> opening) {
        this.description = description
        this.opening = opening
    }

    /** Starts both sides now, each on its own thread: gdb, symbols check, run to the first TB. */
    static Sessions open(String description, Side rec, Side rep, Arch arch) {
        CompletableFuture<Pair> f = new CompletableFuture<>()
        Sessions s = new Sessions(description, f)
        CompletableFuture<PandaSession> a = s.side(rec, arch)
        CompletableFuture<PandaSession> b = s.side(rep, arch)
        a.thenCombine(b, { PandaSession x, PandaSession y -> new Pair(x, y) }).whenComplete { Pair p, Throwable e ->
            if (e != null) {
                [a, b].each { CompletableFuture<PandaSession> side -> if (!side.isCompletedExceptionally()) side.thenAccept { PandaSession ps -> ps.close() } }
                f.completeExceptionally(unwrap(e))
            } else if (s.closed) {
                p.close()
                f.completeExceptionally(new PandaException('closed'))
            } else {
                f.complete(p)
            }
        }
        return s
    }

    /** No sessions: `tandem run` scripts open their own with demo(...) or open(...). */
    static Sessions none() {
        CompletableFuture<Pair> f = new CompletableFuture<>()
        f.completeExceptionally(new PandaException('no sessions are open: open them with demo(bug: "tlb") or open(rec: "recrep", rep: "reprep")'))
        return new Sessions('no sessions', f)
    }

    /** The console verb's pair: two rr traces replayed under gdb. */
    static Sessions traces(Path rr, Path gdb, Path recTrace, Path repTrace, String archName) {
        Arch arch = archName ? Arch.fromName(archName).orElseThrow {
            new PandaException("unknown arch '$archName': one of ${Arch.knownNames()}".toString())
        } : null
        Side rec = new Side('rec', PandaSession.Role.RECORD, new RrReplay(new RrTrace(rr, recTrace.toAbsolutePath()), gdb, null))
        Side rep = new Side('rep', PandaSession.Role.REPLAY, new RrReplay(new RrTrace(rr, repTrace.toAbsolutePath()), gdb, null))
        return open("rr traces ${recTrace} and ${repTrace}".toString(), rec, rep, arch)
    }

    private CompletableFuture<PandaSession> side(Side side, Arch arch) {
        CompletableFuture<PandaSession> f = new CompletableFuture<>()
        Thread t = new Thread({
            try {
                status[side.name] = 'starting gdb'
                Debugger d = GdbDebugger.open(side.target)
                started << (AutoCloseable) d
                if (closed) { d.close(); throw new PandaException('closed') }
                status[side.name] = 'checking symbols'
                PandaSession ps = PandaSession.open(side.name, side.role, d, Optional.ofNullable(arch))
                status[side.name] = "running to ${side.role.beginFunction}".toString()
                long at = ps.beginRecordOrReplay()
                status[side.name] = "ready at guest instruction $at".toString()
                f.complete(ps)
            } catch (Throwable e) {
                status[side.name] = 'failed'
                f.completeExceptionally(e)
            }
        } as Runnable, "tandem-open-${side.name}")
        t.daemon = true
        t.start()
        return f
    }

    boolean ready() {
        opening.isDone() && !opening.isCompletedExceptionally()
    }

    boolean isOpening() {
        !opening.isDone()
    }

    /** The pair, waiting for it if it is still starting (Thread.interrupt ends the wait). */
    Pair pair() {
        try {
            return opening.get()
        } catch (ExecutionException e) {
            // a fresh exception, so that a script's failure points at the line that asked
            RuntimeException cause = unwrap(e)
            throw new PandaException(cause.message ?: cause.toString(), cause)
        }
    }

    /** The pair if it is up, else null; never waits. */
    Pair pairIfReady() {
        ready() ? opening.getNow(null) : null
    }

    void whenClosed(Closure c) {
        onClose << c
    }

    /** Stops a running move on both sides (Ctrl-C), never blocking the caller. */
    void interrupt() {
        Pair p = pairIfReady()
        if (p != null) p.interrupt()
        else started.findAll { it instanceof Debugger }.each { ((Debugger) it).interrupt() }
    }

    /** A new command runs: a Ctrl-C given to the last one no longer applies. */
    void clearInterrupt() {
        pairIfReady()?.clearInterrupt()
    }


    /** Ends gdb and everything it started, on both sides, even while they are starting. */
    @Override
    void close() {
        if (closed) return
        closed = true
        Pair p = pairIfReady()
        if (p != null) p.close()
        started.each { AutoCloseable c -> try { c.close() } catch (Exception ignored) { } }
        onClose.each { Closure c -> try { c.call() } catch (Exception ignored) { } }
    }

    static RuntimeException unwrap(Throwable e) {
        Throwable t = e
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.cause != null) t = t.cause
        return t instanceof RuntimeException ? (RuntimeException) t : new PandaException(t.toString(), t)
    }
}
