// One line a user can act on for any error of the console: the cause under Groovy's and the
// futures' wrappers, and its message in the console's words (verbs, gdb lines, shell lines).
package tandem.console

import groovy.transform.CompileStatic
import org.codehaus.groovy.control.MultipleCompilationErrorsException
import org.codehaus.groovy.control.messages.SyntaxErrorMessage
import org.codehaus.groovy.runtime.InvokerInvocationException
import org.codehaus.groovy.syntax.SyntaxException
import tandem.debugger.DebuggerException
import tandem.panda.PandaException

@CompileStatic
final class Failures {
    private Failures() {
    }

    /** The cause under Groovy's and the futures' wrappers. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e
        while ((t instanceof InvokerInvocationException || t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.lang.reflect.InvocationTargetException) && t.cause != null) {
            t = t.cause
        }
        return t
    }

    /** "; did you mean `toInstr`?" for a verb spelled in another case (`toinstr`), else nothing. */
    static String didYouMean(String name) {
        String verb = Help.VERBS.keySet().find { it.equalsIgnoreCase(name) && it != name }
        verb == null ? '' : "; did you mean `$verb`?"
    }

    /** One line a user can act on, for any error. */
    static String message(Throwable e, String input) {
        if (e instanceof PandaException || e instanceof DebuggerException) return e.message
        if (e instanceof MissingPropertyException) {
            String p = ((MissingPropertyException) e).property
            if (Help.VERBS.containsKey(p)) return "`$p` needs an argument: ${Help.VERBS[p][0]}"
            if (input?.trim() ==~ /use\s+${java.util.regex.Pattern.quote(p)}/) return "use rec, use rep or use both, not `$p`"
            return "unknown name `$p`: not a verb, a variable or a gdb command (help lists the verbs)${didYouMean(p)}"
        }
        if (e instanceof MissingMethodException) {
            MissingMethodException m = (MissingMethodException) e
            String args = m.arguments.collect { it == null ? 'null' : it.getClass().simpleName }.join(', ')
            if (Help.VERBS.containsKey(m.method)) return "`${m.method}` does not take (${shown(m.arguments)}): ${Help.VERBS[m.method][0]}"
            return "no verb or method `${m.method}($args)`" + (Script.isAssignableFrom(m.type) ? " (help lists the verbs)${didYouMean(m.method)}" : " on ${m.type.simpleName}")
        }
        if (e instanceof MultipleCompilationErrorsException) {
            def errs = ((MultipleCompilationErrorsException) e).errorCollector.errors
            if (errs && errs[0] instanceof SyntaxErrorMessage) {
                // its toString is the object's identity: the message and where, as gdb says a syntax error
                SyntaxException x = ((SyntaxErrorMessage) errs[0]).cause
                String where = input?.readLines()?.size() > 1 ? "line ${x.line}, column ${x.startColumn}" : "column ${x.startColumn}"
                return "not Groovy, a gdb line or a shell line (shell lines start with `\$ `): ${x.originalMessage.replaceAll(/\s*@ line \d+, column \d+\.?$/, '').replace("Unexpected input: '<EOF>'", 'Unexpected end of input')} at $where"
            }
            String first = errs ? errs[0].toString().readLines().find { it.trim() && !it.startsWith('startup failed') } : e.message
            first = (first ?: e.message).replaceAll(/^\S+\.groovy: /, '').replaceAll(/^Script\d+\.groovy: /, '')
            return "not Groovy, a gdb line or a shell line (shell lines start with `\$ `): ${first.trim()}"
        }
        if (e instanceof InterruptedException) return 'interrupted'
        return "${e.getClass().simpleName}: ${e.message}"
    }

    /** An argument as a message quotes it: a string in quotes, arguments joined by commas. */
    static String shown(Object v) {
        v instanceof CharSequence ? "'$v'" : v instanceof Object[] ? (v as List).collect { shown(it) }.join(', ') : String.valueOf(v)
    }
}
