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

    static Object bisect(Pair pair, long lo, long hi, Consumer<String> progress) {
        if (lo > hi) throw new PandaException("bisect $lo, $hi: the low bound is above the high one")
        BisectListener listener = new BisectListener() {
            @Override
            void progress(SearchProgress p) { progress.accept(p.toString()) }

            @Override
            void note(String message) { progress.accept(message) }
        }
        Bisector.search(pair, BisectOptions.defaults().bounds(lo, hi).listener(listener))
    }
}
