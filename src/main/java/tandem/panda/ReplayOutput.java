// What a PANDA replay printed, read the way a PANDA developer reads it: the progress lines
// ("NAME:  <instr> (<pct>%) instrs. ..."), the failure text, and the last instruction count reached.
package tandem.panda;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PANDA replay's output lines (stdout and stderr merged, in the order seen) and its exit code.
 *
 * <p>The failure texts are PANDA's (panda/src/rr/rr_log.c): {@code rr_assert_fail} prints
 * <pre>
 * RR rr_assertion `current_item' failed at .../rr_log.c:1036
 * Current log point:
 * {guest_instr_count=32324878}        the log's next entry: NOT reached
 * Next log entry type: RR_INPUT_8
 * Current replay point:
 * {guest_instr_count=32324870}        where the replay is: reached
 * </pre>
 * and aborts; {@code rr_signal_disagreement} prints {@code FOUND DISAGREEMENT!}, {@code Replay
 * program point:} (reached), {@code Record program point:} (the log's), and
 * {@code >>> guest instruction counts disagree} when they differ; a log entry shown by
 * {@code rr_spit_log_entry} is a program point followed by a {@code \tRR_KIND from CALLSITE} line
 * (the log's too). {@code rr_do_end_replay(1)} prints {@code ERROR: replay failed!}.
 */
public record ReplayOutput(List<String> lines, int exitCode) {

    private static final Pattern PROGRESS = Pattern.compile("^\\S+:\\s+(\\d+) \\(\\s*[0-9.]+%\\) instrs\\.");
    /**
     * A line of PANDA's replay progress ("ls:  532222 (14.00%) instrs.  0.33 sec.  0.16 GB ram."):
     * it carries the recording's name and host time, and when it comes depends on host speed.
     */
    public static boolean isProgress(String line) {
        return PROGRESS.matcher(line).find();
    }

    private static final Pattern PROGRAM_POINT = Pattern.compile("\\{guest_instr_count=(\\d+)");
    /** Labels of program points that are the log's, not the replay's: "Current log point:", "Record program point:". */
    private static final Pattern LOG_POINT_LABEL = Pattern.compile("^\\s*(Current log point|Record program point):\\s*$");
    /** The second line of a log entry printed by rr_spit_log_entry: "\tRR_INPUT_8 from RR_CALLSITE_IO_READ_ALL". */
    private static final Pattern LOG_ENTRY_KIND = Pattern.compile("^\\s+(RR_\\w+|UNKNOWN RR log kind)\\b");
    /** PANDA's words for a replay that went wrong; each such line is a reason kept in {@link #failureText()}. */
    private static final Pattern FAILED = Pattern.compile(
            "FOUND DISAGREEMENT|rr_assertion .* failed|Assertion .* failed|ERROR: replay failed!"
                    + "|Infinite loop detected during replay|>>> guest instruction counts disagree");
    /** Lines that say where or why, kept around the reasons in {@link #failureText()}. */
    private static final Pattern CONTEXT = Pattern.compile(
            "^\\s*(Current log point|Current replay point|Replay program point|Record program point):"
                    + "|^Next log entry type:|^<queue empty>|^Ahead of log|Aborted|^\\s+RR_\\w+ .*from ");

    /** Whether the replay failed: a non-zero exit, or PANDA's failure words whatever the exit code. */
    public boolean failed() {
        return exitCode != 0 || lines.stream().anyMatch(l -> FAILED.matcher(l).find());
    }

    /**
     * The highest guest instruction count the replay reached, from its progress lines and the
     * program points of its failure text that are the replay's own (not the log's next entry nor a
     * record program point): the {@code --instr-max} of a divergence search.
     */
    public OptionalLong lastInstr() {
        long best = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            Matcher m = PROGRESS.matcher(l);
            if (m.find()) best = Math.max(best, Long.parseLong(m.group(1)));
            Matcher p = PROGRAM_POINT.matcher(l);
            if (p.find() && reached(i)) best = Math.max(best, Long.parseLong(p.group(1)));
        }
        return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
    }

    /** Whether the program point on line {@code i} is one the replay got to. */
    private boolean reached(int i) {
        if (i + 1 < lines.size() && LOG_ENTRY_KIND.matcher(lines.get(i + 1)).find()) return false;
        for (int j = i - 1; j >= 0; j--) {
            String label = lines.get(j);
            if (label.isBlank()) continue;
            return !LOG_POINT_LABEL.matcher(label).find();
        }
        return true;
    }

    /** The lines that say why the replay failed and where (empty when it did not). */
    public List<String> failureText() {
        if (!failed()) return List.of();
        List<String> text = new ArrayList<>();
        for (String l : lines) {
            if (FAILED.matcher(l).find() || CONTEXT.matcher(l).find() || PROGRAM_POINT.matcher(l).find()) text.add(l);
        }
        return text;
    }
}
