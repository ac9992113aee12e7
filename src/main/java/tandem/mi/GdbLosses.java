package tandem.mi;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * What a channel has lost, and the errors that say so: gdb itself (every wait fails with a
 * {@link GdbDiedException}), gdb's remote target (a {@link TargetLostException} for every wait and
 * every command from then on), or the native program gdb ran ({@link ProgramLostException} for
 * the stops awaited then; gdb goes on). Also gdb's words that tell a loss.
 */
final class GdbLosses {

    private final LongSupplier gdbPid;
    private volatile GdbDiedException death;
    /** What gdb said when it lost its remote target (null while it has it). */
    private volatile String targetLost;

    GdbLosses(LongSupplier gdbPid) {
        this.gdbPid = gdbPid;
    }

    /**
     * gdb's words when it loses a remote target (gdb 13.1 remote.c: readchar and
     * remote_serial_write): "Remote connection closed" at the connection's end (the server exited
     * or was killed; gdbserver's and rr's alike), "Remote communication error.  Target
     * disconnected: REASON" when reading or writing fails. gdb pops the remote target then and
     * reports no {@code *stopped}: {@code =thread-group-exited} without an exit code, then this line.
     */
    static boolean isLossOfTarget(String gdbText) {
        String t = gdbText.strip();
        return t.startsWith("Remote connection closed") || t.startsWith("Remote communication error");
    }

    /**
     * gdb's words when the native program it ran vanished under it (killed from outside) and it
     * will report no {@code *stopped}: gdb 13.1 says so instead of {@code exited-signalled} now and
     * then, the error that ended its handling of the program's last event: a thread list it cannot
     * read of a process that is gone, or a ptrace call on it that met ESRCH ("Couldn't get
     * registers: No such process.", "Couldn't read debug register: No such process.": 2 of 100
     * runs of GdbDebuggerSpec's SIGKILL-during-a-continue feature here).
     */
    static boolean isLossOfProgram(String gdbText) {
        String t = gdbText.strip();
        return t.startsWith("Cannot find user-level thread for LWP") || PTRACE_ON_GONE.matcher(t).matches();
    }

    /** gdb's error of a ptrace call on a thread that is gone (its perror_with_name, ESRCH's strerror). */
    private static final java.util.regex.Pattern PTRACE_ON_GONE = java.util.regex.Pattern.compile("Couldn't [^:]+: No such process\\.");

    /**
     * Takes gdb's end: how it ended ({@code exitCode} as Java reports it, 128 + signal when killed),
     * whether it was closed on purpose, and its last output. Call under the channel's lock, with the
     * waiters failed in the same hold.
     */
    GdbDiedException gdbEnded(int exitCode, boolean closing, List<String> tail) {
        String how = exitCode > 128 && exitCode < 128 + 65 ? "was killed by signal " + (exitCode - 128)
                : "exited with code " + exitCode;
        StringBuilder msg = new StringBuilder("gdb");
        long pid = gdbPid.getAsLong();
        if (pid > 0) msg.append(" (pid ").append(pid).append(')');
        msg.append(' ').append(how);
        if (closing) msg.append(" after close()");
        msg.append("; last output of gdb:");
        if (tail.isEmpty()) msg.append(" (none)");
        for (String l : tail) msg.append("\n  ").append(l);
        death = new GdbDiedException(msg.toString(), exitCode, tail);
        return death;
    }

    boolean dead() {
        return death != null;
    }

    /** Takes gdb's words when it lost its remote target; the first loss stays. */
    void targetLost(String gdbWords) {
        if (targetLost == null) targetLost = gdbWords;
    }

    /** What gdb said when it lost its remote target, or null while it has it. */
    String targetLost() {
        return targetLost;
    }

    void failIfDead(String awaited) {
        if (death != null) throw died(awaited);
    }

    void failIfLost(String awaited) {
        if (targetLost != null) throw lost(awaited);
    }

    GdbDiedException died(String awaited) {
        GdbDiedException d = death;
        String m = d.getMessage();
        int at = m.indexOf("; last output");
        return new GdbDiedException(m.substring(0, at) + " while waiting for " + awaited + m.substring(at), d.exitCode(), d.output());
    }

    TargetLostException lost(String awaited) {
        String said = targetLost;
        return new TargetLostException("gdb (pid " + gdbPid.getAsLong() + ") lost its target while waiting for " + awaited
                + ": it said `" + said + "`", said);
    }

    ProgramLostException programLost(String awaited, String gdbWords) {
        return new ProgramLostException("gdb (pid " + gdbPid.getAsLong() + ") lost the program it ran while waiting for "
                + awaited + ": it said `" + gdbWords + "` and reports no stop", gdbWords);
    }
}
