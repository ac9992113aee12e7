// Where the search has the divergence: between a count at which both sides agree and one past it.
package tandem.bisect;

/**
 * A bracket of guest instruction counts around the first divergence.
 *
 * @param equal   the last count at which both sides were compared equal; -1 when none is (they
 *                differ at the first count compared already)
 * @param differ  the first count past {@code equal} known to differ when {@code differs}; otherwise
 *                the bracket's open upper end, past which nothing is compared: where a side ended
 *                plus one, or hi + 1
 * @param differs whether the states were found to differ at {@code differ} (false: an end only)
 */
record Bracket(long equal, long differ, boolean differs) {
    /** equal and a count known to differ. */
    static Bracket differing(long equal, long differ) {
        return new Bracket(equal, differ, true);
    }

    /** equal and an open upper end (a side's end + 1, or hi + 1): nothing seen to differ yet. */
    static Bracket upTo(long equal, long end) {
        return new Bracket(equal, end, false);
    }

    /** Guest instructions between the two ends. */
    long width() {
        return differ - equal;
    }
}
