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

    /** lo and hi null: from the start to where a side ends (the search finds both). */
    static Object bisect(Pair pair, Long lo, Long hi, Consumer<String> progress) {
        if (lo != null && lo > hi) throw new PandaException("bisect $lo, $hi: the low bound is above the high one")
        SearchProgress[] last = new SearchProgress[1]
        BisectListener listener = new BisectListener() {
            @Override
            void progress(SearchProgress p) { last[0] = p; progress.accept(line(p)) }

            @Override
            void note(String message) { progress.accept(message) }
        }
        BisectOptions o = BisectOptions.defaults().listener(listener)
        try {
            return Bisector.search(pair, lo == null ? o : o.bounds(lo, hi))
        } catch (RuntimeException e) {
            if (last[0] == null) throw e
            // the bracket narrowed so far is not lost: searching it again starts where this one stopped
            throw new PandaException("${e.message}; the search had narrowed the divergence to [${last[0].lo()}, ${last[0].hi()}]: " +
                    "`bisect ${last[0].lo()}, ${last[0].hi()}` goes on from there" as String, e)
        }
    }

    /** A progress line; the time left only once there is a probe to estimate it from. */
    static String line(SearchProgress p) {
        String left = p.probesDone() > 0 && !p.estimateLeft().isZero() ? String.format(', ~%.1f s left', p.estimateLeft().toMillis() / 1000.0) : ''
        String.format('%-8s [%d, %d]  probes %d done, ~%d left  %.1f s elapsed%s  %d stops',
                p.phase(), p.lo(), p.hi(), p.probesDone(), p.probesLeft(), p.elapsed().toMillis() / 1000.0, left, p.stops())
    }
}
