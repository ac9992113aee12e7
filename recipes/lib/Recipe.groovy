// What every recipe shares: its parameters (the notes' values as defaults, or the demo target's),
// printing and running the exact commands, driving PANDA's serial console and monitor, and the
// state file kept next to the traces (the replay's last instruction count, the divergence found).
//
// Loaded by each recipe with
//   def Recipe = new GroovyClassLoader(getClass().classLoader).parseClass(new File(<recipes>/lib/Recipe.groovy))
//   def r = Recipe.newInstance(this, '<step>')
import tandem.panda.MiniPanda
import tandem.panda.PandaException

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

class Recipe {
    static final String HOME = System.getProperty('user.home')
    static final List<String> FLAGS = ['--demo', '--dry-run', '--no-loadvm', '--help', '--without-rr']
    /**
     * Options every step takes, used or not: the walkthrough gives all its steps one set (README's
     * `w=(...)`, the demo's `--demo --work DIR --instrs N --bug KIND@N`). A step's own are in the
     * Parameters part of its header comment, which is also what --help prints.
     */
    static final List<String> COMMON = ['--panda-build', '--arch', '--name', '--qcow', '--kernel', '--gdb', '--work',
                                        '--rec', '--rep', '--rr', '--instrs', '--bug', '--chain', '--guest-args'] + FLAGS
    static final String STATE = 'tandem-state.properties'
    /** Options that may be given more than once: every value is kept, in order (all(name)). */
    static final List<String> REPEATABLE = ['monitor']

    final Script script
    final String step
    final Map<String, String> o = [:]
    final Map<String, List<String>> repeated = [:]
    final PrintWriter out

    Recipe(Script script, String step) {
        this.script = script
        this.step = step
        this.out = script.binding.hasVariable('out') ? (PrintWriter) script.binding.getVariable('out')
                : new PrintWriter(System.out, true)
        List<String> a = script.binding.hasVariable('args') ? (script.binding.getVariable('args') as List<String>) : []
        List<String> header = header(script, step)
        Set<String> known = new TreeSet<String>(COMMON + ownOptions(header))
        if ('--help' in a || '-h' in a) {
            header.each { out.println(it) }
            out.println("Every step also takes: ${COMMON.findAll { !(it in ownOptions(header)) }.join(' ')}")
            out.flush()
            throw new tandem.console.ScriptExit(0)
        }
        parse(a.findAll { it != '--' }, known)
    }

    /** The recipe's header comment, without its `// `: what it does and its Parameters. */
    static List<String> header(Script script, String step) {
        URL here = script.getClass().protectionDomain.codeSource?.location
        File f = here?.protocol == 'file' && here.path.endsWith('.groovy') ? new File(here.toURI()) : home().resolve("recipes/${step}.groovy").toFile()
        if (!f.isFile()) return ["$step: (no header: ${f} not found)".toString()]
        f.readLines().takeWhile { it.startsWith('//') }.collect { it.replaceFirst(/^\/\/ ?/, '') }
    }

    /** The options the header's Parameters part names (up to its `Run:` line). */
    static List<String> ownOptions(List<String> header) {
        int from = header.findIndexOf { it.startsWith('Parameters') }
        if (from < 0) return []
        header.drop(from).takeWhile { !it.startsWith('Run:') }.collectMany { (it =~ /--[a-z][a-z0-9-]*/).collect { it as String } }.unique()
    }

    private void parse(List<String> a, Set<String> known) {
        for (int i = 0; i < a.size(); i++) {
            String w = a[i]
            if (!w.startsWith('--')) throw new PandaException("$step: unexpected argument '$w' (options are --name VALUE; --help lists them)")
            int eq = w.indexOf('=')
            String name = eq > 0 ? w.substring(0, eq) : w
            if (!(name in known)) {
                throw new PandaException("$step: unknown option $name; it takes ${known.join(' ')} (--help says what each does)")
            }
            if (w in FLAGS) { o[w.substring(2)] = 'true'; continue }
            String value
            name = name.substring(2)
            if (eq > 0) value = w.substring(eq + 1)
            else {
                if (i + 1 >= a.size()) throw new PandaException("$step: option $w needs a value")
                value = a[++i]
            }
            o[name] = value
            if (name in REPEATABLE) repeated.computeIfAbsent(name) { [] } << value
        }
    }

    // ---- parameters ----

    boolean isDemo() { o.demo == 'true' }
    /**
     * --without-rr: PANDA runs under tandem's gdb where the notes run it under rr. rec is then the
     * replay given the record run's unlogged state (UnloggedState: read at rr_do_begin_record by
     * step 2, set back at rr_do_begin_replay), rep the replay as it is; going back re-executes.
     */
    boolean isWithoutRr() { o['without-rr'] == 'true' }
    boolean isDryRun() { o['dry-run'] == 'true' }
    /** Every value of a repeatable option, in the order given (empty when it is not given). */
    List<String> all(String name) { repeated[name] ?: [] }
    String opt(String name, Object dflt) { o.containsKey(name) ? o[name] : (dflt == null ? null : dflt.toString()) }
    long num(String name, Object dflt) {
        String v = opt(name, dflt)
        if (v == null) return -1L
        v.startsWith('0x') ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v.replace('_', ''))
    }

    static String expand(String p) { p == '~' ? HOME : p.startsWith('~/') ? HOME + p.substring(1) : p }

    /** tandem's checkout: the stand-in rr and the work directory live there. */
    static Path home() {
        String h = System.getProperty('tandem.home')
        Path.of(h ?: '.').toAbsolutePath().normalize()
    }

    Path getBuild() {
        Path.of(expand(opt('panda-build', demo ? MiniPanda.buildDirectory().toString() : '~/git/panda/build'))).toAbsolutePath().normalize()
    }
    String getArch() { opt('arch', 'mips') }
    String getName() { opt('name', 'ls') }
    String getQcow() { expand(opt('qcow', '~/.panda/debian_7.3_mips.qcow')) }
    String getKernel() { expand(opt('kernel', '~/.panda/vmlinux-3.2.0-4-4kc-malta')) }
    String getGdb() { opt('gdb', 'gdb') }
    /** The binary as the notes write it, relative to the build directory. */
    String getPandaRel() { "./${arch}-softmmu/panda-system-${arch}" }
    Path getPanda() { build.resolve("${arch}-softmmu/panda-system-${arch}") }
    /** Where commands run and the traces and recording live: the build dir (notes) or --work (demo). */
    Path getWork() {
        demo ? home().resolve(expand(opt('work', 'target/walkthrough'))).normalize() : Path.of(expand(opt('work', build.toString()))).toAbsolutePath()
    }
    Path getRec() { work.resolve(expand(opt('rec', 'recrep'))).normalize() }
    Path getRep() { work.resolve(expand(opt('rep', 'reprep'))).normalize() }
    String getRr() {
        if (o.rr) return expand(o.rr)
        if (demo) return home().resolve('src/test/rr/rr').toString()
        Files.isExecutable(Path.of('/usr/local/bin/rr')) ? '/usr/local/bin/rr' : 'rr'
    }
    long getInstrs() { num('instrs', 200_000) }
    String getBug() { opt('bug', "tlb@${instrs.intdiv(2)}") }

    /** --chain: record as the notes do, TBs chained (no -d nochain). See PandaAdvice.NOCHAIN. */
    boolean getChained() { opt('chain', null) != null }

    /** --guest-args TEXT: the guest part of both PANDA command lines instead of the notes' (split as a shell does). */
    List<String> getGuestArgs() { o['guest-args'] != null ? tandem.debugger.Shell.split(o['guest-args']) : null }

    /** The guest part of PANDA's command line: the notes' for real PANDA, the demo's own otherwise. */
    List<String> recordArgs() {
        if (guestArgs != null) return guestArgs + (guestArgs.contains('-nographic') ? [] : ['-nographic'])   // the monitor on stdio: Ctrl-A c
        demo ? ['-m', '128M', '-M', 'malta', '-nographic', '-demo-instrs', "$instrs".toString()]
             : [qcow, '-m', '1g', '-M', 'malta', '-kernel', kernel, '-append', 'root=/dev/sda1', '-nographic']
    }

    /**
     * What the rr recording of PANDA recording adds: -d nochain unless --chain (PandaAdvice.NOCHAIN
     * says why). Nothing --without-rr: rec is then a replay, and PANDA never chains TBs replaying.
     */
    List<String> nochainArgs() {
        chained || withoutRr ? [] : ['-d', 'nochain']
    }

    /** The gdb expressions of the state PANDA neither snapshots nor logs for --arch (UnloggedState). */
    List<String> unloggedState() {
        tandem.panda.Arch.fromName(arch).map { tandem.panda.UnloggedState.expressions(it) }.orElse([])
    }

    /** For MIPS on real PANDA: which PANDA records it (PandaAdvice.MIPS_BRANCH). */
    void mipsNote() {
        if (!demo && arch == 'mips') show("note: ${tandem.panda.PandaAdvice.MIPS_BRANCH}")
    }

    /** Fails with what to do when PANDA's output is upstream PANDA refusing MIPS record/replay. */
    void refuseUpstreamMips(String step, List<String> lines) {
        if (tandem.panda.PandaAdvice.refusesMips(lines)) {
            throw new tandem.panda.PandaException("${step}: PANDA printed `${tandem.panda.PandaAdvice.MIPS_UNSUPPORTED}`: ${tandem.panda.PandaAdvice.MIPS_BRANCH}")
        }
    }

    List<String> replayArgs() {
        if (guestArgs != null) {
            // no display here (a replay reads no console): -display none unless the guest part names one
            boolean display = guestArgs.contains('-nographic') || guestArgs.contains('-display')
            return guestArgs + (display ? [] : ['-display', 'none']) + ['-replay', name]
        }
        demo ? ['-m', '128M', '-M', 'malta', '-nographic', '-replay', name, '-demo-bug', bug]
             : ['-m', '1g', '-M', 'malta', '-kernel', kernel, '-replay', name]
    }

    /** The PANDA binary as written on a command line run from the work directory. */
    String pandaCommand() { demo ? panda.toString() : (work == build ? pandaRel : panda.toString()) }

    // ---- checks ----

    void header(String text) {
        out.println("== $step: $text")
        out.flush()
    }

    /** Fails at once, naming the first missing piece (skipped on --dry-run). */
    void require(Map<String, Object> things) {
        if (dryRun) return
        things.each { String what, Object p ->
            if (p == null || !Files.exists(Path.of(p.toString()))) {
                throw new PandaException("$step: $what not found: $p" + (what.contains('build') || what.contains('PANDA') ?
                        ' (give --panda-build DIR, or --demo for the demo target)'
                        : what.startsWith('recording') ? " (step 2 makes it: recipes/02-record.groovy; or give --work DIR where it is)"
                        : ' (give its path, or fetch the guest files: see recipes/01-guest-files.groovy)'))
            }
        }
    }

    void requirePanda() {
        require(['PANDA build directory': build, 'PANDA binary': panda])
    }

    void requireGuest() {
        if (!demo && guestArgs == null) require(['guest disk image (--qcow)': qcow, 'guest kernel (--kernel)': kernel])
    }

    /** A replay needs the kernel but not the disk image (the notes' replay command has no qcow). */
    void requireKernel() {
        if (!demo && guestArgs == null) require(['guest kernel (--kernel)': kernel])
    }

    void requireRr() {
        if (dryRun || withoutRr) return
        String r = rr
        boolean found = r.contains('/') ? Files.isExecutable(Path.of(r)) : System.getenv('PATH').split(':').any { Files.isExecutable(Path.of(it, r)) }
        if (!found) throw new PandaException("$step: rr not found: $r (give --rr PATH, or --without-rr to run PANDA under gdb alone)")
    }

    /**
     * {@code cmd} under `gdb -batch`, which runs {@code commands} each time the program reaches
     * {@code function} and lets it go on; the script is written to the work directory. PANDA's
     * functions live in libpanda-ARCH.so, loaded at run time: the breakpoint is a pending one.
     */
    List<String> underGdb(List<String> cmd, String function, List<String> commands) {
        Path script = work.resolve("${name}-${step}.gdb")
        String text = ['set pagination off', 'set confirm off', 'set breakpoint pending on',
                       // PANDA's own signals are none of this script's business
                       'handle SIGPIPE SIGUSR1 SIGUSR2 nostop noprint pass',
                       "break $function", 'commands', 'silent', *commands, 'continue', 'end', 'run', ''].join('\n')
        if (!dryRun) Files.writeString(script, text)
        show("(gdb script ${script.fileName}: at ${function}: ${commands.join('; ')})")
        show("(gdb says ${function} is not defined yet and makes its breakpoint pending: PANDA's code is in libpanda-${arch}.so, loaded when PANDA starts)")
        [gdb, '-batch', '-nx', '-x', script.toString(), '--args', *cmd]
    }

    // ---- commands ----

    static String quote(String s) { s ==~ /[A-Za-z0-9_@%+=:,.\/~-]+/ ? s : "'" + s.replace("'", "'\\''") + "'" }
    static String line(List<String> cmd) { cmd.collect { quote(it) }.join(' ') }

    void show(String s) { out.println(s); out.flush() }

    /** Runs a command in {@code dir}, echoing its output; its exit code and output lines. */
    Map run(List<String> cmd, Path dir, long timeoutMinutes = 30) {
        show("\$ cd ${dir}")
        show("\$ ${line(cmd)}")
        if (dryRun) return [code: 0, lines: []]
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null'))).start()
        List<String> lines = []
        p.inputStream.eachLine('UTF-8') { String l -> lines << l; echo(l) }
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) { p.destroyForcibly(); throw new PandaException("$step: timed out: ${line(cmd)}") }
        [code: p.exitValue(), lines: lines]
    }

    /** Long progress output is thinned: every line is kept, but only some are shown. */
    private int shownProgress
    void echo(String raw) {
        String l = onScreen(raw)
        if (l =~ /^\S+:\s+\d+ \(\s*[0-9.]+%\) instrs\./) {
            if (shownProgress++ % 5 != 0) return
        }
        out.println('  ' + l); out.flush()
    }

    /**
     * A line as a terminal shows it: QEMU's monitor redraws the line it reads after every key
     * (readline.c: the text, then ESC[K to erase the rest and ESC[nD back), so an echoed
     * `stop` arrives as s, ESC[K, ESC[D, st, ... Cursor moves, erases, CR and BS are applied.
     */
    static String onScreen(String raw) {
        if (raw.indexOf((int) 27) < 0 && raw.indexOf((int) 8) < 0 && raw.indexOf((int) 13) < 0) return raw
        StringBuilder line = new StringBuilder()
        int at = 0
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i)
            if (c == (char) 27 && i + 1 < raw.length() && raw.charAt(i + 1) == (char) '[') {
                int j = i + 2
                while (j < raw.length() && (Character.isDigit(raw.charAt(j)) || raw.charAt(j) == (char) ';')) j++
                if (j >= raw.length()) break
                String n = raw.substring(i + 2, j)
                int count = n ==~ /\d+/ ? Integer.parseInt(n) : 1
                switch (raw.charAt(j)) {
                    case 'D': at = Math.max(0, at - count); break
                    case 'C': at = Math.min(line.length(), at + count); break
                    case 'K': line.setLength(at); break
                    default: break   // colours and the like: nothing to show
                }
                i = j
            } else if (c == (char) 13) {
                at = 0
            } else if (c == (char) 8) {
                at = Math.max(0, at - 1)
            } else {
                if (at < line.length()) line.setCharAt(at, c) else line.append(c)
                at++
            }
        }
        line.toString()
    }

    /**
     * Starts PANDA's -nographic console behind {@code cmd} and drives it: {@code script} gets
     * send(text), monitor(command) and expect(text, seconds).
     */
    Map drive(List<String> cmd, Path dir, Closure script) {
        show("\$ cd ${dir}")
        show("\$ ${line(cmd)}")
        Console c = new Console(this, dryRun ? null : new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start())
        script.delegate = c
        script.resolveStrategy = Closure.DELEGATE_FIRST
        script.call(c)
        return c.finish()
    }

    static class Console {
        final Recipe r
        final Process p
        final StringBuffer seen = new StringBuffer()
        int mark
        boolean inMonitor
        Thread reader

        Console(Recipe r, Process p) {
            this.r = r; this.p = p
            if (p == null) return
            reader = Thread.start {
                StringBuilder l = new StringBuilder()
                Reader in = new InputStreamReader(p.inputStream, 'UTF-8')
                int ch
                while ((ch = in.read()) >= 0) {
                    seen.append((char) ch)
                    if (ch == 10) { r.echo(l.toString()); l.setLength(0) } else l.append((char) ch)
                }
                if (l) r.echo(l.toString())
            }
        }

        void send(String text, String note = null) {
            r.show("  >> ${note ?: text.trim()}")
            if (p == null) return
            p.outputStream.write(text.getBytes('UTF-8')); p.outputStream.flush()
        }

        /** Waits until the program prints {@code text} (after the last expect). */
        void expect(String text, int seconds = 60) {
            if (p == null) return
            long end = System.currentTimeMillis() + seconds * 1000L
            while (System.currentTimeMillis() < end) {
                int i = seen.indexOf(text, mark)
                if (i >= 0) { mark = i + text.length(); return }
                if (!p.alive) break
                Thread.sleep(50)
            }
            throw new PandaException("${r.step}: no '${text.trim()}' from PANDA within ${seconds}s" + (p.alive ? '' : " (it exited with ${p.exitValue()})"))
        }

        /** Waits until {@code file} exists (PANDA writes a recording's files as it begins it). */
        void expectFile(Path file, int seconds = 60) {
            if (p == null) return
            long end = System.currentTimeMillis() + seconds * 1000L
            while (!Files.exists(file)) {
                if (!p.alive || System.currentTimeMillis() > end) {
                    throw new PandaException("${r.step}: PANDA wrote no ${file} within ${seconds}s" + (p.alive ? '' : " (it exited with ${p.exitValue()})"))
                }
                Thread.sleep(20)
            }
        }

        /** Ctrl-A c: switch between the guest's serial console and the monitor. */
        void toggle() {
            send('\u0001c', inMonitor ? 'Ctrl-A c (back to the guest console)' : 'Ctrl-A c (to the monitor)')
            inMonitor = !inMonitor
            if (inMonitor) expect('(qemu) ')
        }

        void monitor(String command) {
            if (!inMonitor) toggle()
            send(command + '\n', "(qemu) $command")
            if (command != 'q') expect('(qemu) ', 600)
        }

        void guest(String text, int settleSeconds = 0) {
            if (inMonitor) toggle()
            send(text + '\n', "guest\$ $text")
            if (settleSeconds > 0 && p != null) Thread.sleep(settleSeconds * 1000L)
        }

        Map finish() {
            if (p == null) return [code: 0, lines: []]
            p.outputStream.close()
            if (!p.waitFor(30, TimeUnit.MINUTES)) { p.destroyForcibly(); throw new PandaException("${r.step}: PANDA did not quit") }
            reader.join(5000)
            [code: p.exitValue(), lines: seen.toString().readLines()]
        }
    }

    // ---- state next to the traces ----

    Path getStateFile() { work.resolve(STATE) }

    Properties state() {
        Properties p = new Properties()
        if (Files.exists(stateFile)) stateFile.toFile().withReader { p.load(it) }
        p
    }

    void save(Map<String, Object> values) {
        if (dryRun) { show("(dry run: would save ${values} to ${stateFile})"); return }
        Properties p = state()
        values.each { k, v -> p.setProperty(k, String.valueOf(v)) }
        stateFile.toFile().withWriter { p.store(it, 'tandem walkthrough state: written by recipes/02, 03 and 06') }
        show("saved ${values.collect { k, v -> "$k=" + String.valueOf(v).replace('\n', '; ') }.join(', ')} to ${stateFile}")
    }

    /** A number from the options, else from the state file, else a clear error. */
    long fromState(String option, String key, String why) {
        if (o.containsKey(option)) return num(option, null)
        String v = state().getProperty(key)
        if (v != null) return Long.parseLong(v)
        if (dryRun) return -1L
        throw new PandaException("$step: no --$option given and no $key in ${stateFile}: $why")
    }

    // ---- the two replays, in tandem's console ----

    /** Opens the two traces with the console's open(...), printing what it runs. */
    void open() {
        if (withoutRr) { openWithoutRr(); return }
        requireRr()
        require(['rr trace of PANDA recording (--rec)': rec, 'rr trace of PANDA replaying (--rep)': rep])
        show("\$ ${line([rr, 'replay', rec.toString()])}      # rec, under tandem's gdb: break rr_do_begin_record; continue")
        show("\$ ${line([rr, 'replay', rep.toString()])}      # rep, under tandem's gdb: break rr_do_begin_replay; continue")
        show("tandem> open(rec: '${rec}', rep: '${rep}', rr: '${rr}', gdb: '${gdb}', arch: '${arch}')")
        if (dryRun) return
        script.invokeMethod('open', [[rec: rec.toString(), rep: rep.toString(), rr: rr, gdb: gdb, arch: arch]] as Object[])
    }

    /**
     * --without-rr: both sides are PANDA's replay of the recording under tandem's gdb; rec is given
     * the record run's unlogged state at rr_do_begin_replay (saved by step 2 as recAtBegin).
     */
    void openWithoutRr() {
        requirePanda()
        require(['recording snapshot': work.resolve("${name}-rr-snp"), 'recording log': work.resolve("${name}-rr-nondet.log")])
        String cmd = line([pandaCommand()] + replayArgs())
        List<String> atBegin = (state().getProperty('recAtBegin') ?: '').readLines().findAll { it.trim() }
        def expected = unloggedState()
        if (!dryRun && expected && !atBegin) {
            throw new PandaException("$step: no recAtBegin in ${stateFile}: rec needs the record run's ${expected.join(' and ')}"
                    + " (run recipes/02-record.groovy --without-rr, which reads them at rr_do_begin_record)")
        }
        show("rec: PANDA replaying '${name}' under tandem's gdb, given the record run's state at rr_do_begin_replay: the record run again")
        show("rep: PANDA replaying '${name}' as it is, under tandem's gdb (going back runs a replay again: it is deterministic)")
        String list = atBegin.collect { "'" + it.replace("'", "\\'") + "'" }.join(', ')
        show("tandem> open(recCmd: '${cmd}', repCmd: '${cmd}', cwd: '${work}', recAtBegin: [${list}], gdb: '${gdb}', arch: '${arch}')")
        if (dryRun) return
        script.invokeMethod('open', [[recCmd: cmd, repCmd: cmd, cwd: work.toString(), recAtBegin: atBegin, gdb: gdb, arch: arch]] as Object[])
    }

    /** Shows a DSL call, then runs it (unless --dry-run). */
    Object dsl(String text, Closure c) {
        show("tandem> $text")
        if (dryRun) return null
        Object v = c.call()
        if (v != null) {
            String s = v instanceof tandem.panda.Both ? ctxRender(v) : String.valueOf(v)
            s.readLines().each { out.println('  ' + it) }
            out.flush()
        }
        v
    }

    String ctxRender(Object both) {
        def ctx = script.binding.hasVariable('ctx') ? script.binding.getVariable('ctx') : null
        ctx != null ? ctx.render.both(both).replaceAll(/\n+$/, '') : both.toString()
    }
}
