package tandem.mi;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Hands what gdb said (async and stream records, program output, gdb's end) to the
 * {@link MiListener}s, in gdb's order, on one thread of its own, so a slow listener never holds up
 * the reading of gdb's output.
 */
final class MiDispatcher {

    private static final Object STOP = new Object();

    private final List<MiListener> listeners = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Thread thread;

    MiDispatcher(List<MiListener> listeners) {
        this.listeners.addAll(listeners);
        this.thread = new Thread(this::dispatch, "mi-dispatcher");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void addListener(MiListener listener) {
        listeners.add(listener);
    }

    void removeListener(MiListener listener) {
        listeners.remove(listener);
    }

    /** An {@link AsyncRecord}, {@link StreamRecord}, {@link ProgramOutput} or {@link GdbDiedException}, for the listeners. */
    void add(Object event) {
        events.add(event);
    }

    /** Ends the thread once what came before is handed on. */
    void stop() {
        events.add(STOP);
    }

    private void dispatch() {
        while (true) {
            Object e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                return;
            }
            if (e == STOP) return;
            for (MiListener l : listeners) {
                try {
                    if (e instanceof AsyncRecord a) l.onAsync(a);
                    else if (e instanceof StreamRecord s) {
                        l.onStream(s);
                        if (s.kind() == StreamRecord.Kind.TARGET) l.onProgramOutput(s.text(), true);
                    } else if (e instanceof ProgramOutput o) l.onProgramOutput(o.line(), false);
                    else if (e instanceof GdbDiedException d) l.onGdbExit(d);
                } catch (RuntimeException | Error ignored) {
                    // one failing listener must not starve the others or stop the dispatcher
                }
            }
        }
    }
}
