// Where rec's and rep's TB boundaries differ at a divergence: one side began TBs (stopped at
// cpu_loop_exec_tb) where the other ran on inside one of its own, so the two were compared only at
// the boundaries both have and nothing between them was seen. PANDA chains TBs while recording
// (cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`), so a record run without `-d nochain`
// has fewer boundaries than its replay; a replay may also run through a TB start of its record run.
package tandem.bisect;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * @param side the side that ran on, inside one TB or chain of TBs, where the other began a TB ("rec" or "rep")
 * @param from guest instruction count where that TB or chain of {@code side} began, or -1 when not seen
 * @param at   guest instruction count of the other side's TB boundary (or its end) that {@code side} ran through
 * @param to   guest instruction count where {@code side} began its next TB, or -1 when not seen
 * @param chained whether {@code side} runs its TBs chained (a record run without -d nochain), else
 *             its TB simply ran on (a replay through a TB start of its record run)
 * @param how  what the search saw, in the report's words (which counts, which side)
 */
public record TbBoundaries(String side, long from, long at, long to, boolean chained, String how) {

    /** The other side's name. */
    public String other() {
        return side.equals("rec") ? "rep" : "rec";
    }

    /** For the JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("side", side);
        m.put("from", from);
        m.put("at", at);
        m.put("to", to);
        m.put("chained", chained);
        m.put("how", how);
        return m;
    }

    @Override
    public String toString() {
        return how;
    }
}
