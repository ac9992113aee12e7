// The plug for `bisect lo, hi`: whatever runs the divergence search on the console's pair.
package tandem.console

import tandem.panda.Pair

import java.util.function.Consumer

interface BisectCommand {
    /** Searches [lo, hi] for the first divergence; {@code progress} takes one-line updates. Returns the report. */
    Object bisect(Pair pair, long lo, long hi, Consumer<String> progress)
}
