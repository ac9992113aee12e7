package tandem.mi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for something gdb is to say, with a timeout whose message names what was awaited. */
final class MiWait {

    private MiWait() {
    }

    /**
     * Waits {@code timeout} for {@code f}; a timeout reports {@code shown} (the caller's whole budget).
     * A failure that completed {@code f} is thrown as it is.
     *
     * @throws MiTimeoutException naming {@code awaited} and gdb's pid, after running {@code onTimeout}
     */
    static <T> T await(CompletableFuture<T> f, Duration timeout, Duration shown, String awaited, long gdbPid,
                       Runnable onTimeout) {
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            onTimeout.run();
            throw new MiTimeoutException("timed out after " + human(shown) + " waiting for " + awaited
                    + " from gdb (pid " + gdbPid + ")");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new MiException("waiting for " + awaited + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            onTimeout.run();
            Thread.currentThread().interrupt();
            throw new MiException("interrupted while waiting for " + awaited, e);
        }
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}
