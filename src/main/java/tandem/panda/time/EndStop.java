// Why a move of one PANDA process ended where it did, in words a user can act on: PANDA's end of
// record / replay (the end stop), a replay that failed there or in rr_assert_fail, a process killed
// from outside, a replay whose snapshot did not load before it began.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Stop;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;
import tandem.panda.ReplayOutput;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class EndStop {
    private final String name;
    private final PandaProcess process;
    private final Debugger gdb;

    EndStop(PandaProcess process) {
        this.name = process.name();
        this.process = process;
        this.gdb = process.debugger();
    }

    /**
     * The recording's snapshot, as rr_do_begin_replay names it from its {@code file_name_full}
     * (rr_get_snapshot_file_name, rr_log.c:1404-1410: DIR/NAME-rr-snp for {@code -replay DIR/NAME}),
     * resolved against the folder tandem ran PANDA in; null on the record side or when gdb cannot
     * read the name.
     */
    String snapshotFileHere() {
        String full;
        try {
            Matcher m = C_STRING.matcher(gdb.evaluate("file_name_full"));
            if (!m.find()) return null;
            full = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        } catch (DebuggerException e) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(full);
        java.nio.file.Path dir = p.getParent() == null ? java.nio.file.Path.of(".") : p.getParent();
        // an rr trace's PANDA ran in a folder the trace does not tell; a program tandem started runs in its own
        if (!dir.isAbsolute() && gdb.target() instanceof tandem.debugger.LiveProgram live && live.workingDirectory() != null) {
            dir = live.workingDirectory().resolve(dir).normalize();
        }
        return dir.resolve(p.getFileName() + "-rr-snp").toString();
    }

    /** A {@code char *} as gdb prints it: {@code 0x5555559a1c0 "ls"}. */
    private static final Pattern C_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    /**
     * Why the program stopped at PANDA's end of record / replay, which it has just reached. A replay
     * that fails ends there too: PANDA's rr_assertion calls rr_do_end_replay(is_error = 1)
     * (rr_log_all.h:282) and prints "ERROR: replay failed!"; that is the replay failing, not the
     * recording ending.
     */
    String endedHere(Object goal, long at) {
        // the count can be past the goal: the failure came inside the TB that spans it, before a
        // TB at or past it began
        String inside = goal instanceof Long g && at >= g ? ", before a TB at or past " + g + " began" : "";
        if (replayFailedHere()) {
            return "PANDA's replay failed at guest instruction " + at + inside + " (" + process.endFunction() + " with is_error set)"
                    + lastWords(gdb.drainProgramOutput());
        }
        return (inside.isEmpty() ? "the recording ends before it, at guest instruction " + at
                : "the recording ends at guest instruction " + at + inside) + " (stopped in " + process.endFunction() + ")";
    }

    /**
     * Stopped in PANDA's end of replay, whether it is ending a failed replay: rr_assertion calls
     * rr_do_end_replay(is_error = 1) (rr_log_all.h:282), the end of the log calls it with 0.
     */
    boolean replayFailedHere() {
        if (!process.replays()) return false;
        try {
            return gdb.evaluateUnsigned("is_error") != 0;
        } catch (DebuggerException e) {
            return false;   // not there, or a build whose end function has no such parameter
        }
    }

    /**
     * The program died of SIGKILL: PANDA never sends itself one (it ends a failed replay with
     * abort(), rr_log.c:257) and tandem sends one only to what it closes, so someone else did
     * (kill -9, the OOM killer). gdb reports {@code *stopped,reason="exited-signalled",signal-name="SIGKILL"},
     * natively and through gdbserver alike.
     */
    static boolean killedFromOutside(Stop stop) {
        return stop.reason() == Stop.Reason.EXITED_SIGNALLED && "SIGKILL".equals(stop.signal());
    }

    /**
     * The program ended before its record or replay reached its first TB: no recording was
     * played, so none ended. A replay whose snapshot PANDA could not load says which file and why.
     */
    PandaException notBegun(Stop stop, Object goal, String snapshotFile) {
        try {
            gdb.awaitProgramOutput();   // PANDA's reason may still be on its way when gdb reports the end
        } catch (RuntimeException e) {
            // what has arrived is still worth saying
        }
        List<String> printed = gdb.drainProgramOutput();
        if (process.replays()) {
            Optional<String> why = new ReplayOutput(printed, 1).snapshotNotLoaded();
            if (why.isPresent()) {
                return new PandaException(name + ": " + ReplayOutput.snapshotFailure(
                        snapshotFile == null ? "of the recording" : snapshotFile, why.get()));
            }
        }
        return new PandaException(name + " did not reach " + goal + ": " + ending(stop) + " before the "
                + (process.replays() ? "replay" : "recording") + " began" + lastWords(printed));
    }

    /**
     * A stop that ends this program, in words: a replay that stops on SIGABRT inside rr_assert_fail
     * is PANDA's replay failing (rr_log.c:92-94,257: a failed rr_assert prints its expression and
     * calls abort()), not any abort; anything else as gdb said it.
     */
    String ending(Stop stop) {
        if (process.replays() && stop.reason() == Stop.Reason.SIGNAL_RECEIVED && stop.toString().contains("SIGABRT")) {
            try {
                if (gdb.backtrace().stream().anyMatch(f -> PandaNames.RR_ASSERT_FAIL.equals(f.function()))) {
                    return "PANDA's replay failed there: " + PandaNames.RR_ASSERT_FAIL + " aborted it";
                }
            } catch (RuntimeException e) {
                // no stack to read: say what gdb said
            }
        }
        return stop.toString();
    }

    /**
     * What PANDA printed last, for an error about its end: its own reason (a missing snapshot, a
     * failed rr_assertion) says more than the signal it died of.
     */
    String lastWords(List<String> printed) {
        List<String> out = printed.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (out.isEmpty()) return "";
        return "; PANDA printed: " + String.join(" / ", out.subList(Math.max(0, out.size() - 3), out.size()));
    }
}
