// What a PANDA replay printed, read the way a PANDA developer reads it: the progress lines
// ("NAME:  <instr> (<pct>%) instrs. ..."), the failure text, and the last instruction count reached.
package tandem.panda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 *
 * <p>A replay whose recording cannot be loaded never starts (rr_do_begin_replay, rr_log.c:1634-1652;
 * vl.c:4987-4990; measured on the notes' branch): a missing {@code NAME-rr-snp} prints
 * {@code loading snapshot}, {@code ... snapshot file doesn't exist?} and aborts; a snapshot QEMU
 * cannot load prints QEMU's reason through error_report ({@code panda-system-mips: Missing section
 * footer for cpu_common}, {@code ...: Not a migration stream}, {@code ...: Length mismatch:
 * mips_malta.ram: 0x8000000 in != 0x4000000: Invalid argument}), {@code Failed to load vmstate},
 * {@code Failed to start replay}, and exits 1.
 */
public record ReplayOutput(List<String> lines, int exitCode) {

    /** rr_do_begin_replay's words when it cannot open NAME-rr-snp (rr_log.c:1638); abort() follows. */
    private static final String SNAPSHOT_MISSING = "... snapshot file doesn't exist?";
    /** rr_do_begin_replay's words when qemu_loadvm_state fails on the snapshot (rr_log.c:1651). */
    private static final String SNAPSHOT_NOT_LOADED = "Failed to load vmstate";
    /** QEMU's error_report (util/qemu-error.c): the program's name, then the message. */
    /**
     * QEMU's words when the snapshot names another machine than the one running
     * (migration/savevm.c configuration_post_load): a recording of another PANDA target
     * (panda-system-x86_64's 'pc-i440fx-2.8' replayed by panda-system-mipsel's 'malta', say) or -M.
     */
    private static final Pattern OTHER_MACHINE = Pattern.compile("Machine type received is '([^']*)' and local is '([^']*)'");
    private static final Pattern ERROR_REPORT = Pattern.compile("^(?:panda|qemu)-system-[\\w-]+: (.+)$");

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
                    + "|Infinite loop detected during replay|>>> guest instruction counts disagree"
                    + "|" + Pattern.quote(SNAPSHOT_MISSING) + "|^" + SNAPSHOT_NOT_LOADED + "|^Failed to start replay");
    /** Lines that say where or why, kept around the reasons in {@link #failureText()}. */
    private static final Pattern CONTEXT = Pattern.compile(
            "^\\s*(Current log point|Current replay point|Replay program point|Record program point):"
                    + "|^Next log entry type:|^<queue empty>|^Ahead of log|Aborted|^\\s+RR_\\w+ .*from |" + ERROR_REPORT.pattern());

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

    /**
     * Why PANDA could not load the recording's snapshot, so that the replay never started: QEMU's
     * reason as error_report printed it ("Missing section footer for cpu_common"; several joined by
     * "; "), "the file does not exist" when PANDA could not open it, or "PANDA gave no reason".
     * Empty when the output says no such thing.
     */
    public Optional<String> snapshotNotLoaded() {
        if (lines.stream().anyMatch(l -> l.strip().equals(SNAPSHOT_MISSING))) {
            return Optional.of("PANDA could not open it (`" + SNAPSHOT_MISSING + "`)");
        }
        if (lines.stream().noneMatch(l -> l.strip().equals(SNAPSHOT_NOT_LOADED))) return Optional.empty();
        List<String> reasons = new ArrayList<>();
        for (String l : lines) {
            Matcher m = ERROR_REPORT.matcher(l.strip());
            if (m.matches()) reasons.add(m.group(1));
        }
        return Optional.of(reasons.isEmpty() ? "PANDA gave no reason (`" + SNAPSHOT_NOT_LOADED + "`)"
                : String.join("; ", reasons));
    }

    /**
     * The error for a replay that never started because PANDA could not load its snapshot:
     * {@code snapshot} names the file (NAME-rr-snp), {@code reason} is {@link #snapshotNotLoaded()}'s.
     * What to do follows from the reason: a missing file is a wrong {@code -replay NAME} or folder;
     * a file QEMU refuses was written by another PANDA build, with other machine options (-M, -m),
     * or was damaged.
     */
    public static String snapshotFailure(String snapshot, String reason) {
        boolean missing = reason.contains(SNAPSHOT_MISSING);
        Matcher machine = OTHER_MACHINE.matcher(reason);
        if (machine.find()) {
            return "PANDA could not load the snapshot " + snapshot + ": it was recorded on the machine '" + machine.group(1)
                    + "' and this PANDA runs '" + machine.group(2) + "' (" + reason + "); the replay never started."
                    + " A recording replays only on the PANDA target (panda-system-ARCH) and -M that recorded it:"
                    + " replay it with that binary and machine, or record it again with this one.";
        }
        return "PANDA could not load the snapshot " + snapshot + ": " + reason + "; the replay never started. "
                + (missing ? "Check -replay NAME and the folder PANDA runs in: the recording is NAME-rr-snp and NAME-rr-nondet.log there."
                : "A snapshot is loaded by the PANDA build and with the machine options (-M, -m) that recorded it;"
                + " replay it with those, or record it again with this one.");
    }
}
