// `bisect lo, hi` in the console and in scripts: the divergence search of tandem.bisect, with its
// progress and notes shown as they come.
package tandem.console

import tandem.bisect.BisectListener
import tandem.bisect.BisectOptions
import tandem.bisect.Bisector
import tandem.bisect.BisectListener.Progress as SearchProgress
import tandem.panda.Pair
import tandem.panda.PandaException

import java.util.function.Consumer

class BisectHook {

    /** How often a phase's progress is shown after its first line: as often as a long move's (once a second). */
    static final long SHOW_EVERY_NANOS = Progress.LINE_EVERY_MS * 1_000_000L

    /** lo null: from the start; hi null: to where a side ends (the search finds them). */
    static Object bisect(Pair pair, Long lo, Long hi, Consumer<String> progress) {
        if (lo != null && hi != null && lo > hi) throw new PandaException("bisect $lo, $hi: the low bound is above the high one")
        SearchProgress[] last = new SearchProgress[1]
        BisectListener listener = new BisectListener() {
            String shownPhase
            long shownAt
            boolean shownEstimate

            /**
             * A line per phase, then one a second: a search on a real PANDA takes hundreds of steps a
             * phase. The first line that can estimate the time left is shown too.
             */
            @Override
            void progress(SearchProgress p) {
                last[0] = p
                String text = line(p)
                long now = System.nanoTime()
                boolean estimate = !shownEstimate && text.contains(' s left')
                if (p.phase() != shownPhase || now - shownAt >= SHOW_EVERY_NANOS || estimate) {
                    shownPhase = p.phase()
                    shownAt = now
                    shownEstimate |= estimate
                    progress.accept(text)
                }
            }

            @Override
            void note(String message) { progress.accept(message) }
        }
        BisectOptions o = BisectOptions.defaults().listener(listener)
        try {
            return Bisector.search(pair, o.lo(lo).hi(hi))
        } catch (RuntimeException e) {
            // bounds that leave nothing to compare: the same call would only meet them again
            if (last[0] == null || e instanceof Bisector.BoundsRefused) throw e
            // the bracket narrowed so far is not lost: the sessions keep their checkpoints, so
            // searching it again (Ctrl-C, a lost move) starts about where this search stopped
            SearchProgress p = last[0]
            String again = p.hi() < 0 ? "`bisect ${p.lo()}`" : "`bisect ${p.lo()}, ${p.hi()}`"
            String where = p.phase() == 'start' ? "nothing was compared; $again starts it again"
                    : p.hi() < 0 ? "rec and rep agree up to guest instruction ${p.lo()}; $again goes on from there"
                    : "the first divergence is in [${p.lo()}, ${p.hi()}]; $again goes on from there"
            throw new PandaException("${String.valueOf(e.message).replaceAll(/\.$/, '')}. So far $where" as String, e)
        }
    }

    /**
     * A progress line: phase, bracket, probes and stops from the first one on; the probes left
     * and the time left only once they are known (a probe to time, a bracket to halve).
     */
    static String line(SearchProgress p) {
        String hi = p.hi() < 0 ? 'end' : String.valueOf(p.hi())
        String probes = "probes ${p.probesDone()} done" + (p.probesLeft() > 0 ? ", ~${p.probesLeft()} left" : '')
        String left = p.probesDone() > 0 && !p.estimateLeft().isZero() ? String.format(', ~%.1f s left', p.estimateLeft().toMillis() / 1000.0) : ''
        String.format('%-8s [%d, %s]  %s  %.1f s elapsed%s  %d stops',
                p.phase(), p.lo(), hi, probes, p.elapsed().toMillis() / 1000.0, left, p.stops())
    }
}
