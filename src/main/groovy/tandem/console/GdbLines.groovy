// Pasted gdb lines: recognising them (with or without a leading "(rr) " or "(gdb) "), running
// them on a session as gdb sees them, and coping with what gdb answers on machines without libc
// debug info: stdout, stderr and fprintf get their declared types, and output the call printed
// into the program's pipe is flushed and shown.
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.DebuggerException
import tandem.panda.PandaException
import tandem.panda.PandaSession

import java.util.regex.Matcher
import java.util.regex.Pattern

@CompileStatic
class GdbLines {

    /** First words that make a line a gdb command (the notes' and gdb's everyday ones). */
    static final Set<String> COMMANDS = ([
            'break', 'b', 'br', 'tbreak', 'rbreak', 'watch', 'rwatch', 'awatch', 'delete', 'd', 'disable', 'enable',
            'condition', 'ignore', 'commands', 'call', 'print', 'p', 'output', 'printf', 'echo', 'x', 'display',
            'undisplay', 'info', 'i', 'ptype', 'whatis', 'set', 'show', 'list', 'l', 'bt', 'backtrace', 'where',
            'frame', 'f', 'up', 'down', 'finish', 'continue', 'c', 'cont', 'rc', 'reverse-continue', 'stepi', 'si',
            'nexti', 'ni', 'reverse-stepi', 'rsi', 'reverse-nexti', 'rni', 'step', 's', 'next', 'n',
            'reverse-step', 'reverse-next', 'reverse-finish', 'until', 'advance', 'run', 'r', 'start', 'starti',
            'checkpoint', 'restart', 'when', 'when-ticks', 'when-tid', 'disassemble', 'tb', 'kill',
            'handle', 'signal', 'jump', 'thread', 'inferior', 'dprintf', 'save', 'source', 'define'
    ] as Set<String>).asImmutable()

    static final Set<String> REVERSE = ['rc', 'reverse-continue', 'rsi', 'reverse-stepi', 'rni', 'reverse-nexti',
                                        'reverse-step', 'reverse-next', 'reverse-finish'] as Set<String>

    /** Reverse moves every target has: rr's own on rr, else tandem's {@link tandem.panda.Timeline}. */
    static final Set<String> TIMELINE = ['rc', 'reverse-continue', 'rsi', 'reverse-stepi', 'reverse-finish'] as Set<String>

    private static final Pattern PROMPT = ~/^\s*\((?:rr|gdb)\)\s*/
    private static final Pattern FIRST = ~/^([A-Za-z][\w-]*)(\/\w+)?(.*)$/
    private static final Pattern BREAKPOINT_MADE = ~/(?m)^(?:Temporary breakpoint|Breakpoint|Hardware watchpoint|Watchpoint|Hardware read watchpoint|Hardware access \(read\/write\) watchpoint|Dprintf) (\d+)[: ]/
    private static final Pattern UNKNOWN_RETURN = ~/'(\w+)' has unknown return type/
    private static final Pattern PRINTS_TO_FILE = ~/\b(stdout|stderr|FILE\s*\*|fprintf|printf|puts|fflush|target_disas|cpu_dump_state)\b/

    /** Drops a leading "(rr) " or "(gdb) " prompt copied along with the command. */
    static String stripPrompt(String line) {
        line.replaceFirst(PROMPT, '')
    }

    /** True when the line reads as a gdb command rather than Groovy. */
    static boolean isGdb(String line) {
        String l = stripPrompt(line).trim()
        Matcher m = FIRST.matcher(l)
        if (!m.matches()) return false
        String word = m.group(1), format = m.group(2), rest = m.group(3)
        if (!COMMANDS.contains(word)) return false
        if (format != null) return true                        // p/x ..., x/4wx ...
        if (rest.isEmpty()) return true                        // c, rc, bt, disable, continue
        if (!Character.isWhitespace(rest.charAt(0))) return false  // print(x), c.foo, bt()
        String r = rest.trim()
        // Groovy: `c = 3`, `p == q`, `p += 1`, `s << x`, `p ? a : b`
        if (r ==~ /^(=|==|\+=|-=|\*=|<<|\?|\.).*/) return false
        return true
    }

    /** Advice for lines that start rr or diverge.py by hand: tandem already does that. */
    static String advice(String line, Sessions sessions) {
        String l = stripPrompt(line).trim()
        if (l ==~ /^(\S*\/)?rr\s+replay\b.*/) {
            return "tandem already replays both runs under gdb: `rec` and `rep` (${sessions?.description ?: 'see `tandem console`'}).\n" +
                    'Type gdb commands here: they go to the focus (`use rec`, `use rep`, `use both`).'
        }
        if (l ==~ /^(\S*\/)?rr\s+record\b.*/) {
            return 'record the two rr traces outside tandem (`rr record -o recrep ...`, `rr record -o reprep ... -replay NAME`),\n' +
                    'then open them with `tandem console recrep reprep`.'
        }
        if (l ==~ /^python3?\s+.*diverge\.py.*/) {
            return "diverge.py's search is `bisect lo, hi` here."
        }
        return null
    }

    /**
     * Runs one gdb line on a session and returns what gdb printed, plus what the program printed
     * meanwhile. Retries once with casts when gdb lacks the types of stdout, stderr or fprintf.
     */
    static String run(PandaSession s, String line, Set<Integer> userBreakpoints) {
        String cmd = rewriteDelete(stripPrompt(line).trim(), userBreakpoints)
        String word = cmd.split(/[\s\/]/, 2)[0]
        StringBuilder out = new StringBuilder()
        s.debugger().drainProgramOutput()   // what the program printed before this line is not its answer
        if (TIMELINE.contains(word) && cmd == word) return reverse(s, word)
        String answer
        try {
            answer = s.gdb(cmd)
        } catch (DebuggerException e) {
            String msg = e.gdbMessage() ?: e.message
            if (REVERSE.contains(word) && !s.debugger().target().canReverse()) {
                throw new PandaException("${s.name()}: `$word` needs reverse execution, which only an rr replay has; " +
                        "${s.debugger().target().description()} runs forwards only. To go back, use `toInstr N` " +
                        "(it restarts from the nearest checkpoint)." as String)
            }
            String casted = msg ==~ /(?s).*has unknown (return )?type.*/ ? withCasts(cmd, msg) : cmd
            if (casted == cmd) throw e
            out << "(gdb lacks libc's types here; ran: $casted)\n"
            cmd = casted
            answer = s.gdb(cmd)
        }
        out << answer
        if (PRINTS_TO_FILE.matcher(cmd).find() && (word == 'call' || word == 'print' || word == 'p')) {
            flush(s)
        }
        Matcher m = BREAKPOINT_MADE.matcher(answer)
        while (m.find()) userBreakpoints << Integer.parseInt(m.group(1))
        List<String> printed = s.debugger().drainProgramOutput()
        if (printed) {
            int max = 200
            if (out.length() > 0 && out.charAt(out.length() - 1) != ('\n' as char)) out << '\n'
            if (printed.size() > max) out << "(program printed ${printed.size()} lines; the last $max:)\n"
            printed.takeRight(max).each { String l -> out << l.replaceAll(/\r?\n$/, '') << '\n' }
        }
        return out.toString().replaceAll(/\n+$/, '')
    }

    private static String reverse(PandaSession s, String word) {
        switch (word) {
            case ['rc', 'reverse-continue']: return s.timeline().reverseContinue().toString()
            case ['rsi', 'reverse-stepi']: return s.timeline().reverseStepInstruction().toString()
            default: return s.timeline().reverseFinish().toString()
        }
    }

    /** The program prints into a block-buffered pipe: flush it so the call's output shows now. */
    private static void flush(PandaSession s) {
        try {
            s.debugger().evaluate('(int) fflush(0)')
        } catch (DebuggerException ignored) {
            // a program without fflush, or stopped where calls are impossible: nothing more to show
        }
    }

    /** `delete` with no numbers would also remove tandem's own breakpoints: delete the user's only. */
    private static String rewriteDelete(String cmd, Set<Integer> userBreakpoints) {
        if (cmd ==~ /^(delete|d)(\s+breakpoints)?\s*$/) {
            String nums = userBreakpoints.sort().join(' ')
            userBreakpoints.clear()
            return nums ? "delete $nums".toString() : 'echo no breakpoints of yours to delete\\n'
        }
        return cmd
    }

    /** The command with libc's objects cast to their declared types, as gdb asks. */
    static String withCasts(String cmd, String gdbMessage) {
        String c = cmd
        c = c.replaceAll(/(?<!\(FILE \*\) )\bstdout\b/, '(FILE *) stdout')
        c = c.replaceAll(/(?<!\(FILE \*\) )\bstderr\b/, '(FILE *) stderr')
        c = c.replaceAll(/(?<!\(fprintf_function\) )\bfprintf\b(?!\s*\()/, '(fprintf_function) fprintf')
        Matcher m = UNKNOWN_RETURN.matcher(gdbMessage)
        if (m.find()) {
            String f = m.group(1)
            c = c.replaceAll(/(?<!\(int\) )\b${Pattern.quote(f)}\s*\(/, "(int) ${f}(")
        }
        return c
    }
}
