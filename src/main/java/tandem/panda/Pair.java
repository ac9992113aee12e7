// rec and rep moved together: the same call runs on both at once, one thread per side, so a
// search costs the slower side's time rather than the sum.
package tandem.panda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

public final class Pair implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final PandaSession rec;
    private final PandaSession rep;
    private final ExecutorService sides = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "tandem-side-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /**
     * Opens both sides at once (each starts its gdb and reads its PANDA's symbols, about half a
     * second on the real PANDA), not one after the other. An error names the side; the other side,
     * if it opened, is closed again.
     */
    public static Pair open(PandaSide rec, PandaSide rep, Optional<Arch> arch) {
        CompletableFuture<PandaSession> a = CompletableFuture.supplyAsync(() -> opened(rec, arch));
        CompletableFuture<PandaSession> b = CompletableFuture.supplyAsync(() -> opened(rep, arch));
        PandaSession r = null, q = null;
        RuntimeException failed = null;
        for (var f : List.of(a, b)) {
            try {
                PandaSession s = f.join();
                if (f == a) r = s;
                else q = s;
            } catch (CompletionException e) {
                if (failed == null) failed = e.getCause() instanceof RuntimeException re ? re : new PandaException(String.valueOf(e.getCause()));
            }
        }
        if (failed != null) {
            if (r != null) r.close();
            if (q != null) q.close();
            throw failed;
        }
        return new Pair(r, q);
    }

    private static PandaSession opened(PandaSide side, Optional<Arch> arch) {
        try {
            return side.open(arch);
        } catch (RuntimeException e) {
            throw new PandaException(side.name() + " (" + side.target().description() + "): " + e.getMessage(), e);
        }
    }

    /** Why a side failed to open (null for a side that opened): its one-line answer to every call. */
    private final String recFailed;
    private final String repFailed;

    public Pair(PandaSession rec, PandaSession rep) {
        this(rec, rep, null, null);
    }

    private Pair(PandaSession rec, PandaSession rep, String recFailed, String repFailed) {
        this.rec = rec;
        this.rep = rep;
        this.recFailed = recFailed;
        this.repFailed = repFailed;
    }

    /**
     * A pair of which one side failed to open ({@code failed}, its error): the other serves alone,
     * and each call on the failed side, or on both, says in one line that it did not start.
     */
    public static Pair withoutSide(PandaSession opened, String failedName, RuntimeException failed) {
        String first = String.valueOf(failed.getMessage()).lines().findFirst().orElse("").replaceFirst("^" + failedName + ":\\s*", "");
        String why = failedName + " did not start (" + first + "); `use " + opened.name() + "` works on " + opened.name();
        return failedName.equals("rec") ? new Pair(null, opened, why, null) : new Pair(opened, null, null, why);
    }

    /** rec; a PandaException in one line if it failed to open. */
    public PandaSession rec() {
        if (rec == null) throw new PandaException(recFailed);
        return rec;
    }

    /** rep; a PandaException in one line if it failed to open. */
    public PandaSession rep() {
        if (rep == null) throw new PandaException(repFailed);
        return rep;
    }

    /** The side that failed to open, with why, or empty when both opened. */
    public Optional<String> failedSide() {
        return Optional.ofNullable(recFailed != null ? recFailed : repFailed);
    }

    /**
     * Runs {@code call} on rec and rep concurrently. When a side fails, the other is waited for all
     * the same: a {@link SideFailed} names each failing side and keeps the other's answer. A side
     * that is gone ({@link PandaSession#gone()}) refuses it before either side starts.
     */
    public <T> Both<T> both(Function<PandaSession, T> call) {
        String gone = gone();
        if (gone != null) throw new PandaException(gone);
        Future<T> a = sides.submit(() -> call.apply(rec()));
        Future<T> b = sides.submit(() -> call.apply(rep()));
        Map<String, Object> answers = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        RuntimeException first = null;
        T x = null, y = null;
        for (Future<T> f : List.of(a, b)) {
            String side = f == a ? "rec" : "rep";
            try {
                T v = await(f, f == a ? rec : rep, side);
                answers.put(side, v);
                if (f == a) x = v;
                else y = v;
            } catch (RuntimeException e) {
                if (first == null) first = e;
                errors.add(e.getMessage());
            }
        }
        if (first == null) return new Both<>(x, y);
        throw new SideFailed(String.join("\n", errors), answers, first);
    }

    /** A side's answer; an error names the side. */
    private static <T> T await(Future<T> f, PandaSession session, String side) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (session != null) session.interrupt();
            throw new PandaException(side + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r && r.getMessage() != null && r.getMessage().startsWith(side)) throw r;
            throw new PandaException(side + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Why rec, rep or both can do nothing more ("rep: gdbserver ... is gone: ..."; both sentences
     * when both are), or null while both can.
     */
    public String gone() {
        String a = rec == null ? null : rec.gone(), b = rep == null ? null : rep.gone();
        if (a == null && b == null) return null;
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /** Stops the moves of both sides (Ctrl-C) until {@link #clearInterrupt()}. Never blocks. */
    public void interrupt() {
        if (rec != null) rec.interrupt();
        if (rep != null) rep.interrupt();
    }

    public void clearInterrupt() {
        if (rec != null) rec.clearInterrupt();
        if (rep != null) rep.clearInterrupt();
    }

    @Override
    public void close() {
        sides.shutdownNow();
        try (rec; rep) {
            // both debuggers end, even if one fails to
        }
    }
}
