// Pasted gdb lines: recognising them (with or without a leading "(rr) " or "(gdb) "), running
// them on a session as gdb sees them, and coping with what gdb answers on machines without libc
// debug info: stdout, stderr and fprintf get their declared types, a call of a function whose
// return type gdb lacks is cast to libc's declared type (else to a pointer-sized integer, never
// narrower), and output the call printed into the program's pipe is flushed and shown.
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.DebuggerException
import tandem.debugger.GdbServerTarget
import tandem.panda.PandaException
import tandem.panda.PandaNames
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
            'handle', 'signal', 'jump', 'thread', 'inferior', 'dprintf', 'save', 'source', 'define',
            'k', 'detach', 'disconnect', 'attach', 'target', 'file', 'exec-file'
    ] as Set<String>).asImmutable()

    private static final String GO_BACK = 'To go back, `toInstr N` (it restarts from the nearest checkpoint); `toInstr 0` is the start.'
    /** gdb commands that would throw away where a side is, and tandem's way to do what was meant. */
    static final Map<String, String> LOSES_POSITION = [
            run       : "would start the program again from its beginning, losing where rec and rep are and tandem's checkpoints. $GO_BACK",
            start     : "would start the program again from its beginning, losing where rec and rep are and tandem's checkpoints. $GO_BACK",
            starti    : "would start the program again from its beginning, losing where rec and rep are and tandem's checkpoints. $GO_BACK",
            kill      : "would end the program, and that side could not move any more. $GO_BACK To leave tandem, `exit`.",
            restart   : "would switch to a gdb checkpoint behind tandem's back. $GO_BACK",
            detach    : 'would take gdb away from the program tandem follows. Other traces: `tandem console RECTRACE REPTRACE`.',
            disconnect: 'would take gdb away from the program tandem follows. Other traces: `tandem console RECTRACE REPTRACE`.',
            attach    : 'would take gdb away from the program tandem follows. Other traces: `tandem console RECTRACE REPTRACE`.',
            target    : 'would take gdb away from the program tandem follows. Other traces: `tandem console RECTRACE REPTRACE`.',
            file      : 'would load another program into gdb. Other traces: `tandem console RECTRACE REPTRACE`.',
            'exec-file': 'would load another program into gdb. Other traces: `tandem console RECTRACE REPTRACE`.',
            quit      : 'would end gdb under tandem. To leave tandem, `exit`.',
            'delete checkpoint': "would delete a checkpoint tandem goes back through. $GO_BACK",
            // gdb's clear deletes every breakpoint at a place, whoever set it: bare, at the current
            // line, which is where tandem's own breakpoint on cpu_loop_exec_tb stops the program
            clear     : 'would delete every breakpoint at that place, tandem\'s own (on cpu_loop_exec_tb, debug_counter) with yours. To delete yours, `delete N` (`info breakpoints` lists them).',
    ].collectEntries { k, v -> [k, v.toString()] }.asImmutable() as Map<String, String>
    private static final Map<String, String> ALIASES = [r: 'run', k: 'kill', q: 'quit'].asImmutable()

    static final Set<String> REVERSE = ['rc', 'reverse-continue', 'rsi', 'reverse-stepi', 'rni', 'reverse-nexti',
                                        'reverse-step', 'reverse-next', 'reverse-finish'] as Set<String>

    /** Reverse moves every target has: rr's own on rr, else tandem's {@link tandem.panda.time.Timeline}. */
    static final Set<String> TIMELINE = ['rc', 'reverse-continue', 'rsi', 'reverse-stepi', 'reverse-finish'] as Set<String>

    private static final Pattern PROMPT = ~/^\s*\((?:rr|gdb)\)\s*/
    private static final Pattern FIRST = ~/^([A-Za-z][\w-]*)(\/\w+)?(.*)$/
    /**
     * gdb 13: "'getenv' has unknown return type; cast the call to its declared return type". For an
     * IFUNC or a PLT stub gdb names the target, not the function of the line:
     * "'at 0x0x7ffff7f1cac0' has unknown return type".
     */
    private static final Pattern UNKNOWN_RETURN = ~/'([^']+)' has unknown return type/
    private static final Pattern CALLED = ~/\b([A-Za-z_]\w*)\s*\(/
    /** How many rounds of casts a line gets: each round gdb names the next function it lacks. */
    private static final int CAST_ROUNDS = 4

    /**
     * Return types as glibc declares them (man 3), for calls gdb cannot type without libc's debug
     * info. Pointers are cast to char * (strings: gdb then shows the text) or void *; FILE * and
     * the like to void *, since gdb may not know the struct either.
     */
    static final Map<String, String> LIBC_RETURNS = libcReturns()

    private static Map<String, String> libcReturns() {
        Map<String, String> m = [:]
        ('getenv secure_getenv strdup strndup strchr strrchr strstr strcasestr strpbrk strtok strtok_r strcpy strncpy stpcpy ' +
                'strcat strncat strerror strsignal setlocale getcwd realpath basename dirname ctime asctime ttyname index rindex ' +
                'fgets gets').split(' ').each { m[it] = 'char *' }
        ('malloc calloc realloc reallocarray aligned_alloc memalign valloc pvalloc memcpy memmove memset memchr memrchr ' +
                'memmem mempcpy mmap sbrk dlopen dlsym fopen fdopen freopen popen tmpfile opendir readdir ' +
                '__errno_location localtime gmtime signal').split(' ').each { m[it] = 'void *' }
        'strlen strnlen fwrite fread strspn strcspn wcslen malloc_usable_size strftime confstr'.split(' ').each { m[it] = 'unsigned long' }
        'ftell sysconf strtol strtoll atol atoll random labs time lseek read write pread pwrite readlink syscall'.split(' ').each { m[it] = 'long' }
        'strtoul strtoull'.split(' ').each { m[it] = 'unsigned long' }
        ('puts printf fprintf dprintf sprintf snprintf vprintf vfprintf fflush fputs fputc putc putchar fclose fgetc getc ' +
                'getchar ungetc feof ferror fileno strcmp strncmp strcasecmp strncasecmp memcmp strcoll atoi abs rand getpid ' +
                'getppid gettid raise kill close open openat dup dup2 pipe access unlink remove rename mkdir rmdir chdir ioctl ' +
                'fcntl isatty setenv unsetenv putenv system usleep nanosleep setvbuf fseek pthread_self sched_yield ' +
                'getuid geteuid getgid getegid prctl mprotect munmap').split(' ').each { m[it] = 'int' }
        'sleep alarm'.split(' ').each { m[it] = 'unsigned int' }
        'atof strtod'.split(' ').each { m[it] = 'double' }
        'free abort exit _exit perror srand srandom rewind qsort clearerr setbuf'.split(' ').each { m[it] = 'void' }
        m.asImmutable()
    }
    private static final Pattern PRINTS_TO_FILE = ~/\b(stdout|stderr|FILE\s*\*|fprintf|printf|puts|fflush|target_disas|cpu_dump_state)\b/

    /** The command word of a one-line gdb command (`p` of `(rr) p/x foo`), or null. */
    static String firstWord(String line) {
        Matcher m = FIRST.matcher(stripPrompt(line).trim())
        m.matches() ? m.group(1) : null
    }

    /** Why a gdb line is refused (it would lose the replay position), or null when it may run. */
    static String refusal(String line) {
        String word = firstWord(line)
        if (stripPrompt(line).trim() ==~ /^(delete|d)\s+checkpoint\b.*/) word = 'delete checkpoint'
        if (word == 'clear') {
            // `clear main` deletes the user's breakpoints at main; bare, or at a function tandem stops
            // in, it would take tandem's own with them
            String at = stripPrompt(line).trim().substring('clear'.length()).trim()
            if (at && !(at in PandaNames.TANDEM_STOPS)) return null
        }
        String full = ALIASES[word] ?: word
        String why = LOSES_POSITION[full]
        why == null ? null : "`${stripPrompt(line).trim()}` $why".toString()
    }

    /**
     * Why a gdb line is refused when its command is an abbreviation of one refused (`resta 3`,
     * `ru`, `delete ch 2`), or null. gdb takes any unique prefix of a command's name, and which
     * prefixes are unique depends on the gdb and on what was defined in it (rr defines `restart`):
     * gdb is asked. Two commands are the same when `help` says the same of both.
     */
    static String abbreviated(PandaSession s, String line) {
        String cmd = stripPrompt(line).trim()
        String word = firstWord(cmd)
        if (word == null) return null
        List<String> words = cmd.split(/\s+/) as List<String>
        Map<String, String> asked = [:]   // gdb's help on what was typed, asked once per length
        for (String full : LOSES_POSITION.keySet()) {
            List<String> parts = full.split(' ') as List<String>
            if (words.size() < parts.size() || parts.equals(words.subList(0, parts.size()))) continue
            boolean prefixes = (0..<parts.size()).every { int i -> parts[i].startsWith(i == 0 ? word : words[i]) }
            if (!prefixes) continue
            String typed = words.subList(0, parts.size()).join(' ')
            String mine = asked.computeIfAbsent(typed) { help(s, typed) ?: '' }
            if (!mine.isBlank() && mine == help(s, full)) {
                // as if typed in full: `clear` is refused only bare or at tandem's own stops
                String expanded = ([full] + words.subList(parts.size(), words.size())).join(' ')
                String why = refusal(expanded)
                return why == null ? null : "`${cmd}` is `${expanded}` to gdb: ${why}".toString()
            }
        }
        return null
    }

    /**
     * Why gdb's own `checkpoint` (or an abbreviation of it) is refused on a side behind gdbserver,
     * or null. gdb forks the program with a call into it, and through gdbserver gdb 13 does not
     * keep the copy ("Failed to find new fork"): it runs on untraced until it dies. Only on a
     * gdbserver tandem started: a server started elsewhere may be `rr replay -s`, whose
     * `checkpoint` is rr's own.
     */
    static String forkLost(PandaSession s, String line) {
        def target = s.debugger().target()
        if (!(target instanceof GdbServerTarget) || !((GdbServerTarget) target).launchedHere()) return null
        String word = firstWord(line)
        if (word == null || !'checkpoint'.startsWith(word)) return null
        if (word != 'checkpoint' && (help(s, word) ?: '') != help(s, 'checkpoint')) return null
        "`${stripPrompt(line).trim()}` would have gdb fork ${s.name()} behind gdbserver, which gdb cannot keep: the copy would run on untraced. To go back, `toInstr N`.".toString()
    }

    /**
     * gdb's help on what a typed command runs, or null when gdb would not run it. `help` weighs
     * help classes too, which running does not: `help ru` is "Ambiguous command "ru": run,
     * running." (running is a class) while `ru` runs `run`.
     */
    private static String help(PandaSession s, String typed) {
        try {
            return s.debugger().console("help " + typed)
        } catch (DebuggerException e) {
            Matcher m = AMBIGUOUS.matcher(e.gdbMessage() ?: '')
            if (!m.find()) return null   // not a command gdb knows: gdb refuses to run it too
            Set<String> classes = (s.debugger().console('help') =~ /(?m)^(\S+) -- /).collect { ((List) it)[1] } as Set<String>
            List<String> commands = m.group(1).split(/,\s*/).findAll { !(it in classes) }
            if (commands.size() != 1) return null   // ambiguous to gdb as well
            String[] words = typed.split(/\s+/)
            words[words.length - 1] = commands[0]
            return help(s, words.join(' '))
        }
    }

    private static final Pattern AMBIGUOUS = ~/Ambiguous command "[^"]*": ([^.]+)\./

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
     * meanwhile. Retries with casts when gdb lacks the types of stdout, stderr, fprintf or a
     * function's return type, and says which casts it used. Breakpoint numbers, typed and shown,
     * are the console's ({@link BreakpointNumbers}): {@code numbers} is the console line this
     * runs for, shared by both sides when it runs on both.
     */
    static String run(PandaSession s, String line, BreakpointNumbers.Line numbers) {
        String refused = refusal(line) ?: abbreviated(s, line) ?: forkLost(s, line)
        if (refused != null) throw new PandaException(refused)
        String cmd = stripPrompt(line).trim()
        String side = s.name()
        ByNumber users = usersBreakpoints(s, cmd, numbers.numbers)
        if (users != null && users.command == null) return users.notYours
        if (users != null) cmd = users.command
        String own = notesChecksum(s, cmd)
        if (own != null) return own
        String word = cmd.split(/[\s\/]/, 2)[0]
        StringBuilder out = new StringBuilder()
        s.debugger().drainProgramOutput()   // what the program printed before this line is not its answer
        // time: a bare reverse verb goes through tandem's timeline where the target has none
        if (TIMELINE.contains(word) && cmd == word) return numbers.shown(side, reverse(s, word), false)
        List<String> ran = ask(s, cmd, word, out)
        cmd = ran[0]
        String answer = ran[1]
        if (users?.notYours) out << users.notYours << '\n'
        numbers.answered(side, answer)
        BreakpointNumbers bps = numbers.numbers
        if (users?.deleted) bps.gone(side, users.deleted)
        out << numbers.shown(side, usersView(cmd, answer, bps.gdbNumbers(side), users?.done), INFO_BREAKPOINTS.matcher(cmd).matches())
        boolean ended = answer.contains('[stopped: exited')
        if (ended) s.forgetCheckpointsGdbDropped()
        out << tandemsCheckpoints(s, cmd)
        programOutput(s, cmd, word, out)
        // after the program's last words, which come before its end
        if (ended) out << (out.length() > 0 && out.charAt(out.length() - 1) != ('\n' as char) ? '\n' : '') << afterEnd(s)
        return out.toString().replaceAll(/\n+$/, '')
    }

    /**
     * Console rule: the user's breakpoint numbers in {@code cmd} as gdb's ({@link #usersNumbers}),
     * after forgetting those gdb dropped by itself; null when the line names no breakpoint.
     */
    private static ByNumber usersBreakpoints(PandaSession s, String cmd, BreakpointNumbers bps) {
        String side = s.name()
        if (usersNumbers(cmd, [:]) != null) {
            // gdb drops breakpoints by itself (a temporary one hit, a watchpoint out of scope): ask which it has
            bps.keepOnly(side, (s.gdb('info breakpoints') =~ /(?m)^(\d+)\s/).collect { Integer.parseInt(((List<String>) it)[1]) } as Set<Integer>)
        }
        usersNumbers(cmd, bps.on(side))
    }

    /**
     * Debugger rule: runs {@code cmd} in gdb and returns [the command run, gdb's answer], retried
     * with casts where gdb lacks types (what it used goes to {@code out}). gdb's errors become
     * PandaExceptions that say what happened to the side and what to do.
     */
    private static List<String> ask(PandaSession s, String cmd, String word, StringBuilder out) {
        String side = s.name()
        try {
            return [cmd, s.gdb(cmd)]
        } catch (DebuggerException e) {
            if (s.gone() != null) throw new PandaException(s.gone(), e)
            String msg = e.gdbMessage() ?: e.message
            if (msg.contains('signaled while in a function called from GDB')) {
                // gdb unwound the call (unwindonsignal, set for every session): say what the call did
                throw new PandaException("${side}: `$cmd` got a signal inside the function it called; gdb undid the call, " +
                        "so ${side} is where it was before it. gdb said: ${msg.readLines().take(2).join(' ')}" as String)
            }
            // gdb's own refusal ("Target multi-thread does not support this command.") comes from a
            // target that says it can reverse but cannot here: the stand-in rr, a gdb without rr's protocol
            if (REVERSE.contains(word) && (!s.debugger().target().canReverse() || msg ==~ /(?s).*does not support this command.*/)) {
                throw new PandaException("${side}: `$word` needs reverse execution, which " +
                        "${s.debugger().target().description()} does not offer (only a real rr replay has it). To go back, use `toInstr N` " +
                        "(it restarts from the nearest checkpoint)." as String)
            }
            return retriedWithCasts(cmd, e, { String c -> s.gdb(c) }, out)
        }
    }

    /** Time rule: after `info checkpoints`, which of gdb's (or rr's) are tandem's, which `toInstr` goes back through; or "". */
    private static String tandemsCheckpoints(PandaSession s, String cmd) {
        if (!(cmd ==~ /^info\s+checkpoints?\s*$/) || s.checkpoints().snapshot().isEmpty()) return ''
        '\n(tandem\'s: ' + s.checkpoints().snapshot().collect { long at, int n -> "$n at guest instruction $at" }.join(', ') + ')'
    }

    /**
     * Debugger rule: what the program printed while {@code cmd} ran, after gdb's answer in {@code out}
     * (its last 200 lines); a call that prints gets its output flushed and awaited first.
     */
    private static void programOutput(PandaSession s, String cmd, String word, StringBuilder out) {
        if (PRINTS_TO_FILE.matcher(cmd).find() && (word == 'call' || word == 'print' || word == 'p')) {
            flush(s)
        }
        if (word in ['call', 'print', 'p', 'output', 'printf'] && cmd.contains('(')) {
            s.debugger().awaitProgramOutput()   // a call may print to stderr, read apart from gdb's answer
        }
        List<String> printed = s.debugger().drainProgramOutput()
        if (printed) {
            int max = 200
            if (out.length() > 0 && out.charAt(out.length() - 1) != ('\n' as char)) out << '\n'
            if (printed.size() > max) out << "(program printed ${printed.size()} lines; the last $max:)\n"
            printed.takeRight(max).each { String l -> out << l.replaceAll(/\r?\n$/, '') << '\n' }
        }
    }

    private static final Pattern NOTES_CHECKSUM = ~/^(?:call|print|p)(?:\/\w+)?\s+(rr_checksum_(?:ram|tlb))\s*\(\s*\)\s*;?$/

    /**
     * The notes' `call rr_checksum_ram()` and `call rr_checksum_tlb()` name functions no PANDA has
     * (gdb: `No symbol "rr_checksum_tlb" in current context.`): answered with tandem's own hash of
     * the same state, saying so. Null for any other line, or when the build does define the function.
     */
    static String notesChecksum(PandaSession s, String cmd) {
        Matcher m = NOTES_CHECKSUM.matcher(cmd)
        if (!m.matches() || s.hasSymbol(m.group(1))) return null
        String f = m.group(1)
        String lacks = "PANDA has no ${f}() (the notes name it; no PANDA build defines it)"
        if (f == 'rr_checksum_ram') {
            return "${lacks}; ${tandem.panda.Checksums.RAM_SOURCE}: ${String.format('0x%08x', s.ramCrc(0, s.ramSize()))}".toString()
        }
        Long tlb = s.tlbHash()
        return tlb == null ? "${lacks}; ${s.arch().qemuName()} keeps no software TLB for tandem to hash".toString()
                : "${lacks}; ${tandem.panda.Checksums.TLB_SOURCE}: ${String.format('0x%08x', tlb)}".toString()
    }

    private static final Pattern ALSO_SET = ~/^Note: breakpoints? (.+) also set at pc (.*)$/

    /**
     * gdb's answer as the user should see it: tandem's own breakpoints (the TB breakpoint, the end of
     * the recording) are not theirs, so `info breakpoints` and gdb's "also set" notes leave them out,
     * and `delete N`, `disable N` and `enable N`, which gdb answers with nothing, say what they did
     * ({@code done}, in the user's numbers).
     */
    static String usersView(String cmd, String answer, Set<Integer> mine, String done) {
        if (INFO_BREAKPOINTS.matcher(cmd).matches()) {
            List<String> rows = []
            boolean keep = true
            answer.eachLine { String l ->
                Matcher m = l =~ /^(\d+)(\.\d+)?\s/
                if (m.find()) keep = Integer.parseInt(m.group(1)) in mine
                if (l.startsWith('Num ') || keep) rows << l
            }
            return rows.size() <= 1 ? 'No breakpoints or watchpoints of yours.' : rows.join('\n')
        }
        if (done && !answer.trim()) return done
        return answer.readLines().collect { String l -> usersNote(l, mine) }.findAll { it != null }.join('\n')
    }

    /**
     * gdb's "Note: breakpoints 3 (disabled), 5 and 12 also set at pc 0x...." with the user's
     * breakpoints only; null when none of them is.
     */
    private static String usersNote(String line, Set<Integer> mine) {
        Matcher n = ALSO_SET.matcher(line)
        if (!n.matches()) return line
        List<String> kept = n.group(1).split(/,\s*|\s+and\s+/).findAll { String b ->
            Matcher num = b =~ /^(\d+)/
            num.find() && Integer.parseInt(num.group(1)) in mine
        }
        if (!kept) return null
        String list = kept.size() == 1 ? kept[0] : kept.init().join(', ') + ' and ' + kept.last()
        "Note: breakpoint${kept.size() == 1 ? '' : 's'} $list also set at pc ${n.group(2)}".toString()
    }

    /**
     * The program ran to its end: gdb carries on in one of tandem's checkpoints (a fork of the
     * program), or in nothing. Says which, so a `bt` there is not taken for the end of the run.
     */
    private static String afterEnd(PandaSession s) {
        try {
            long at = s.instrCount()
            String whose = s.checkpoints().snapshot().containsKey(at) ? "tandem's checkpoint" : 'a checkpoint'
            return "(${s.name()}: the program ended; gdb now runs commands in $whose at guest instruction $at. `toInstr N` moves from there.)".toString()
        } catch (RuntimeException ignored) {
            return "(${s.name()}: the program ended and gdb has no process left; `toInstr N` starts it again from a checkpoint.)".toString()
        }
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

    /**
     * delete, disable and enable (gdb's abbreviations too: d, del, dis, en, ...), with their
     * `breakpoints`, `once`, `delete` and `count N` words, and a list of numbers or ranges.
     */
    private static final Pattern NUMBERED = ~/^(d|del|dele|delet|delete|dis|disa|disab|disabl|disable|en|ena|enab|enabl|enable)((?:\s+(?:b|br|bre|brea|break|breakp\w*|once|delete|count\s+\d+))*)((?:\s+\d+(?:-\d+)?)*)\s*$/
    /** condition and ignore, whose first argument is one breakpoint's number. */
    private static final Pattern FIRST_NUMBERED = ~/^(cond|condi|condit|conditi|conditio|condition|ig|ign|igno|ignor|ignore)(\s+)(\d+)\b(.*)$/
    /** `info breakpoints` (i b, info br, info watchpoints...), with numbers or ranges or none. */
    private static final Pattern INFO_BREAKPOINTS = ~/^(i|inf|info)\s+(b|br|bre|brea|break|breakp\w*|wat\w*)((?:\s+\d+(?:-\d+)?)*)\s*$/

    /**
     * A breakpoint command as it may reach gdb ({@code command}, null when nothing is left to run),
     * its answer for the numbers that are not the user's ({@code notYours}), and what it did in the
     * user's numbers when gdb says nothing ({@code done}: "deleted 3 5").
     */
    @groovy.transform.Immutable
    static class ByNumber {
        String command
        String notYours
        String done
        /** gdb's numbers of the user's breakpoints the command deletes */
        List<Integer> deleted
    }

    /** "3 5-7" as numbers, a range cut at 10000 numbers (a typo, not thousands of breakpoints). */
    private static List<Integer> numbersIn(String list) {
        List<Integer> asked = []
        list.trim().split(/\s+/).findAll().each { String r ->
            List<String> ends = r.split('-') as List<String>
            int a = Integer.parseInt(ends[0]), b = Integer.parseInt(ends[-1])
            if (b - a > 10_000) b = a + 10_000
            (a..b).each { asked << it }
        }
        return asked
    }

    /**
     * delete, disable, enable, condition, ignore and info breakpoints on the user's breakpoints
     * only, in the console's numbers ({@link BreakpointNumbers}): {@code mine} maps each user
     * number on this side to gdb's. tandem's own (the TB breakpoint, debug_counter's, the end of
     * the recording) are what toInstr and the search move with, so a number that is not the
     * user's is answered as gdb answers a number that does not exist, and the bare command means
     * the user's breakpoints. Null for any other line.
     */
    static ByNumber usersNumbers(String cmd, Map<Integer, Integer> mine) {
        Matcher f = FIRST_NUMBERED.matcher(cmd)
        if (f.matches()) {
            int n = Integer.parseInt(f.group(3))
            Integer gdb = mine[n]
            return gdb == null ? new ByNumber(null, "No breakpoint number $n.".toString(), null, [])
                    : new ByNumber("${f.group(1)}${f.group(2)}${gdb}${f.group(4)}".toString(), null, null, [])
        }
        Matcher i = INFO_BREAKPOINTS.matcher(cmd)
        if (i.matches()) {
            List<Integer> asked = numbersIn(i.group(3))
            if (!asked) return new ByNumber(cmd, null, null, [])
            List<Integer> kept = asked.findAll { mine.containsKey(it) }
            if (!kept) return new ByNumber(null, "No breakpoint or watchpoint matching '${i.group(3).trim()}'.".toString(), null, [])
            return new ByNumber("info breakpoints ${kept.collect { mine[it] }.join(' ')}".toString(), null, null, [])
        }
        Matcher m = NUMBERED.matcher(cmd)
        if (!m.matches()) return null
        String verb = m.group(1).startsWith('e') ? 'enable' : m.group(1).startsWith('di') ? 'disable' : 'delete'
        List<Integer> asked = numbersIn(m.group(3))
        List<Integer> kept = asked ? asked.findAll { mine.containsKey(it) } : (mine.keySet() as List<Integer>)
        String notYours = (asked - kept).collect { "No breakpoint number $it." }.join('\n')
        if (!asked && !kept) return new ByNumber(null, "no breakpoints of yours to $verb".toString(), null, [])
        if (!kept) return new ByNumber(null, notYours, null, [])
        String done = "${verb == 'enable' ? 'enabled' : verb + 'd'} ${kept.join(' ')}"
        List<Integer> gdb = kept.collect { mine[it] }
        return new ByNumber("$verb${m.group(2)} ${gdb.join(' ')}".toString(), notYours, done, verb == 'delete' ? gdb : [])
    }

    /** A command with casts added, and what each cast is, for the user: "getenv's return type (char *, as libc declares it)". */
    @groovy.transform.Immutable
    static class Cast {
        String command
        List<String> what
    }

    /**
     * Runs {@code cmd} again with casts while gdb lacks types ({@link #withCasts}), saying in
     * {@code out} which casts it used; {@code [command that ran, gdb's answer]}. Throws gdb's last
     * refusal when no cast helps.
     *
     * @param failed gdb's refusal of {@code cmd}
     * @param gdb runs a command as typed at gdb's prompt and gives its answer
     */
    static List<String> retriedWithCasts(String cmd, DebuggerException failed, Closure<String> gdb, StringBuilder out) {
        DebuggerException failure = failed
        String msg = failed.gdbMessage() ?: failed.message
        Closure<String> describe = { String name ->
            try {
                return gdb("output $name".toString())
            } catch (DebuggerException ignored) {
                return null
            }
        }
        for (int round = 0; ; round++) {
            Cast cast = round < CAST_ROUNDS && msg ==~ /(?s).*has unknown (return )?type.*/ ? withCasts(cmd, msg, describe) : null
            if (cast == null || cast.command == cmd) throw failure
            out << "(gdb lacks ${cast.what.join(', ')} here; ran: ${cast.command})\n"
            cmd = cast.command
            try {
                return [cmd, gdb(cmd)]
            } catch (DebuggerException again) {
                failure = again
                msg = again.gdbMessage() ?: again.message
            }
        }
    }

    /**
     * The command with libc's objects cast to their declared types, as gdb asks: stdout, stderr and
     * fprintf always; a call whose return type gdb lacks to libc's declared type
     * ({@link #LIBC_RETURNS}), else to {@code long}, pointer-sized on the program's arch, so no
     * pointer or size is cut. The type is always that of the function the line names: gdb reports
     * an IFUNC or an alias under its target's name ({@code memmove} as {@code 'memcpy'},
     * {@code strchr} as {@code 'index'}, {@code 'at 0x0x7ffff7f1cac0'}), which may be another call
     * of the same line or none. So the calls cast are those gdb shows at that symbol (or named so),
     * else those gdb has no type for ("no debug info", an IFUNC).
     *
     * @param describe gdb's {@code output NAME} for a name ("{void (void)} 0x7ffff7feb720 <memcpy>",
     *     "{<text gnu-indirect-function variable, no debug info>} 0x7ffff7e70590 <memmove>"), or null
     */
    static Cast withCasts(String cmd, String gdbMessage, Closure<String> describe) {
        String c = cmd
        List<String> what = []
        c = c.replaceAll(/(?<!\(FILE \*\) )\bstdout\b/, '(FILE *) stdout')
        c = c.replaceAll(/(?<!\(FILE \*\) )\bstderr\b/, '(FILE *) stderr')
        c = c.replaceAll(/(?<!\(fprintf_function\) )\bfprintf\b(?!\s*\()/, '(fprintf_function) fprintf')
        if (c != cmd) what << "libc's types of stdout, stderr or fprintf".toString()
        Matcher m = UNKNOWN_RETURN.matcher(gdbMessage)
        if (m.find()) {
            List<String> called = []
            Matcher f = CALLED.matcher(c)
            while (f.find()) if (!uncastable(c, f.start(1))) called << f.group(1)
            String reported = m.group(1)
            Map<String, String> said = called.unique(false).collectEntries { String n -> [n, describe(n) ?: ''] }
            List<String> named = said.keySet().findAll { String n -> n == reported || said[n].trim().endsWith("<${reported}>".toString()) } as List<String>
            List<String> untyped = named ?: said.keySet().findAll { String n ->
                said[n].contains('no debug info') || said[n].contains('gnu-indirect-function') } as List<String>
            for (String name : untyped) {
                String type = LIBC_RETURNS[name] ?: 'long'
                // not a call already cast, nor a member or longer name that ends in it
                String cast = c.replaceAll(/(?<!\)\s?)(?<![\w.>])${Pattern.quote(name)}\s*\(/, Matcher.quoteReplacement("(${type}) ${name}(".toString()))
                if (cast == c) continue
                c = cast
                what << (LIBC_RETURNS.containsKey(name) ? "the return type of ${name} (cast to ${type}, as libc declares it)" :
                        "the return type of ${name} (cast to long, pointer-sized: its declaration is unknown)").toString()
            }
        }
        return new Cast(c, what)
    }

    /** Whether the call at {@code at} is already cast, or is no call (a declaration word such as sizeof). */
    private static boolean uncastable(String c, int at) {
        String before = c.substring(0, at).stripTrailing()
        String name = c.substring(at).replaceFirst(/^(\w+).*/, '$1')
        return before.endsWith(')') || name in ['sizeof', 'if', 'while', 'for', 'return', '__typeof__', 'typeof', '_Alignof']
    }
}
