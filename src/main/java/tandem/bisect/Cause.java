// Why a replay left its recording, as far as the evidence says: one of a few kinds, each with the
// evidence that put it there (the log items, the TLB, the code that wrote).
package tandem.bisect;

/**
 * @param kind     what kind of cause
 * @param evidence what says so, in words a PANDA developer checks by hand (log items with their
 *                 counts and values, the write that made the TLB differ, ...)
 */
public record Cause(Kind kind, String evidence) {

    public enum Kind {
        INPUT_VALUE("an input value differs"),
        INPUT_COUNT("an input consumed at another count"),
        INTERRUPT("an interrupt at another count, or on one side only"),
        UNLOGGED_STATE("a value read from state the log does not hold"),
        TRANSLATION("a TLB or translation difference"),
        /**
         * The sides' TB boundaries differ (one ran through the other's TB boundaries: TBs chained
         * while recording, or a replay's control flow elsewhere), and nothing else was seen to differ.
         */
        TB_BOUNDARY("a TB boundary difference (chaining)"),
        /** A replay bug's kind: host code wrote a guest register in one run and not in the other. */
        REGISTER("a register written on one side only"),
        /** A replay bug's kind: host code wrote guest RAM in one run and not in the other. */
        RAM("guest RAM written on one side only"),
        UNKNOWN("unknown");

        /** The words the report uses. */
        public final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    @Override
    public String toString() {
        return kind.words + (evidence.isEmpty() ? "" : ": " + evidence);
    }
}
