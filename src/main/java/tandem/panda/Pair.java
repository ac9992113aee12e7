// rec and rep moved together: the same call runs on both at once, one thread per side, so a
// search costs the slower side's time rather than the sum.
package tandem.panda;

import java.util.List;
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

    public Pair(PandaSession rec, PandaSession rep) {
        this.rec = rec;
        this.rep = rep;
    }

    public PandaSession rec() {
        return rec;
    }

    public PandaSession rep() {
        return rep;
    }

    /**
     * Runs {@code call} on rec and rep concurrently; an error on either side names the side. A side
     * that is gone ({@link PandaSession#gone()}) refuses it before either side starts.
     */
    public <T> Both<T> both(Function<PandaSession, T> call) {
        String gone = gone();
        if (gone != null) throw new PandaException(gone);
        Future<T> a = sides.submit(() -> call.apply(rec));
        Future<T> b = sides.submit(() -> call.apply(rep));
        return new Both<>(await(a, rec, b), await(b, rep, a));
    }

    private static <T> T await(Future<T> f, PandaSession side, Future<?> other) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            side.interrupt();
            throw new PandaException(side.name() + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            try {
                other.get(); // let the other side finish so both stay usable
            } catch (Exception ignored) {
                // its own error is reported by its own await
            }
            if (cause instanceof RuntimeException r && r.getMessage() != null && r.getMessage().startsWith(side.name())) throw r;
            throw new PandaException(side.name() + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Why rec, rep or both can do nothing more ("rep: gdbserver ... is gone: ..."; both sentences
     * when both are), or null while both can.
     */
    public String gone() {
        String a = rec.gone(), b = rep.gone();
        if (a == null && b == null) return null;
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /** Stops the moves of both sides (Ctrl-C) until {@link #clearInterrupt()}. Never blocks. */
    public void interrupt() {
        rec.interrupt();
        rep.interrupt();
    }

    public void clearInterrupt() {
        rec.clearInterrupt();
        rep.clearInterrupt();
    }

    @Override
    public void close() {
        sides.shutdownNow();
        try (rec; rep) {
            // both debuggers end, even if one fails to
        }
    }
}
