// The rec/rep pair the console works on, opened in the background so that the prompt comes at
// once: the first command that needs a session waits for it. Also tracks every debugger started,
// so that leaving tandem (even while they are still starting) ends every gdb and rr process.
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.Debugger
import tandem.debugger.GdbDebugger
import tandem.panda.Arch
import tandem.panda.Pair
import tandem.panda.PandaCommand
import tandem.panda.nondet.NondetLog
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.PandaSide
import tandem.panda.time.Pass
import tandem.rectrace.RecTraceView

import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ExecutionException
import java.util.function.Supplier

@CompileStatic
class Sessions implements AutoCloseable {

    final String description
    private final CompletableFuture<Pair> opening
    /** rec as the record run's trace (read-only), rep alone live: `--rec-trace`; else null. */
    final RecTraceView recTrace
    private final CompletableFuture<PandaSession> repOnly
    private final List<AutoCloseable> started = new CopyOnWriteArrayList<>()
    private final List<Closure> onClose = new CopyOnWriteArrayList<>()
    private volatile boolean closed
    /** The nondet log each side replays (-replay NAME: NAME-rr-nondet.log), or writes (the demo's rec), by side. */
    final Map<String, Path> nondetLogs = new java.util.concurrent.ConcurrentHashMap<String, Path>()
    /** Where each side is while starting, for the message shown while a command waits. */
    final Map<String, String> status = Collections.synchronizedMap(new LinkedHashMap<String, String>())

    private Sessions(String description, CompletableFuture<Pair> opening) {
        this.description = description
        this.opening = opening
        this.recTrace = null
        this.repOnly = null
    }

    private Sessions(String description, RecTraceView recTrace) {
        this.description = description
        this.recTrace = recTrace
        this.repOnly = new CompletableFuture<PandaSession>()
        this.opening = new CompletableFuture<Pair>()
        // what needs both sides live (both { }, bisect) says so; the search with a trace is its own verb
        opening.completeExceptionally(new PandaException(("rec is ${recTrace.where.name()}'s record trace (read-only), not a live PANDA: this needs a live rec"
                + " (the search against a record trace: tandem bisect --rec-trace ${recTrace.where.name()} --rep-cmd ...)").toString()))
    }

    /**
     * rec as the record trace (read and checked now), rep as {@code rep} opened in the background:
     * `tandem console --rec-trace NAME --rep-cmd CMDLINE`.
     */
    static Sessions withRecTrace(RecTraceView recTrace, String repCmd, Path directory, List<String> repAtBegin, Path gdb, Arch arch) {
        PandaSide rep = PandaSide.command('rep', PandaCommand.parse(repCmd, directory, repAtBegin), gdb)
        Sessions s = new Sessions("rec: ${recTrace}, rep: `${repCmd}`".toString(), recTrace)
        NondetLog.of(PandaCommand.parse(repCmd, directory, [])).ifPresent { s.nondetLogs['rep'] = it }
        s.side(rep, arch).whenComplete { PandaSession p, Throwable e ->
            if (e != null) s.repOnly.completeExceptionally(unwrap(e))
            else if (s.closed) { p.close(); s.repOnly.completeExceptionally(new PandaException('closed')) }
            else s.repOnly.complete(p)
        }
        return s
    }

    /** rep, waiting for it while it starts (with a record trace as rec). */
    PandaSession rep() {
        try {
            return repOnly.get()
        } catch (ExecutionException e) {
            RuntimeException cause = unwrap(e)
            throw new PandaException(cause.message ?: cause.toString(), cause)
        }
    }

    /** rep if it is up (with a record trace as rec), else null; never waits. */
    PandaSession repIfReady() {
        repOnly != null && repOnly.isDone() && !repOnly.isCompletedExceptionally() ? repOnly.getNow(null) : null
    }

    /** Starts both sides now, each on its own thread: gdb, symbols check, run to the first TB. */
    static Sessions open(String description, PandaSide rec, PandaSide rep, Arch arch) {
        CompletableFuture<Pair> f = new CompletableFuture<>()
        Sessions s = new Sessions(description, f)
        CompletableFuture<PandaSession> a = s.side(rec, arch)
        CompletableFuture<PandaSession> b = s.side(rep, arch)
        CompletableFuture.allOf(a, b).handle { Object ignored, Throwable e ->
            RuntimeException recFailed = failure(a), repFailed = failure(b)
            if (recFailed != null && repFailed != null) {
                f.completeExceptionally(recFailed.message?.startsWith('rec') && repFailed.message?.startsWith('rep') ?
                        new PandaException("${recFailed.message}\n${repFailed.message}".toString(), recFailed) : recFailed)
                return null
            }
            // a side that failed to open leaves the other serving alone: `use rec` or `use rep` works on it
            Pair p = recFailed != null ? Pair.withoutSide(b.join(), rec.name(), recFailed)
                    : repFailed != null ? Pair.withoutSide(a.join(), rep.name(), repFailed)
                    : new Pair(a.join(), b.join())
            if (s.closed) {
                p.close()
                f.completeExceptionally(new PandaException('closed'))
            } else {
                f.complete(p)
            }
            return null
        }
        return s
    }

    /** A side's error when it failed to open, naming the side; else null. */
    private static RuntimeException failure(CompletableFuture<PandaSession> side) {
        try {
            side.join()
            return null
        } catch (RuntimeException e) {
            return unwrap(e)
        }
    }

    /** No sessions: `tandem run` scripts open their own with demo(...) or open(...). */
    static Sessions none() {
        CompletableFuture<Pair> f = new CompletableFuture<>()
        f.completeExceptionally(new PandaException('no sessions are open: open them with demo(bug: "tlb") or open(rec: "recrep", rep: "reprep")'))
        return new Sessions('no sessions', f)
    }

    /**
     * The console verb's pair. Each side is an rr trace directory (replayed by rr under gdb) or,
     * when its command line is given, a PANDA command line gdb runs itself in {@code directory}.
     */
    static Sessions of(Path rr, Path gdb, Path recTrace, String recCmd, Path repTrace, String repCmd, Path directory,
                       List<String> recAtBegin, List<String> repAtBegin, String archName) {
        Arch arch = archName ? Arch.fromName(archName).orElseThrow {
            new PandaException("unknown arch '$archName': one of ${Arch.knownNames()}".toString())
        } : null
        PandaSide rec = sideOf('rec', PandaSession.Role.RECORD, rr, gdb, recTrace, recCmd, directory, recAtBegin)
        PandaSide rep = sideOf('rep', PandaSession.Role.REPLAY, rr, gdb, repTrace, repCmd, directory, repAtBegin)
        Closure<String> what = { Path t, String c -> c ? "`${c}`".toString() : "rr trace ${t}".toString() }
        String description = !recCmd && !repCmd ? "rr traces ${recTrace} and ${repTrace}".toString()
                : "rec: ${what(recTrace, recCmd)}, rep: ${what(repTrace, repCmd)}".toString()
        Sessions s = open(description, rec, rep, arch)
        [rec: recCmd, rep: repCmd].each { String side, String cmd ->
            if (cmd) NondetLog.of(PandaCommand.parse(cmd, directory, [])).ifPresent { s.nondetLogs[side] = it }
        }
        return s
    }

    private static PandaSide sideOf(String name, PandaSession.Role role, Path rr, Path gdb, Path trace, String cmd,
                                    Path directory, List<String> atBegin) {
        if (cmd) return PandaSide.command(name, PandaCommand.parse(cmd, directory, atBegin), gdb)
        if (trace == null) throw new PandaException("$name needs an rr trace directory or a PANDA command line (--$name-cmd)".toString())
        PandaSide t = PandaSide.trace(name, role, rr, gdb, trace)
        return atBegin ? new PandaSide(name, role, t.target(), atBegin) : t
    }

    private volatile Closure noticeSink = { String side, String text -> }
    private volatile Closure passSink = { String side, Pass pass -> }

    /** Where the sides' forward passes say how far they got (going back): {@code { side, pass -> }}. */
    void onPass(Closure sink) {
        passSink = sink
    }

    /** Where the sides' notices go (a move that re-executes, ...): {@code { side, text -> }}. */
    void onNotice(Closure sink) {
        noticeSink = sink
    }

    private CompletableFuture<PandaSession> side(PandaSide side, Arch arch) {
        CompletableFuture<PandaSession> f = new CompletableFuture<>()
        Thread t = new Thread({
            try {
                status[side.name()] = 'starting gdb'
                Debugger d = GdbDebugger.open(side.target())
                started << (AutoCloseable) d
                if (closed) { d.close(); throw new PandaException('closed') }
                status[side.name()] = 'checking symbols'
                PandaSession ps = PandaSession.open(side.name(), side.role(), d, Optional.ofNullable(arch))
                ps.atBegin(side.atBegin())
                ps.onNotice { String text -> noticeSink.call(side.name(), text) }
                ps.onPass { Pass pass -> passSink.call(side.name(), pass) }
                status[side.name()] = "running to ${side.role().beginFunction}".toString()
                long at = ps.beginRecordOrReplay()
                status[side.name()] = "ready at guest instruction $at".toString()
                f.complete(ps)
            } catch (Throwable e) {
                status[side.name()] = 'failed'
                RuntimeException r = unwrap(e)
                f.completeExceptionally(r.message?.startsWith(side.name()) ? r : new PandaException("${side.name()}: ${r.message ?: r}".toString(), r))
            }
        } as Runnable, "tandem-open-${side.name()}")
        t.daemon = true
        t.start()
        return f
    }

    boolean ready() {
        recTrace != null ? repIfReady() != null : opening.isDone() && !opening.isCompletedExceptionally()
    }

    boolean isOpening() {
        recTrace != null ? !repOnly.isDone() : !opening.isDone()
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
        recTrace == null && ready() ? opening.getNow(null) : null
    }

    void whenClosed(Closure c) {
        onClose << c
    }

    /** Stops a running move on both sides (Ctrl-C), never blocking the caller. */
    void interrupt() {
        Pair p = pairIfReady()
        if (p != null) p.interrupt()
        else if (repIfReady() != null) repIfReady().interrupt()
        else started.findAll { it instanceof Debugger }.each { ((Debugger) it).interrupt() }
    }

    /** A new command runs: a Ctrl-C given to the last one no longer applies. */
    void clearInterrupt() {
        pairIfReady()?.clearInterrupt()
        repIfReady()?.clearInterrupt()
    }


    /** Ends gdb and everything it started, on both sides, even while they are starting. */
    @Override
    void close() {
        if (closed) return
        closed = true
        Pair p = pairIfReady()
        if (p != null) p.close()
        repIfReady()?.close()
        started.each { AutoCloseable c -> try { c.close() } catch (Exception ignored) { } }
        onClose.each { Closure c -> try { c.call() } catch (Exception ignored) { } }
    }

    static RuntimeException unwrap(Throwable e) {
        Throwable t = e
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.cause != null) t = t.cause
        return t instanceof RuntimeException ? (RuntimeException) t : new PandaException(t.toString(), t)
    }
}
