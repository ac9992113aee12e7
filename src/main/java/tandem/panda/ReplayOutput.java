// What a PANDA replay printed, read the way a PANDA developer reads it: the progress lines
// ("NAME:  <instr> (<pct>%) instrs. ..."), the failure text, and the last instruction count reached.
package tandem.panda;

import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record ReplayOutput(List<String> lines, int exitCode) {

    private static final Pattern PROGRESS = Pattern.compile("^\\S+:\\s+(\\d+) \\(\\s*[0-9.]+%\\) instrs\\.");
    private static final Pattern PROGRAM_POINT = Pattern.compile("\\{guest_instr_count=(\\d+)");

    /** PANDA's words for a replay that went off its log. */
    public boolean failed() {
        return exitCode != 0 || lines.stream().anyMatch(l -> l.contains("FOUND DISAGREEMENT")
                || (l.contains("rr_assertion") && l.contains("failed")));
    }

    /**
     * The highest guest instruction count the replay reported, from its progress lines and the
     * program points of its failure text: the `--instr-max` of a divergence search.
     */
    public OptionalLong lastInstr() {
        long best = -1;
        for (String l : lines) {
            Matcher m = PROGRESS.matcher(l);
            if (m.find()) best = Math.max(best, Long.parseLong(m.group(1)));
            Matcher p = PROGRAM_POINT.matcher(l);
            while (p.find()) best = Math.max(best, Long.parseLong(p.group(1)));
        }
        return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
    }

    /** The lines that say why the replay failed (empty when it did not). */
    public List<String> failureText() {
        return lines.stream().filter(l -> l.contains("DISAGREEMENT") || l.contains("rr_assertion")
                || PROGRAM_POINT.matcher(l).find() || l.contains("Aborted")).toList();
    }
}
