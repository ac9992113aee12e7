// Runs one input of the console: shell lines, gdb lines (to the focus), advice for lines that
// start rr by hand, and Groovy with the DSL; prints the answer, and one clear message on error
// (the stack trace is kept for lastError()).
package tandem.console

import groovy.transform.CompileStatic
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.MultipleCompilationErrorsException
import tandem.panda.Both
import tandem.panda.Pair
import tandem.panda.PandaException
import tandem.panda.PandaSession
import tandem.panda.SideFailed

import java.util.concurrent.CompletableFuture
import java.util.function.Function

@CompileStatic
class Evaluator {
    /** Commands that resume the target: shown with a progress line, stopped by Ctrl-C. */
    static final Set<String> MOVES = ['continue', 'c', 'cont', 'rc', 'reverse-continue', 'finish', 'until', 'advance',
                                      'run', 'r', 'next', 'n', 'step', 's', 'restart', 'reverse-finish'] as Set<String>

    final Context ctx
    final ConsoleBinding binding
    private final CompletableFuture<GroovyShell> shell
    int errors

    Evaluator(Context ctx) {
        this.ctx = ctx
        this.binding = new ConsoleBinding(ctx)
        // compiling the first line costs a few hundred ms of class loading: done while the user types
        this.shell = CompletableFuture.supplyAsync {
            CompilerConfiguration c = TandemScript.config()
            c.addCompilationCustomizers(new PromptDeclarations())
            GroovyShell sh = new GroovyShell(Evaluator.classLoader, binding, c)
            sh.parse('1 + 1')
            sh
        }
    }

    GroovyShell shell() {
        shell.join()
    }

    /** Evaluates one input (possibly several lines); false when it asks to leave. */
    boolean evaluate(String input) {
        String text = input.replaceAll(/\\[ \t]*\r?\n/, ' ')
        StringBuilder pending = new StringBuilder()
        for (String line : text.readLines()) {
            if (pending.length() == 0 && line.trim() in ['exit', 'quit', 'exit()', 'quit()']) return false
            if (pending.length() == 0 && (Completeness.isDirect(line) || GdbLines.advice(line, ctx.sessions) != null)
                    && !binding.boundByUser(GdbLines.firstWord(line))) {
                one(line)
                continue
            }
            pending << line << '\n'
            if (!Completeness.incomplete(pending.toString())) {
                one(pending.toString())
                pending.setLength(0)
            }
        }
        if (pending.toString().trim()) one(pending.toString())
        return true
    }

    private void one(String input) {
        String t = input.trim()
        if (!t) return
        try {
            show(dispatch(t))
        } catch (Throwable e) {
            Throwable cause = Failures.unwrap(e)
            ctx.lastError = cause
            errors++
            if (cause instanceof SideFailed) {
                // the side that answered is shown, then each failing side's error
                ((SideFailed) cause).answers().each { String side, Object answer ->
                    String a = ctx.render.value(answer)
                    if (a) ctx.out.println(a.contains('\n') ? "$side:\n$a" : "$side: $a")
                }
                cause.message.readLines().each { String l -> ctx.out.println(ctx.render.error('error: ' + l)) }
                return
            }
            ctx.out.println(ctx.render.error('error: ' + Failures.message(cause, t)))
        } finally {
            ctx.out.flush()
        }
    }

    Object dispatch(String t) {
        if (t.startsWith('$ ') || t.startsWith('!')) return Shell.run(t.substring(t.startsWith('!') ? 1 : 2))
        String advice = GdbLines.advice(t, ctx.sessions)
        if (advice != null) return advice
        if (isGdb(t)) return gdbLine(GdbLines.stripPrompt(t).trim())
        try {
            return groovy(verbCall(t))
        } catch (MissingPropertyException | MissingMethodException | MultipleCompilationErrorsException notGroovy) {
            // not Groovy after all: a gdb command the everyday list lacks (`clear`, `tbreak`, `info`'s kin)?
            String word = GdbLines.firstWord(t)
            if (word != null && !binding.boundByUser(word) && gdbCommands().contains(word)) return gdbLine(GdbLines.stripPrompt(t).trim())
            throw notGroovy
        }
    }

    private volatile Set<String> gdbCommands
    private volatile Sessions gdbCommandsOf

    /** The command names and aliases gdb lists in `help all` ("clear, cl -- Clear breakpoint ..."); empty until the sessions are up. */
    Set<String> gdbCommands() {
        Sessions s = ctx.sessions
        Pair p = s.pairIfReady()
        if (p == null) return [] as Set<String>
        if (gdbCommandsOf.is(s) && gdbCommands != null) return gdbCommands
        Set<String> names = new HashSet<String>()
        try {
            p.rec().gdb('help all').eachLine { String l ->
                def m = l =~ /^([\w-]+(?:, [\w-]+)*) -- /
                if (m.find()) names.addAll(m.group(1).split(', '))
            }
        } catch (RuntimeException ignored) {
            return [] as Set<String>   // a busy or gone gdb: ask again next time
        }
        gdbCommandsOf = s
        gdbCommands = names
        return names
    }

    /**
     * Command syntax Groovy reads otherwise: `toInstr -5` is a subtraction to Groovy, so a verb
     * followed by a minus gets parentheses; `help bisect` asks about a verb rather than running it.
     */
    static String verbCall(String t) {
        def m = t =~ /^(toInstr|v2p|bisect)\s+(-.*)$/
        if (m.matches()) return "${m.group(1)}(${m.group(2)})".toString()
        // the focus by name: `use rep` must not need rep itself, which may have failed to start
        def u = t =~ /^use\s+(rec|rep|both)\s*$/
        if (u.matches()) return "use('${u.group(1)}')".toString()
        def h = t =~ /^help\s+([\w-]+)\s*$/
        if (h.matches()) return "help('${h.group(1)}')".toString()
        return t
    }

    /** A gdb line, unless its first word is a name the user bound: `x = 3` then `x` is Groovy's x. */
    boolean isGdb(String line) {
        GdbLines.isGdb(line) && !binding.boundByUser(GdbLines.firstWord(line))
    }

    private Object gdbLine(String cmd) {
        String refused = GdbLines.refusal(cmd)
        if (refused != null) throw new PandaException(refused)
        String word = cmd.split(/[\s\/]/, 2)[0]
        Progress progress = MOVES.contains(word) ? new Progress(ctx, cmd) : null
        try {
            BreakpointNumbers.Line numbers = ctx.breakpoints.line()
            Closure<String> run = { PandaSession s ->
                String out = GdbLines.run(s, cmd, numbers)
                progress?.arrived(s.name(), 'a stop')
                out
            }
            if (ctx.sessions.recTrace != null) {
                // rec is the record trace: gdb lines go to rep, the only live side
                if (ctx.focus != 'rep') ctx.out.println(ctx.render.dim("rec is the record trace ${ctx.sessions.recTrace.where.name()} (read-only): gdb runs on rep alone".toString()))
                return run.call(ctx.sessions.rep())
            }
            Pair p = ctx.pair()
            TandemScript.refuseGoneSides(p, ctx.focus)
            switch (ctx.focus) {
                case 'rec': return run.call(p.rec())
                case 'rep': return run.call(p.rep())
                default: return p.both(run as Function<PandaSession, Object>)
            }
        } finally {
            progress?.close()
        }
    }

    private Object groovy(String t) {
        Script s = shell().parse(t)
        s.binding = binding
        keepMethods(s)
        return s.run()
    }

    /**
     * Methods defined at the prompt belong to that line's script class: each goes into the binding
     * as a closure, which Groovy's scripts call when they have no such method of their own.
     */
    private void keepMethods(Script s) {
        s.getClass().declaredMethods
                .findAll { java.lang.reflect.Method m -> !m.synthetic && !m.name.contains('$') && !(m.name in ['run', 'main']) }
                .collect { it.name }.unique()
                .each { String name -> binding.setVariable(name, new org.codehaus.groovy.runtime.MethodClosure(s, name)) }
    }

    void show(Object result) {
        if (result == null) return
        if (result instanceof Both) {
            ctx.out.println(ctx.render.both((Both) result).replaceAll(/\n+$/, ''))
        } else {
            String s = ctx.render.value(result)
            if (s) ctx.out.println(s)
        }
    }

}
