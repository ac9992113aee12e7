package tandem.debugger;

import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiException;
import tandem.mi.MiValue.MiTuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a breakpoint stop that was in truth the end of the program, killed from outside at that
 * breakpoint: natively, gdb 13.1 reports the breakpoint hit when the program died while gdb tested
 * its condition; through gdbserver 13.1, which tests the condition itself, gdb reports a plain
 * SIGTRAP.
 */
final class KilledWhileTesting {

    private final Target target;
    private final MiChannel mi;
    /** Whether gdb traces the program itself (its pids are this machine's, as a local gdbserver's are). */
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
     * How long a program gdb reports stopped, but not held so, may take to show as ended: the
     * kernel tears a killed process down after its memory is gone (seen: gdb reported the SIGTRAP,
     * could not write it, and /proc showed it not yet a zombie).
     */
    private static final Duration ENDING = Duration.ofSeconds(5);

    /**
     * The error of a breakpoint stop that was in truth the end of the program, else null. A program
     * killed from outside (SIGKILL) while its breakpoint's condition was tested:
     * <ul>
     * <li>natively, gdb 13.1 cannot read the condition's memory, says so, stops "at" the breakpoint
     *     and reports it hit, with no exit (the zombie is reaped only at the next resume);</li>
     * <li>through gdbserver 13.1, which tests the condition itself, gdbserver cannot read the
     *     stop's siginfo either ({@code PTRACE_GETSIGINFO}, save_stop_reason in linux-low.cc), so it
     *     neither tells the trap as its breakpoint's nor backs the PC up over the breakpoint
     *     instruction: gdb reports a plain SIGTRAP one byte past the breakpoint (x86-64: the int3's
     *     length), mostly saying it cannot take its breakpoints out as the program is no longer
     *     writable, at times with no such words (it could still, the program on its way out).</li>
     * </ul>
     * Only such a stop is checked (a breakpoint hit with such words of gdb's), only where the program's pids are this
     * machine's (gdb traces it itself, or a gdbserver tandem started here runs it), and only the
     * program gdb itself names as the one it runs now ({@code -list-thread-groups}: a fork
     * checkpoint gdb switched to is another pid than the one first started), per /proc: a condition
     * that fails, or a SIGTRAP, on a program that still runs is a stop like any other.
     *
     * @param said what gdb printed during the move, before and with its stop
     */
    DebuggerException check(Stop stop, String said, String during) {
        boolean trap = stop.reason() == Stop.Reason.SIGNAL_RECEIVED && "SIGTRAP".equals(stop.signal());
        if (stop.reason() != Stop.Reason.BREAKPOINT_HIT && !trap) return null;
        Matcher failed = CONDITION_FAILED.matcher(said);
        boolean conditionFailed = failed.find();
        // gdb may read and write a dying program before the kernel has taken its memory: a SIGTRAP
        // comes with or without gdb's words, and /proc alone tells
        if (!trap && !conditionFailed && !said.contains(NO_LONGER_WRITABLE)) return null;
        // a remote server's pids are not this machine's unless tandem started it here (rr: the recorded ones)
        if (!target.serverPidsLocal() && !tracesNatively.getAsBoolean()) return null;
        List<Long> pids = programPids();
        if (pids.isEmpty() || !pids.stream().allMatch(pid -> mi.programEnded(pid, ENDING))) return null;
        try {
            // gdb holds the program as stopped still: it (or the server) reaps it now, and says there is none from here on
            mi.console("kill");
        } catch (MiException ignored) {
            // the error below says what happened either way
        }
        if (trap) {
            return new DebuggerException(target.description() + " ended during " + during
                    + ", killed from outside tandem at a trap: gdb reported `" + stop
                    + "` (a breakpoint's trap that could no longer be told as one), but program pid " + joined(pids)
                    + " no longer exists; gdb can run it again");
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
