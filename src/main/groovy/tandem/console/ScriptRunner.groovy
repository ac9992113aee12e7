// `tandem run FILE.groovy ARGS` and `tandem demo --run FILE`: the console's bindings and DSL
// for a whole file; the error, if any, as one message and exit code 1.
package tandem.console

import groovy.transform.CompileStatic

import java.nio.file.Files
import java.nio.file.Path

@CompileStatic
class ScriptRunner {
    static int run(Sessions sessions, Path file, List<String> args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, 'UTF-8'), true)
        boolean tty = Repl.isTerminal(1)
        Context ctx = new Context(out, new Render(tty, 160), false)
        ctx.use(sessions)
        try {
            if (!Files.isReadable(file)) {
                System.err.println("tandem: no script at $file")
                return 2
            }
            Evaluator ev = new Evaluator(ctx)
            ev.binding.setVariable('args', args)
            // a script's `def` is local, as in any Groovy script: only the prompt keeps declarations
            Script s = new GroovyShell(Evaluator.classLoader, ev.binding, TandemScript.config()).parse(file.toFile())
            s.binding = ev.binding
            s.run()
            return 0
        } catch (Throwable e) {
            Throwable cause = Failures.unwrap(e)
            if (cause instanceof ScriptExit) return ((ScriptExit) cause).code
            out.flush()
            System.err.println("tandem: ${file.fileName}${where(cause, file)}: ${Failures.message(cause, '')}")
            return 1
        } finally {
            out.flush()
            ctx.sessions.close()
        }
    }

    /** ":LINE" of the script where it failed, from the stack. */
    private static String where(Throwable e, Path file) {
        String name = file.fileName.toString()
        StackTraceElement el = e.stackTrace.find { StackTraceElement s -> s.fileName == name && s.lineNumber > 0 }
        el ? ":${el.lineNumber}" : ''
    }
}
