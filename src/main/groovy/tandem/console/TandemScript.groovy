// The DSL: the base class of every console line and script. Verbs act on the focus (rec, rep
// or both); on both they run on the two sides at once and answer a Both, shown side by side.
package tandem.console

import tandem.panda.Both
import tandem.panda.Origin
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession

import java.nio.file.Path
import java.util.function.Consumer
import java.util.function.Function

abstract class TandemScript extends Script {

    Context getCtx() { ((ConsoleBinding) binding).ctx }

    /** Runs {@code fn} on the focused session, or on both at once. */
    protected Object onFocus(Closure fn) {
        Context c = ctx
        Pair p = c.pair()
        switch (c.focus) {
            case 'rec': return fn.call(p.rec())
            case 'rep': return fn.call(p.rep())
            default: return p.both(fn as Function<PandaSession, Object>)
        }
    }

    /** tandem's own moves must not stop at the user's breakpoints: they are off meanwhile. */
    protected Object quietly(PandaSession s, Closure move) {
        Set<Integer> mine = ctx.breakpointsOf(s)
        List<Integer> enabled = []
        if (mine) {
            String info = s.gdb('info breakpoints')
            info.eachLine { String l ->
                def m = l =~ /^(\d+)\s+\S+(?:\s+\S+)?\s+\S+\s+y\b/
                if (m.find() && (m.group(1) as Integer) in mine) enabled << (m.group(1) as Integer)
            }
            if (enabled) s.debugger().disable(enabled as int[])
        }
        try {
            return move.call()
        } finally {
            if (enabled) s.debugger().enable(enabled as int[])
        }
    }

    // ---- moving ----

    def toInstr(Number n) {
        long target = n.longValue()
        Progress progress = new Progress(ctx, "toInstr $target")
        try {
            return onFocus { PandaSession s ->
                long at = quietly(s) { s.toInstr(target) } as long
                progress.arrived(s.name(), at)
                at
            }
        } finally {
            progress.close()
        }
    }

    def nextTb() {
        onFocus { PandaSession s -> quietly(s) { s.nextTb() } }
    }

    def getNextTb() { nextTb() }

    /** gdb's own moves: they honour the user's breakpoints, and Ctrl-C stops them. */
    def c() { gdbMove('continue') }
    def getC() { c() }
    def rc() { gdbMove('reverse-continue') }
    def getRc() { rc() }
    def si() { gdbMove('stepi') }
    def getSi() { si() }
    def rsi() { gdbMove('reverse-stepi') }
    def getRsi() { rsi() }

    private Object gdbMove(String command) {
        Progress progress = new Progress(ctx, command)
        try {
            return onFocus { PandaSession s ->
                String out = GdbLines.run(s, command, ctx.breakpointsOf(s))
                progress.arrived(s.name(), 'a stop')
                String where
                try {
                    where = "guest instruction ${s.instrCount()}"
                } catch (RuntimeException ignored) {
                    where = 'no guest instruction count (the program is not running)'
                }
                (out ? out + '\n' : '') + "[$where]"
            }
        } finally {
            progress.close()
        }
    }

    /**
     * The last change before now of an lvalue (any gdb lvalue, or a guest-state name: 'EntryHi',
     * 'gpr[5]', 'tlb[3].VPN2') on the focus: `origin 'EntryHi'`, or on one side: `origin rec, 'EntryHi'`.
     * On both, a difference between the two sides' origins comes first.
     */
    def origin(String lvalue) {
        Object o = onFocus { PandaSession s -> quietly(s) { s.timeline().origin(lvalue) } }
        if (!(o instanceof Both)) return o
        Both b = (Both) o
        Origin a = (Origin) b.rec(), c = (Origin) b.rep()
        String head = a.sameAs(c) ? "origins agree: ${a.summary()}"
                : "origins differ:\n  rec: ${a.summary()}\n  rep: ${c.summary()}"
        return head + '\n' + ctx.render.both(b)
    }

    def origin(PandaSession side, String lvalue) {
        quietly(side) { side.timeline().origin(lvalue) }
    }

    // ---- looking ----

    def regs() { onFocus { PandaSession s -> s.regs() } }
    def getRegs() { regs() }
    def disas() { onFocus { PandaSession s -> s.disas() } }
    def getDisas() { disas() }
    def cpuDump() { onFocus { PandaSession s -> s.cpuDump() } }
    def getCpuDump() { cpuDump() }
    def checksums() { onFocus { PandaSession s -> s.checksums() } }
    def getChecksums() { checksums() }
    def pc() { onFocus { PandaSession s -> new Hex(s.pc()) } }
    def getPc() { pc() }
    def epc() { onFocus { PandaSession s -> new Hex(s.epc()) } }
    def getEpc() { epc() }
    def asid() { onFocus { PandaSession s -> new Hex(s.asid()) } }
    def getAsid() { asid() }
    def instr() { onFocus { PandaSession s -> s.instrCount() } }
    def getInstr() { instr() }
    def bt() { onFocus { PandaSession s -> s.backtrace() } }
    def getBt() { bt() }
    def v2p(Number address) { onFocus { PandaSession s -> s.v2p(address.longValue()) } }
    def eval(String expression) { onFocus { PandaSession s -> s.eval(expression) } }
    def gdb(String command) { onFocus { PandaSession s -> GdbLines.run(s, command, ctx.breakpointsOf(s)) } }

    // ---- focus, search, help ----

    def use(Object side) {
        String f = side instanceof PandaSession ? ((PandaSession) side).name()
                : side instanceof BothSides ? 'both' : String.valueOf(side)
        ctx.requireFocus(f)
        return "focus: $f"
    }

    def bisect(Number lo, Number hi) {
        Pair p = ctx.pair()
        Consumer<String> progress = { String line ->
            ctx.out.println(ctx.render.dim(line)); ctx.out.flush()
        } as Consumer<String>
        return BisectHook.bisect(p, lo.longValue(), hi.longValue(), progress)
    }

    /** Prints a value the way the console shows it (side by side for both). */
    void show(Object value) {
        ctx.out.println(ctx.render.value(value).replaceAll(/\n+$/, ''))
        ctx.out.flush()
    }

    /**
     * The recipes' shared helpers (recipes/lib/Recipe.groovy, beside the running recipe, else under
     * tandem's home) for the step named {@code step}.
     */
    def recipe(String step) {
        URL here = getClass().protectionDomain.codeSource?.location
        File dir = here?.protocol == 'file' && here.path.endsWith('.groovy') ? new File(here.toURI()).parentFile
                : new File(System.getProperty('tandem.home') ?: '.', 'recipes')
        new GroovyClassLoader(getClass().classLoader).parseClass(new File(dir, 'lib/Recipe.groovy')).newInstance(this, step)
    }

    /**
     * Runs a script file (a recipe) here, with this console's bindings and DSL; its `args` are the
     * strings given after the path: `load 'recipes/07-inspect.groovy', '--demo'`.
     */
    def load(String path, String... scriptArgs) {
        File f = new File(path)
        if (!f.isFile()) throw new PandaException("load: no script at ${f.absolutePath}")
        binding.setVariable('args', scriptArgs as List<String>)
        new GroovyShell(getClass().classLoader, binding, Evaluator.config()).evaluate(f)
    }

    def help() { ctx.out.println(Help.text(ctx.render)); null }
    def getHelp() { help() }

    String lastError() {
        Throwable e = ctx.lastError
        if (e == null) return 'no error so far'
        StringWriter w = new StringWriter()
        e.printStackTrace(new PrintWriter(w))
        return w.toString()
    }
    String getLastError() { lastError() }

    // ---- for scripts: opening sessions, the shell ----

    /** Makes a demo recording and a failing replay, and opens them: demo(bug: 'tlb', at: 5000, instrs: 20000). */
    def demo(Map o = [:]) {
        DemoTarget d = DemoTarget.make((o.bug ?: 'tlb') as String, o.at as Long,
                (o.instrs ?: DemoTarget.DEFAULT_INSTRS) as long, ctx.out)
        ctx.use(d.open(Path.of((o.gdb ?: 'gdb') as String)))
        ctx.pair()
        return d.failedReplay.lastInstr().orElse(-1L)
    }

    /**
     * Opens the pair. Each side is an rr trace directory or a PANDA command line run under gdb:
     * open(rec: 'recrep', rep: 'reprep', rr: '/usr/local/bin/rr', gdb: 'gdb', arch: 'mips'), or
     * open(recCmd: 'panda-system-mips ... -replay good', repCmd: 'panda-system-mips ... -replay ls',
     * cwd: '/path/to/recordings', recAtBegin: ['set var ...'], repAtBegin: [...]).
     */
    def open(Map o) {
        if (!(o.rec || o.recCmd) || !(o.rep || o.repCmd)) {
            throw new PandaException("open needs rec: and rep: (rr trace directories) or recCmd: and repCmd: (PANDA command lines), "
                    + "e.g. open(rec: 'recrep', rep: 'reprep')")
        }
        ctx.use(Sessions.of(Path.of((o.rr ?: 'rr') as String), Path.of((o.gdb ?: 'gdb') as String),
                o.rec ? Path.of(o.rec as String) : null, o.recCmd as String,
                o.rep ? Path.of(o.rep as String) : null, o.repCmd as String,
                o.cwd ? Path.of(o.cwd as String) : null,
                (o.recAtBegin ?: []) as List<String>, (o.repAtBegin ?: []) as List<String>, o.arch as String))
        ctx.pair()
        return ctx.sessions.description
    }

    /** Runs a shell command; its output (stdout and stderr) as text. */
    String sh(String command) {
        Shell.run(command)
    }
}
