// The DSL: the base class of every console line and script. Verbs act on the focus (rec, rep
// or both); on both they run on the two sides at once and answer a Both, shown side by side.
package tandem.console

import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer
import tandem.bisect.HostLockstep
import tandem.panda.Both
import tandem.panda.time.Origin
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.Registers
import tandem.panda.nondet.NondetLog
import tandem.panda.nondet.NondetWindow

import java.nio.file.Path
import java.util.function.Consumer
import java.util.function.Function

abstract class TandemScript extends Script {
    /** The compiler settings of console input and scripts: this class as their base, tandem's packages imported. */
    static CompilerConfiguration config() {
        CompilerConfiguration c = new CompilerConfiguration()
        c.scriptBaseClass = TandemScript.name
        c.addCompilationCustomizers(new ImportCustomizer().addStarImports('tandem.panda', 'tandem.debugger'))
        return c
    }

    static {
        // `regs().pc` in hex like every register display, still a number in arithmetic
        Registers.metaClass.getProperty = { String name ->
            MetaProperty p = Registers.metaClass.getMetaProperty(name)
            p != null ? p.getProperty(delegate) : new Hex(((Registers) delegate).get(name))
        }
        // `regs().pc` with both sides in focus: each side's property, side by side
        Both.metaClass.getProperty = { String name ->
            Both b = (Both) delegate
            if (name == 'rec') return b.rec()
            if (name == 'rep') return b.rep()
            MetaProperty p = Both.metaClass.getMetaProperty(name)
            p != null ? p.getProperty(b) : new Both(b.rec()?."$name", b.rep()?."$name")
        }
        // one name per verb: what `help` lists also works on rec, rep and both
        VERB_METHODS.each { String verb, String method ->
            PandaSession.metaClass."$verb" = { -> ((PandaSession) delegate)."$method"() }
        }
    }

    /** Verbs whose PandaSession method has another name. */
    static final Map<String, String> VERB_METHODS = [instr: 'instrCount', bt: 'backtrace'].asImmutable()

    Context getCtx() { ((ConsoleBinding) binding).ctx }

    /** Runs {@code fn} on the focused session, or on both at once. */
    protected Object onFocus(Closure fn) {
        Context c = ctx
        if (c.sessions.recTrace != null) return onRepWithRecTrace(fn)
        Pair p = c.pair()
        refuseGoneSides(p, c.focus)
        switch (c.focus) {
            case 'rec': return fn.call(p.rec())
            case 'rep': return fn.call(p.rep())
            default: return p.both(fn as Function<PandaSession, Object>)
        }
    }

    /**
     * A side whose server or gdb went away can do nothing more: a verb on it says so in its one
     * sentence, and how to go on with the other side (the console stays usable).
     */
    static void refuseGoneSides(Pair p, String focus) {
        // a side that failed to open is no session: its own one-line error comes from the call
        PandaSession rec = p.failedSide().isPresent() ? opened(p, 'rec') : p.rec()
        PandaSession rep = p.failedSide().isPresent() ? opened(p, 'rep') : p.rep()
        List<PandaSession> sides = (focus == 'rec' ? [rec] : focus == 'rep' ? [rep] : [rec, rep]).findAll { it != null }
        List<PandaSession> gone = sides.findAll { it.gone() != null }
        if (!gone) return
        List<PandaSession> alive = [rec, rep].findAll { it != null && it.gone() == null }
        String then = alive ? " `use ${alive[0].name()}` goes on with ${alive[0].name()} alone." : ' Open the sessions again (demo(...) or open(...)).'
        throw new PandaException(gone.collect { it.gone() }.join('; ') + '.' + then)
    }

    private static PandaSession opened(Pair p, String side) {
        try {
            return side == 'rec' ? p.rec() : p.rep()
        } catch (PandaException ignored) {
            return null
        }
    }

    /**
     * With the record trace as rec: the verb runs on rep; a focus that takes in rec says in one
     * line that rec is not live (the trace's values at a count: `toInstr N`, `rec.at(N)`).
     */
    private Object onRepWithRecTrace(Closure fn) {
        Context c = ctx
        if (c.focus != 'rep') {
            c.out.println(c.render.dim("rec is the record trace ${c.sessions.recTrace.where.name()} (read-only): this needs a live rec, so it runs on rep alone".toString()))
            c.out.flush()
        }
        PandaSession rep = c.sessions.rep()
        return fn.call(rep)
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

    /** A count or address typed by the user: a whole number, 0 or more; anything else is refused, naming it. */
    protected static long whole(String verb, String what, Object n) {
        if (n == null) throw new PandaException("`$verb` needs $what: ${Help.VERBS[verb][0]}")
        if (!(n instanceof Number)) {
            throw new PandaException("`$verb` takes a whole number as $what, not ${Failures.shown(n)}: ${Help.VERBS[verb][0]}")
        }
        Number x = (Number) n
        boolean integral = x instanceof Integer || x instanceof Long || x instanceof BigInteger || x instanceof Short || x instanceof Byte
        if (!integral && x.toBigDecimal().stripTrailingZeros().scale() > 0) {
            throw new PandaException("`$verb` takes a whole number as $what, not $x")
        }
        if (x.toBigDecimal().signum() < 0) throw new PandaException("`$verb`: $what is 0 or more, not $x")
        if (x.toBigDecimal() > Long.MAX_VALUE) throw new PandaException("`$verb`: $what is at most ${Long.MAX_VALUE}, not $x")
        return x.longValue()
    }

    /** An argument as typed: 'abc' for a string, the value otherwise. */
    /**
     * A verb called with arguments it does not take. Groovy answers a call it has no method for by
     * reading the property of that name and calling its value: for `bisect 'abc'` that property is
     * getBisect(), a whole search. The catch-all overloads below end there first.
     */
    private static Object refuse(String verb, Object[] args) {
        throw new PandaException("`$verb` does not take (${Failures.shown(args)}): ${Help.VERBS[verb][0]}")
    }

    def nextTb(Object... a) { refuse('nextTb', a) }
    def c(Object... a) { refuse('c', a) }
    def rc(Object... a) { refuse('rc', a) }
    def si(Object... a) { refuse('si', a) }
    def rsi(Object... a) { refuse('rsi', a) }
    def regs(Object... a) { refuse('regs', a) }
    def disas(Object... a) { refuse('disas', a) }
    def cpuDump(Object... a) { refuse('cpuDump', a) }
    def checksums(Object... a) { refuse('checksums', a) }
    def pc(Object... a) { refuse('pc', a) }
    def epc(Object... a) { refuse('epc', a) }
    def asid(Object... a) { refuse('asid', a) }
    def instr(Object... a) { refuse('instr', a) }
    def bt(Object... a) { refuse('bt', a) }
    def bisect(Object lo, Object hi, Object... more) { refuse('bisect', ([lo, hi] + (more as List)) as Object[]) }
    def help(Object... a) { refuse('help', a) }
    def hostDiff(Object... a) { refuse('hostDiff', a) }

    def toInstr(Object n) {
        long target = whole('toInstr', 'a guest instruction count', n)
        if (ctx.sessions.recTrace != null) return toInstrWithRecTrace(target)
        Progress progress = new Progress(ctx, "toInstr $target")
        try {
            return onFocus { PandaSession s ->
                long at = quietly(s) { s.toInstr(target) } as long
                progress.arrived(s.name(), at)
                at
            }
        } catch (RuntimeException e) {
            // one side may have arrived and the other not: say where each one is now
            throw new PandaException("${Failures.message(Failures.unwrap(e), '')}\n${whereNow()}".toString(), e)
        } finally {
            progress.close()
        }
    }

    /** rep moves to {@code target}; rec shows what its record trace holds there, side by side. */
    private Object toInstrWithRecTrace(long target) {
        Progress progress = new Progress(ctx, "toInstr $target")
        try {
            PandaSession rep = ctx.sessions.rep()
            long at = quietly(rep) { rep.toInstr(target) } as long
            progress.arrived('rep', at)
            return new Both<Object>(ctx.sessions.recTrace.at(at), at)
        } finally {
            progress.close()
        }
    }

    /** "now: rec at guest instruction N, rep at M" for the focus (or both sides), asking gdb; never throws. */
    protected String whereNow(boolean bothSides = false) {
        PandaSession alone = ctx.sessions.recTrace != null ? ctx.sessions.repIfReady() : null
        if (alone != null) {
            try {
                return "now: rep at guest instruction ${alone.instrCount()} (rec is the record trace)"
            } catch (RuntimeException ignored) {
                return 'now: rep has no guest instruction count (its program ended; toInstr runs it again)'
            }
        }
        Pair p = ctx.sessions.pairIfReady()
        if (p == null) return 'the sessions are not up'
        List<PandaSession> sides = bothSides || ctx.focus == 'both' ? [p.rec(), p.rep()] : ctx.focus == 'rec' ? [p.rec()] : [p.rep()]
        'now: ' + sides.collect { PandaSession s ->
            if (s.gone() != null) return "${s.name()} is gone".toString()
            try {
                "${s.name()} ${s.where()}"
            } catch (RuntimeException ignored) {
                "${s.name()} has no guest instruction count (its program ended; toInstr restarts it from a checkpoint)"
            }
        }.join(', ')
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
        BreakpointNumbers.Line numbers = ctx.breakpoints.line()
        try {
            return onFocus { PandaSession s ->
                String out = GdbLines.run(s, command, numbers)
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
        Object o
        Progress progress = new Progress(ctx, "origin '$lvalue'")
        try {
            o = onFocus { PandaSession s -> quietly(s) { s.timeline().origin(lvalue) } }
        } finally {
            progress.close()
        }
        if (!(o instanceof Both)) return o
        Both b = (Both) o
        Origin a = (Origin) b.rec(), c = (Origin) b.rep()
        String head = a.sameAs(c) ? "origins agree: ${a.summary()}"
                : "origins differ:\n  rec: ${a.summary()}\n  rep: ${c.summary()}"
        // each side's last write says where each stands; the first write at which the two
        // histories part says where they began to differ
        Progress again = new Progress(ctx, "history of '$lvalue'")
        Object h
        try {
            h = onFocus { PandaSession s -> quietly(s) { s.timeline().changes(lvalue) } }
        } finally {
            again.close()
        }
        Both histories = (Both) h
        String parted = Origin.historiesPart(lvalue, (List<Origin>) histories.rec(), (List<Origin>) histories.rep())
        return head + '\n' + parted + '\n' + ctx.render.both(b)
    }

    def origin(PandaSession side, String lvalue) {
        Progress progress = new Progress(ctx, "origin ${side.name()}, '$lvalue'")
        try {
            return quietly(side) { side.timeline().origin(lvalue) }
        } finally {
            progress.close()
        }
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
    def v2p(Object address) {
        long a = whole('v2p', 'a guest virtual address', address)
        onFocus { PandaSession s -> s.v2p(a) }
    }
    def eval(String expression) { onFocus { PandaSession s -> s.eval(expression) } }

    /** The items of the side's nondet log around its current count: the one consumed last marked. */
    def nondet() { onFocus { PandaSession s -> nondetWindow(s, s.instrCount()) } }
    def getNondet() { nondet() }
    /** The items of the side's nondet log around guest instruction {@code n}. */
    def nondet(Object n) {
        long c = whole('nondet', 'a guest instruction count', n)
        onFocus { PandaSession s -> nondetWindow(s, c) }
    }

    private NondetWindow nondetWindow(PandaSession s, long count) {
        Path p = ctx.sessions.nondetLogs[s.name()]
        if (p == null) {
            throw new PandaException("${s.name()} replays no nondet log tandem knows of: nondet() reads the log of a side opened by a PANDA command line with -replay NAME (NAME-rr-nondet.log)".toString())
        }
        NondetWindow.of(NondetLog.cached(p), count)
    }
    /**
     * The first host function whose result differs in the TB both sides stand at (both at one
     * count, one TB): HostLockstep steps that TB's host code on rec and rep in lockstep, then back
     * to the TB. Acts on both sides whatever the focus; the user's breakpoints are off meanwhile.
     */
    def hostDiff() {
        if (ctx.sessions.recTrace != null) {
            throw new PandaException("hostDiff steps two live PANDA processes, and rec is the record trace ${ctx.sessions.recTrace.where.name()} (read-only): open two replays, e.g. open(recCmd: ..., repCmd: ...)".toString())
        }
        Pair p = ctx.pair()
        refuseGoneSides(p, 'both')
        Progress progress = new Progress(ctx, 'hostDiff')
        try {
            return quietly(p.rec()) { quietly(p.rep()) { HostLockstep.atCurrentTb(p, HostLockstep.DEFAULT_MAX_STEPS, bisectProgress()) } }
        } finally {
            progress.close()
        }
    }
    def getHostDiff() { hostDiff() }

    def gdb(String command) {
        BreakpointNumbers.Line numbers = ctx.breakpoints.line()
        onFocus { PandaSession s -> GdbLines.run(s, command, numbers) }
    }

    /** `both { it.instrCount() }`: a closure on rec and rep at once, side by side. */
    def both(Closure c) { ((ConsoleBinding) binding).both.call(c) }

    // ---- focus, search, help ----

    def use(Object side) {
        String f = side instanceof PandaSession ? ((PandaSession) side).name()
                : side instanceof tandem.rectrace.RecTraceView ? 'rec'
                : side instanceof BothSides ? 'both' : String.valueOf(side)
        ctx.requireFocus(f)
        return "focus: $f"
    }

    def bisect(Object lo, Object hi) {
        long l = whole('bisect', 'the low bound', lo), h = whole('bisect', 'the high bound', hi)
        return search(l, h)
    }

    /** From lo to where a side ends: what an interrupted search that had not found an end goes on with. */
    def bisect(Object lo) {
        search(whole('bisect', 'the low bound', lo), null)
    }

    /** From the start to where a side ends (the failing replay's last count), as `tandem bisect` does. */
    def bisect() {
        search(null, null)
    }

    private Object search(Long lo, Long hi) {
        try {
            Pair p = ctx.pair()
            // the search's moves are tandem's own: the user's breakpoints are off meanwhile
            return quietly(p.rec()) { quietly(p.rep()) { BisectHook.bisect(p, lo, hi, bisectProgress()) } }
        } catch (RuntimeException e) {
            // the search moves both sides whatever the focus: say where each one stopped
            throw new PandaException("bisect: ${Failures.message(Failures.unwrap(e), '')}\n${whereNow(true)}".toString(), e)
        }
    }
    def getBisect() { bisect() }

    private Consumer<String> bisectProgress() {
        { String line -> ctx.out.println(ctx.render.dim(line)); ctx.out.flush() } as Consumer<String>
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
        try {
            new GroovyShell(getClass().classLoader, binding, config()).evaluate(f)
        } catch (RuntimeException e) {
            // a recipe's --help has printed what it takes
            if (Failures.unwrap(e) instanceof ScriptExit && ((ScriptExit) Failures.unwrap(e)).code == 0) return null
            throw e
        }
    }

    def help() { ctx.out.println(Help.text(ctx.render)); null }

    /** `help toInstr`: one verb's example and what it does. */
    def help(String verb) {
        List<String> e = Help.VERBS[verb]
        if (e == null) throw new PandaException("no verb `$verb`: `help` lists them; gdb's own help: gdb 'help $verb'")
        "${e[0]}    ${e[1]}".toString()
    }
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
     * cwd: '/path/to/recordings', recAtBegin: ['set var ...'], repAtBegin: [...]), or rec as the
     * record run's trace (read-only): open(recTrace: 'ls', repCmd: '... -replay ls', cwd: DIR).
     */
    def open(Map o) {
        if (o.recTrace) {
            if (!o.repCmd) throw new PandaException("open(recTrace: NAME) needs rep as a PANDA command line: repCmd: 'panda-system-mips ... -replay NAME'")
            Path dir = o.cwd ? Path.of(o.cwd as String) : null
            ctx.use(Sessions.withRecTrace(tandem.rectrace.RecTraceView.open(o.recTrace as String, dir), o.repCmd as String, dir,
                    (o.repAtBegin ?: []) as List<String>, program((o.gdb ?: 'gdb') as String),
                    o.arch ? tandem.panda.Arch.fromName(o.arch as String).orElse(null) : null))
            ctx.sessions.rep()
            return ctx.sessions.description
        }
        if (!(o.rec || o.recCmd) || !(o.rep || o.repCmd)) {
            throw new PandaException("open needs rec: and rep: (rr trace directories) or recCmd: and repCmd: (PANDA command lines), "
                    + "e.g. open(rec: 'recrep', rep: 'reprep')")
        }
        ctx.use(Sessions.of(program((o.rr ?: 'rr') as String), program((o.gdb ?: 'gdb') as String),
                o.rec ? Path.of(o.rec as String) : null, o.recCmd as String,
                o.rep ? Path.of(o.rep as String) : null, o.repCmd as String,
                o.cwd ? Path.of(o.cwd as String) : null,
                (o.recAtBegin ?: []) as List<String>, (o.repAtBegin ?: []) as List<String>, o.arch as String))
        ctx.pair()
        return ctx.sessions.description
    }

    /** A program named as a shell takes it: with a slash, from the current directory; else on the PATH. */
    private static Path program(String name) {
        name.contains('/') ? Path.of(name).toAbsolutePath().normalize() : Path.of(name)
    }

    /** Runs a shell command; its output (stdout and stderr) as text. */
    String sh(String command) {
        Shell.run(command)
    }
}
