// Why and where the target stopped after a continue, step or interrupt.
package tandem.debugger;

public record Stop(Reason reason, int breakpoint, Frame frame, Integer exitCode, String signal) {

    public enum Reason {
        BREAKPOINT_HIT, WATCHPOINT_TRIGGER, END_STEPPING_RANGE, FUNCTION_FINISHED,
        SIGNAL_RECEIVED, EXITED, EXITED_NORMALLY, EXITED_SIGNALLED,
        /** rr: reverse execution reached the start of the recording. */
        NO_HISTORY,
        /** the target was interrupted by tandem (Ctrl-C, a timeout). */
        INTERRUPTED,
        OTHER;

        /** Maps gdb's MI {@code reason} field (e.g. "breakpoint-hit"). */
        public static Reason fromMi(String reason) {
            if (reason == null) return OTHER;
            return switch (reason) {
                case "breakpoint-hit" -> BREAKPOINT_HIT;
                case "watchpoint-trigger", "read-watchpoint-trigger", "access-watchpoint-trigger",
                     "watchpoint-scope" -> WATCHPOINT_TRIGGER;
                case "end-stepping-range", "location-reached" -> END_STEPPING_RANGE;
                case "function-finished" -> FUNCTION_FINISHED;
                case "signal-received" -> SIGNAL_RECEIVED;
                case "exited" -> EXITED;
                case "exited-normally" -> EXITED_NORMALLY;
                case "exited-signalled" -> EXITED_SIGNALLED;
                case "no-history" -> NO_HISTORY;
                default -> OTHER;
            };
        }
    }

    /** True when the program is gone: nothing more can be evaluated until it is restarted. */
    public boolean exited() {
        return reason == Reason.EXITED || reason == Reason.EXITED_NORMALLY || reason == Reason.EXITED_SIGNALLED;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(reason.name().toLowerCase().replace('_', '-'));
        if (breakpoint > 0) s.append(" (breakpoint ").append(breakpoint).append(')');
        if (signal != null) s.append(' ').append(signal);
        if (exitCode != null) s.append(" code ").append(exitCode);
        // code gdb has no symbol for (the vsyscall page, a wild jump) is named by its address
        boolean named = frame != null && frame.function() != null && !frame.function().equals("??");
        if (named) s.append(" in ").append(frame.function());
        else if (frame != null) s.append(" at 0x").append(Long.toHexString(frame.address()));
        return s.toString();
    }
}
