// The variables every line and script sees: rec, rep and both (waiting for the sessions on first
// use), out, and whatever the user assigns (`x = 3` persists from line to line).
package tandem.console

import groovy.transform.CompileStatic

@CompileStatic
class ConsoleBinding extends Binding {
    final Context ctx
    final BothSides both

    ConsoleBinding(Context ctx) {
        this.ctx = ctx
        this.both = new BothSides(ctx)
        super.setVariable('out', ctx.out)
    }

    @Override
    Object getVariable(String name) {
        switch (name) {
            // with --rec-trace, rec is the record trace (read-only: `rec.at(N)`) and rep alone is live
            case 'rec': return ctx.sessions.recTrace ?: ctx.pair().rec()
            case 'rep': return ctx.sessions.recTrace != null ? ctx.sessions.rep() : ctx.pair().rep()
            case 'both': return both
            case 'ctx': return ctx
            default: return super.getVariable(name)
        }
    }

    @Override
    boolean hasVariable(String name) {
        name in ['rec', 'rep', 'both', 'ctx'] || super.hasVariable(name)
    }

    /** A name the user gave a value (`x = 3`, `def r = ...`, a method defined at the prompt). */
    boolean boundByUser(String name) {
        name != null && name != 'out' && super.hasVariable(name)
    }

    @Override
    void setVariable(String name, Object value) {
        if (name in ['rec', 'rep', 'both', 'ctx']) {
            throw new IllegalArgumentException("`$name` is tandem's own name; pick another variable name")
        }
        super.setVariable(name, value)
    }
}
