// `both`: any PandaSession method called on rec and rep at once (both.regs(), both.eval('x')),
// answering a Both with both results; also what `use both` names.
package tandem.console

import tandem.panda.Both
import tandem.panda.PandaSession

import java.util.function.Function

class BothSides {
    private final Context ctx

    BothSides(Context ctx) { this.ctx = ctx }

    def methodMissing(String name, def args) {
        Object[] a = args as Object[]
        return ctx.pair().both({ PandaSession s -> s.invokeMethod(name, a) } as Function<PandaSession, Object>)
    }

    /** `both { it.instrCount() }`: the closure on rec and on rep at once. */
    Both call(Closure c) {
        ctx.pair().both({ PandaSession s -> c.call(s) } as Function<PandaSession, Object>)
    }

    Both gdb(String command) {
        BreakpointNumbers.Line numbers = ctx.breakpoints.line()
        ctx.pair().both({ PandaSession s -> GdbLines.run(s, command, numbers) } as Function<PandaSession, Object>)
    }

    String toString() { 'both (rec and rep)' }
}
