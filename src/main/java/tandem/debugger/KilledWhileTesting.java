package tandem.debugger;

import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiException;
import tandem.mi.MiValue.MiTuple;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a breakpoint stop that was in truth the end of the program: a native program killed from
 * outside while gdb tested the breakpoint's condition, which gdb 13.1 reports as that breakpoint hit.
 */
final class KilledWhileTesting {

    private final Target target;
    private final MiChannel mi;
    /** Whether gdb traces the program itself (its pids are this machine's). */
    private final BooleanSupplier tracesNatively;

    KilledWhileTesting(Target target, MiChannel mi, BooleanSupplier tracesNatively) {
        this.target = target;
        this.mi = mi;
        this.tracesNatively = tracesNatively;
    }

    /**
     * gdb's words when it could not test a breakpoint's condition (gdb 13.1's "Error in testing
     * breakpoint condition:", gdb 14's "Error in testing condition for breakpoint N:", breakpoint.c),
     * the error itself on the next line. gdb then stops at that breakpoint as if the condition held.
     */
    private static final Pattern CONDITION_FAILED =
            Pattern.compile("Error in testing (?:breakpoint condition|condition for breakpoint \\d+):\\s*\\n?([^\\n]*)");

    /**
     * gdb's words when it cannot take its breakpoints out of a program whose memory is gone
     * (breakpoint.c, remove_breakpoints_inf's caller in infrun.c).
     */
    private static final String NO_LONGER_WRITABLE = "program is no longer writable";

    /**
     * The error of a breakpoint stop that was in truth the end of the program, else null. A native
     * program killed from outside (SIGKILL) while gdb tests a conditional breakpoint's condition:
     * gdb 13.1 cannot read the condition's memory, says so, stops "at" the breakpoint and reports it
     * hit, with no exit (the zombie is reaped only at the next resume). Only such a stop is checked,
     * and only the program gdb itself names as the one it runs now ({@code -list-thread-groups}: a
     * fork checkpoint gdb switched to is another pid than the one first started), per /proc: a
     * condition that fails on a program that still runs is a stop like any other.
     *
     * @param said what gdb printed during the move, before and with its stop
     */
    DebuggerException check(Stop stop, String said, String during) {
        if (stop.reason() != Stop.Reason.BREAKPOINT_HIT) return null;
        Matcher failed = CONDITION_FAILED.matcher(said);
        boolean conditionFailed = failed.find();
        if (!conditionFailed && !said.contains(NO_LONGER_WRITABLE)) return null;
        if (!tracesNatively.getAsBoolean()) return null; // a server's pids are not this machine's (rr: the recorded ones)
        List<Long> pids = programPids();
        if (pids.isEmpty() || !pids.stream().allMatch(mi::programEnded)) return null;
        try {
            // gdb holds the program as stopped still: it reaps it now, and says there is none from here on
            mi.console("kill");
        } catch (MiException ignored) {
            // the error below says what happened either way
        }
        String why = conditionFailed && !failed.group(1).isBlank() ? " (gdb said `" + failed.group(1).strip() + "`)" : "";
        return new DebuggerException(target.description() + " ended during " + during
                + ", killed from outside tandem while gdb tested the condition of breakpoint " + stop.breakpoint()
                + why + ": gdb reported the breakpoint hit, but program pid " + joined(pids)
                + " no longer exists; gdb can run it again");
    }

    /** The pids of the programs gdb runs now, by its own {@code -list-thread-groups}; empty when it runs none or does not answer. */
    private List<Long> programPids() {
        List<Long> pids = new ArrayList<>();
        try {
            for (MiTuple g : mi.send(MiCommand.of("list-thread-groups")).record().results().list("groups").tuples()) {
                String pid = g.string("pid", null);
                if (pid != null && pid.matches("\\d{1,18}")) pids.add(Long.parseLong(pid));
            }
        } catch (MiException e) {
            return List.of();
        }
        return pids;
    }

    private static String joined(List<Long> pids) {
        return pids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
    }
}
