package tandem.mi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The waits for gdb's next {@code *stopped}: armed before the command that resumes the program,
 * completed by the stop, or failed at once by a loss (gdb, its target, the program).
 */
final class StopWaiters {

    /** The channel's lock: arming a wait and a loss that fails every wait are atomic to each other. */
    private final Object lock;
    private final GdbLosses losses;
    private final LongSupplier gdbPid;
    private final List<Waiter> waiters = new ArrayList<>(); // guarded by lock

    StopWaiters(Object lock, GdbLosses losses, LongSupplier gdbPid) {
        this.lock = lock;
        this.losses = losses;
        this.gdbPid = gdbPid;
    }

    /**
     * Arms a wait for the next {@code *stopped}.
     *
     * @throws GdbDiedException when gdb is gone
     * @throws TargetLostException when gdb has lost its remote target
     */
    Waiter expect(String awaited) {
        Waiter w = new Waiter(awaited);
        synchronized (lock) {
            losses.failIfDead(awaited);
            losses.failIfLost(awaited);
            waiters.add(w);
        }
        return w;
    }

    /** The armed waits, disarmed: the stop that came now is theirs. */
    List<Waiter> takeAll() {
        synchronized (lock) {
            List<Waiter> ws = new ArrayList<>(waiters);
            waiters.clear();
            return ws;
        }
    }

    /** Completes the waits taken for {@code stop}, which came at {@code at}. */
    static void stopped(List<Waiter> ws, AsyncRecord stop, MiMark at) {
        for (Waiter w : ws) {
            w.mark = at;
            w.stop.complete(stop);
        }
    }

    /** Fails every armed wait with the error {@code why} makes of what it awaited. */
    void failAll(Function<String, ? extends RuntimeException> why) {
        for (Waiter w : takeAll()) w.stop.completeExceptionally(why.apply(w.awaited));
    }

    /** Fails the given waits (taken under the lock with a loss) with the error {@code why} makes. */
    static void fail(List<Waiter> ws, Function<String, ? extends RuntimeException> why) {
        for (Waiter w : ws) w.stop.completeExceptionally(why.apply(w.awaited));
    }

    /** One armed wait. */
    final class Waiter implements PendingStop {
        /** What was awaited, for messages; an interrupt adds what it sent on the way. */
        volatile String awaited;
        final CompletableFuture<AsyncRecord> stop = new CompletableFuture<>();
        volatile MiMark mark;

        Waiter(String awaited) {
            this.awaited = awaited;
        }

        @Override
        public MiMark mark() {
            return mark;
        }

        @Override
        public AsyncRecord await(Duration timeout) {
            return await(timeout, timeout);
        }

        /** Waits {@code timeout}; a timeout's message names {@code shown}, the caller's whole budget. */
        AsyncRecord await(Duration timeout, Duration shown) {
            return MiWait.await(stop, timeout, shown, awaited, gdbPid.getAsLong(), this::cancel);
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                waiters.remove(this);
            }
        }
    }
}
