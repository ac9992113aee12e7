// Tab completion: DSL verbs, methods on rec / rep / both, focus names after `use`, and gdb's own
// completion (symbols, struct fields, commands) for gdb lines, asked of a session that is up.
package tandem.console

import groovy.transform.CompileStatic
import org.jline.reader.Candidate
import org.jline.reader.Completer
import org.jline.reader.LineReader
import org.jline.reader.ParsedLine
import tandem.panda.Pair
import tandem.panda.PandaSession

import java.lang.reflect.Method
import java.lang.reflect.Modifier

@CompileStatic
class ConsoleCompleter implements Completer {
    static final List<String> ZERO_ARG = ['regs', 'disas', 'cpuDump', 'checksums', 'pc', 'instr', 'epc', 'asid', 'bt',
                                          'nextTb', 'lastError', 'help']
    /** What rec., rep. and both. offer: the verbs `help` lists that act on one side, and their long names. */
    static final List<String> SESSION_METHODS = sessionApi()

    private static List<String> sessionApi() {
        Map<String, Integer> params = [:]
        PandaSession.methods.findAll { Method m -> !Modifier.isStatic(m.modifiers) && m.declaringClass == PandaSession }.each { Method m ->
            params[m.name] = Math.min(params[m.name] ?: Integer.MAX_VALUE, m.parameterCount)
        }
        TandemScript.VERB_METHODS.keySet().each { String v -> params[v] = 0 }
        Set<String> api = new TreeSet<String>(Help.VERBS.keySet().findAll { params.containsKey(it) })
        api.addAll(TandemScript.VERB_METHODS.values())
        api.addAll(['name', 'arch'])
        api.collect { String n -> n + (params[n] == 0 ? '()' : '(') }
    }

    private final Context ctx

    ConsoleCompleter(Context ctx) { this.ctx = ctx }

    @Override
    void complete(LineReader reader, ParsedLine line, List<Candidate> out) {
        String before = line.line().substring(0, line.cursor())
        String word = line.word().substring(0, line.wordCursor())
        String stripped = GdbLines.stripPrompt(before)
        def member = word =~ /^(rec|rep|both)\.(\w*)$/
        if (member.matches()) {
            String owner = member.group(1)
            SESSION_METHODS.each { String m -> out << new Candidate("$owner.$m".toString(), m, 'methods', null, null, null, !m.endsWith('(')) }
            return
        }
        if (before ==~ /^\s*use\s+\w*$/) {
            ['rec', 'rep', 'both'].each { out << new Candidate(it) }
            return
        }
        if (line.wordIndex() == 0 || stripped.trim() == word) {
            Help.VERBS.keySet().each { String v ->
                out << new Candidate(v in ZERO_ARG ? v + '()' : v, v, 'verbs', Help.VERBS[v][1], null, null, v in ZERO_ARG || v in ['c', 'rc', 'si', 'rsi', 'exit'])
            }
            ['rec', 'rep', 'both'].each { out << new Candidate(it, it, 'sessions', null, null, null, false) }
            ['break', 'call', 'print', 'info', 'condition', 'disable', 'enable', 'delete', 'continue', 'x', 'ptype', 'watch', 'finish', 'stepi']
                    .each { out << new Candidate(it, it, 'gdb', null, null, null, false) }
            return
        }
        if (GdbLines.isGdb(stripped)) gdbCompletions(stripped, word, out)
    }

    /** gdb's `complete` prints whole lines; the candidates are what follows the text before the word. */
    private void gdbCompletions(String line, String word, List<Candidate> out) {
        Pair p = ctx.sessions.pairIfReady()
        if (p == null) return   // never make the user wait at Tab
        PandaSession s = ctx.focus == 'rep' ? p.rep() : p.rec()
        if (s.debugger().running()) return
        String prefix = line.substring(0, line.length() - word.length())
        try {
            s.gdb('complete ' + line).readLines().take(300).each { String full ->
                if (full.startsWith(prefix) && full.length() > prefix.length()) {
                    String c = full.substring(prefix.length())
                    out << new Candidate(c, c, null, null, null, null, false)
                }
            }
        } catch (RuntimeException ignored) {
            // completion is a courtesy: a busy or gone gdb offers nothing
        }
    }
}
