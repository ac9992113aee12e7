// A call on rec and rep at once that failed on one side or both: what each failing side said, and
// the answer of a side that did not fail, so that the console shows it rather than losing it.
package tandem.panda;

import java.util.Map;

/**
 * {@code answers}: side name to the answer of each side that did not fail (empty when both failed).
 * The message is each failing side's error, one line each, naming the side ("rep: ...").
 */
public final class SideFailed extends PandaException {
    private final Map<String, Object> answers;

    public SideFailed(String message, Map<String, Object> answers, Throwable cause) {
        super(message, cause);
        this.answers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(answers));
    }

    public Map<String, Object> answers() {
        return answers;
    }
}
