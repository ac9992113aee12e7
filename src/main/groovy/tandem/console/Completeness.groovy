// Whether a piece of input is a whole statement yet: an incomplete one (an open brace, a trailing
// operator or backslash, an unclosed triple-quoted string) continues on the next line.
package tandem.console

import groovy.transform.CompileStatic
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.MultipleCompilationErrorsException
import org.codehaus.groovy.control.Phases
import org.codehaus.groovy.control.messages.SyntaxErrorMessage
import org.codehaus.groovy.syntax.SyntaxException

@CompileStatic
class Completeness {

    static boolean incomplete(String input) {
        if (input.replaceAll(/[\r\n]+$/, '') ==~ /(?s).*\\[ \t]*/) return true
        List<String> lines = input.readLines()
        // a pasted shell block (`rr record -o recrep \` ...) ends with its first line that does not
        // continue, whatever Groovy would make of it (`~/.panda/...` reads as an open /slashy/ string);
        // what was pasted after it is judged on its own
        if (lines && continues(lines[0])) {
            int end = lines.findIndexOf { String l -> !continues(l) }
            List<String> rest = lines.subList(end + 1, lines.size())
            return rest ? incomplete(rest.join('\n')) : false
        }
        if (lines.size() == 1 && (isDirect(input))) return false
        if (input.trim().isEmpty()) return false
        if (tripleQuotesOpen(input)) return true
        try {
            CompilationUnit cu = new CompilationUnit(new CompilerConfiguration())
            cu.addSource('input.groovy', input)
            cu.compile(Phases.CONVERSION)
            return false
        } catch (MultipleCompilationErrorsException e) {
            def first = e.errorCollector.errors ? e.errorCollector.errors[0] : null
            if (!(first instanceof SyntaxErrorMessage)) return false
            SyntaxException s = ((SyntaxErrorMessage) first).cause
            if (s.message?.contains("'<EOF>'")) return true
            String last = lines ? lines[-1] : ''
            boolean atEnd = s.line >= lines.size() && s.startColumn > last.length()
            return atEnd || openBrackets(input) > 0
        }
    }

    private static boolean continues(String line) {
        line ==~ /.*\\[ \t]*/
    }

    /** Lines the console runs without Groovy: gdb commands, shell lines, exit. */
    static boolean isDirect(String line) {
        String t = line.trim()
        // `help break`: a verb's name, even one that is a Groovy keyword, asks about it
        t.startsWith('$ ') || t.startsWith('!') || GdbLines.isGdb(t) || t in ['exit', 'quit'] || t ==~ /help\s+[\w-]+/
    }

    private static boolean tripleQuotesOpen(String s) {
        (s.count('"""') % 2 == 1) || (s.count("'''") % 2 == 1)
    }

    /** Open minus closed brackets outside quotes (a rough count: enough to keep reading). */
    static int openBrackets(String s) {
        int depth = 0
        Character quote = null
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i)
            if (quote != null) {
                if (ch == ('\\' as char)) i++
                else if (ch == quote) quote = null
                continue
            }
            switch (ch) {
                case '"': case "'": quote = ch; break
                case '(': case '[': case '{': depth++; break
                case ')': case ']': case '}': depth--; break
            }
        }
        return depth
    }
}
