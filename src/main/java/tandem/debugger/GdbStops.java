package tandem.debugger;

import tandem.mi.AsyncRecord;
import tandem.mi.MiValue.MiTuple;

/** gdb's {@code *stopped} records as {@link Stop}s. */
final class GdbStops {

    private GdbStops() {
    }

    /**
     * The stop of a {@code *stopped} record; a stop by a signal (SIGINT, or none named) after an
     * interrupt of this session's ({@code interruptRequested}) is {@link Stop.Reason#INTERRUPTED}.
     */
    static Stop of(AsyncRecord r, boolean interruptRequested) {
        MiTuple t = r.results();
        Stop.Reason reason = Stop.Reason.fromMi(r.reason());
        String signal = t.string("signal-name", null);
        if (interruptRequested && (reason == Stop.Reason.SIGNAL_RECEIVED || reason == Stop.Reason.OTHER)
                && (signal == null || "SIGINT".equals(signal) || "0".equals(signal))) {
            reason = Stop.Reason.INTERRUPTED;
        }
        Frame frame = null;
        if (t.has("frame")) {
            MiTuple f = t.tuple("frame");
            frame = new Frame(f.has("level") ? (int) f.number("level") : 0, f.string("func", null),
                    f.has("addr") ? f.number("addr") : 0, f.string("file", null),
                    f.has("line") ? (int) f.number("line") : 0);
        }
        int bp = t.has("bkptno") ? Integer.parseInt(t.string("bkptno")) : 0;
        if (bp == 0 && t.has("wpt")) bp = Integer.parseInt(t.tuple("wpt").string("number"));
        // gdb reports exit codes in octal ("01")
        Integer exit = t.has("exit-code") ? Integer.parseInt(t.string("exit-code"), 8) : null;
        if (exit == null && reason == Stop.Reason.EXITED_NORMALLY) exit = 0;
        return new Stop(reason, bp, frame, exit, signal);
    }
}
