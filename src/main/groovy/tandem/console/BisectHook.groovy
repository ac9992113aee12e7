// Finds the divergence search at run time, so that `bisect lo, hi` lights up when tandem.bisect
// lands without the console depending on it at build time. In order:
//   1. system property tandem.bisect.command: a class implementing BisectCommand;
//   2. class tandem.bisect.Bisector, driven as `new Bisector(pair, options)` then `run()`, where
//      options = BisectOptions.defaults().bounds(lo, hi).listener(<progress to the console>);
//   3. else `new Bisector(pair)` then `bisect(lo, hi)`.
package tandem.console

import tandem.panda.Pair
import tandem.panda.PandaException

import java.util.function.Consumer

class BisectHook {
    static final String BISECTOR = 'tandem.bisect.Bisector'

    static boolean available() {
        command() != null || bisector() != null
    }

    static Object bisect(Pair pair, long lo, long hi, Consumer<String> progress) {
        if (lo > hi) throw new PandaException("bisect $lo, $hi: the low bound is above the high one")
        BisectCommand c = command()
        if (c != null) return c.bisect(pair, lo, hi, progress)
        Class b = bisector()
        if (b == null) {
            throw new PandaException('bisect is not available yet: it comes with tandem.bisect (class ' + BISECTOR + '). ' +
                    'Meanwhile: toInstr N and checksums() on both sides, halving [lo, hi] by hand.')
        }
        ClassLoader cl = b.classLoader
        Class options = load('tandem.bisect.BisectOptions', cl)
        Class listener = load('tandem.bisect.BisectListener', cl)
        if (options != null && b.constructors.any { it.parameterTypes.toList() == [Pair, options] }) {
            def o = options.getMethod('defaults').invoke(null).bounds(lo, hi)
            if (listener != null) {
                o = o.listener([progress: { p -> progress.accept(p.toString()) },
                                note    : { m -> progress.accept(m.toString()) }].asType(listener))
            }
            def search = b.newInstance(pair, o)
            return search.metaClass.respondsTo(search, 'run') ? search.run() : search.bisect()
        }
        return b.newInstance(pair).bisect(lo, hi)
    }

    private static BisectCommand command() {
        String name = System.getProperty('tandem.bisect.command')
        if (!name) return null
        return (BisectCommand) Class.forName(name).getDeclaredConstructor().newInstance()
    }

    private static Class bisector() {
        load(BISECTOR, BisectHook.classLoader)
    }

    private static Class load(String name, ClassLoader cl) {
        try {
            return Class.forName(name, false, cl)
        } catch (ClassNotFoundException ignored) {
            return null
        }
    }
}
