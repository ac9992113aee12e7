// What the host-level lockstep (HostLockstep) found: the first host function whose result differs
// between the two sides in the TB where they diverge (its return value, or the guest state it
// left), or the first place the host code took another path, with both backtraces; or, when it
// found nothing or gave up, why.
package tandem.bisect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * @param found         whether a difference was found (else {@code summary} says why not)
 * @param function      the host function named ("" when none)
 * @param summary       the report's line after "first host difference: "
 * @param chain         the functions further out that returned other values too, innermost
 *                      first, up to the helper the TB's host code called
 * @param recBacktrace  rec's frames at the difference, innermost first
 * @param repBacktrace  rep's frames there
 * @param steps         host instructions and calls stepped on the busier side
 */
public record HostDifference(boolean found, String function, String summary, List<String> chain,
                             List<String> recBacktrace, List<String> repBacktrace, long steps) {

    public HostDifference {
        chain = List.copyOf(chain);
        recBacktrace = List.copyOf(recBacktrace);
        repBacktrace = List.copyOf(repBacktrace);
    }

    static HostDifference none(String why, long steps) {
        return new HostDifference(false, "", why, List.of(), List.of(), List.of(), steps);
    }

    /** The report's lines: `first host difference: ...`, the chain, and the backtraces. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("first host difference: " + summary);
        if (!found) return out;
        if (!chain.isEmpty()) {
            out.add("  on its way to the guest these returned other values too: " + String.join(", ", chain));
        }
        if (recBacktrace.equals(repBacktrace)) {
            out.add("  backtrace (rec and rep):");
            recBacktrace.forEach(f -> out.add("    " + f));
        } else {
            out.add("  backtrace (rec):");
            recBacktrace.forEach(f -> out.add("    " + f));
            out.add("  backtrace (rep):");
            repBacktrace.forEach(f -> out.add("    " + f));
        }
        return out;
    }

    /** For the JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("found", found);
        m.put("function", function);
        m.put("summary", summary);
        m.put("chain", chain);
        m.put("recBacktrace", recBacktrace);
        m.put("repBacktrace", repBacktrace);
        m.put("steps", steps);
        return m;
    }

    @Override
    public String toString() {
        return String.join("\n", lines());
    }
}
