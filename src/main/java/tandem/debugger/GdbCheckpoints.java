package tandem.debugger;

import tandem.mi.MiChannel;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints of one gdb session: gdb's fork checkpoints of a program it traces, rr's own, or forks
 * tandem makes of a program behind a gdbserver ({@link ServerForks}); taking one, listing them, and
 * going back to one.
 */
final class GdbCheckpoints {

    /** gdb's "checkpoint N: fork returned pid P." and rr's "Checkpoint N at ...". */
    private static final Pattern CHECKPOINT = Pattern.compile("[Cc]heckpoint (\\d+)");

    private final Target target;
    private final MiChannel mi;
    private final GdbMoves moves;
    /** Checkpoints tandem forks itself, for a program behind a gdbserver (null: gdb's or rr's own). */
    private final ServerForks serverForks;

    GdbCheckpoints(Target target, MiChannel mi, GdbMoves moves) {
        this.target = target;
        this.mi = mi;
        this.moves = moves;
        this.serverForks = target.connection() == Target.Connection.REMOTE && target.canCheckpoint() ? new ServerForks(moves::console) : null;
    }

    int checkpoint() {
        if (serverForks != null) {
            return OpStats.time("checkpoint", () -> {
                try {
                    return serverForks.take();
                } finally {
                    // gdb reported the forked process last: interrupts still go to the one that runs
                    long pid = serverForks.currentPid();
                    if (pid > 0) mi.programSwitched(pid);
                }
            });
        }
        String out = OpStats.time("checkpoint", () -> moves.console("checkpoint"));
        Matcher m = CHECKPOINT.matcher(out);
        if (m.find()) {
            int n = Integer.parseInt(m.group(1));
            lastCheckpoint = Math.max(lastCheckpoint, n);
            return n;
        }
        // gdb's "checkpoint N: fork returned pid P." went missing (seen once in many runs, next to
        // an interrupt): the newest checkpoint gdb lists is the one just taken, if it is new
        int newest = newestListed(moves.console("info checkpoints"));
        if (newest > lastCheckpoint) {
            lastCheckpoint = newest;
            return newest;
        }
        throw new DebuggerException("checkpoint failed on " + target.description(), out.trim(), null);
    }

    /**
     * A checkpoint's line in `info checkpoints`: gdb's "* 0 Thread 0x... (LWP 31335) (main process) at ..."
     * or "  1 process 31340 at ...", or rr's "1\t4242\tWHERE" under its "ID\tWhen\tWhere" header
     * (rr's DebuggerExtensionCommand.cc, invoke_info_checkpoints).
     */
    private static final Pattern LISTED_CHECKPOINT = Pattern.compile("(?m)^([* ] *)?(\\d+)[ \\t]");

    /** The highest checkpoint number in gdb's or rr's `info checkpoints` text; -1 for none ("No checkpoints."). */
    static int newestListed(String infoCheckpoints) {
        java.util.NavigableSet<Integer> all = listed(infoCheckpoints, true);
        return all.isEmpty() ? -1 : all.last();
    }

    /** The checkpoint numbers in an `info checkpoints` text; gdb's current one ("* N ...") only when asked. */
    static java.util.NavigableSet<Integer> listed(String infoCheckpoints, boolean withCurrent) {
        java.util.NavigableSet<Integer> ids = new java.util.TreeSet<>();
        Matcher listed = LISTED_CHECKPOINT.matcher(infoCheckpoints);
        while (listed.find()) {
            boolean current = listed.group(1) != null && listed.group(1).startsWith("*");
            if (withCurrent || !current) ids.add(Integer.parseInt(listed.group(2)));
        }
        return ids;
    }

    java.util.Set<Integer> listedCheckpoints() {
        if (serverForks != null) return serverForks.listed();
        return listed(moves.console("info checkpoints"), false);
    }

    /** The highest checkpoint number this session has seen gdb give. */
    private volatile int lastCheckpoint = -1;

    void restart(int checkpoint) {
        if (serverForks != null) {
            long pid = OpStats.time("restart", () -> serverForks.restart(checkpoint));
            mi.programSwitched(pid);
            return;
        }
        if (!moves.tracesNatively()) {
            OpStats.time("restart", () -> moves.console("restart " + checkpoint));
            return;
        }
        // gdb restores the fork's file offsets with calls to lseek in it: a SIGINT still pending
        // there (an interrupt that raced the stop it was for) would abort them and the restart
        String saved = signalHandling("SIGINT");
        moves.console("handle SIGINT nostop noprint nopass");
        try {
            OpStats.time("restart", () -> moves.console("restart " + checkpoint));
        } finally {
            moves.console("handle SIGINT " + saved);
        }
    }

    /** How gdb handles a signal now, as `handle` takes it: "stop print nopass" and the like. */
    private String signalHandling(String signal) {
        Matcher m = Pattern.compile("(?m)^" + signal + "\\s+(Yes|No)\\s+(Yes|No)\\s+(Yes|No)").matcher(moves.console("info signals " + signal));
        if (!m.find()) return "stop print nopass"; // gdb's default for SIGINT
        return (m.group(1).equals("Yes") ? "stop" : "nostop") + " " + (m.group(2).equals("Yes") ? "print" : "noprint")
                + " " + (m.group(3).equals("Yes") ? "pass" : "nopass");
    }
}
