// The interactive console: JLine reader with history, multi-line input and completion; each
// input runs on a worker thread while the terminal is watched for Ctrl-C (which stops a running
// move on both sides). With stdin not a terminal, commands are read from the pipe instead.
package tandem.console

import groovy.transform.CompileStatic
import org.jline.keymap.KeyMap
import org.jline.reader.Buffer
import org.jline.reader.EndOfFileException
import org.jline.reader.Reference
import org.jline.reader.Widget
import org.jline.reader.LineReader
import org.jline.reader.LineReaderBuilder
import org.jline.reader.UserInterruptException
import org.jline.terminal.Attributes
import org.jline.terminal.Terminal
import org.jline.terminal.TerminalBuilder

import java.nio.file.Files
import java.nio.file.Path

@CompileStatic
class Repl {
    private final Terminal terminal
    private final LineReader reader
    private final Context ctx
    private final Evaluator evaluator

    private Repl(Terminal terminal, Sessions sessions) {
        this.terminal = terminal
        this.ctx = new Context(terminal.writer(), new Render(true, { -> terminal.width ?: 120 } as java.util.function.IntSupplier), true)
        ctx.use(sessions)
        this.evaluator = new Evaluator(ctx)
        Path history = home().resolve('history')
        Files.createDirectories(history.parent)
        this.reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName('tandem')
                .parser(new ConsoleParser())
                .completer(new ConsoleCompleter(ctx))
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.HISTORY_FILE_SIZE, 10000)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, '%P   ...> ')
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)   // `!ls` is a shell line, not history
                // no INDENTATION: with it, JLine's `}` `)` `]` widgets delete the blank typed before them
                .build()
        endInputOnCtrlD()
    }

    /**
     * Ctrl-D at a `...>` continuation prompt drops the unfinished statement (as Ctrl-C does); on
     * the first line it keeps JLine's meaning: delete a character, or leave when the line is empty.
     */
    private void endInputOnCtrlD() {
        reader.widgets.put('tandem-ctrl-d', { ->
            Buffer b = reader.buffer
            String s = b.toString()
            if (s.contains('\n') && b.cursor() == s.length()) {
                b.clear()
                reader.callWidget(LineReader.ACCEPT_LINE)
            } else {
                reader.callWidget(LineReader.DELETE_CHAR_OR_LIST)
            }
            true
        } as Widget)
        reader.keyMaps[LineReader.EMACS].bind(new Reference('tandem-ctrl-d'), KeyMap.ctrl('D' as char))
    }

    /** TANDEM_HOME, else ~/.tandem: the history file lives there. */
    static Path home() {
        String h = System.getenv('TANDEM_HOME')
        h ? Path.of(h) : Path.of(System.getProperty('user.home'), '.tandem')
    }

    /** True when file descriptor 0 (or 1) is a terminal; Linux's /proc says what each one is. */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/$fd")).toString()
            return target.startsWith('/dev/pts/') || target.startsWith('/dev/tty') || target == '/dev/console'
        } catch (Exception ignored) {
            return System.console() != null
        }
    }

    /** Opens the console on {@code sessions}: a terminal REPL, or the piped-stdin reader. */
    static int start(Sessions sessions) {
        if (!isTerminal(0)) return piped(sessions)
        Terminal t = TerminalBuilder.builder().system(true).build()
        Repl r = new Repl(t, sessions)
        try {
            return r.loop()
        } finally {
            sessions.close()
            r.reader.history.save()
            t.close()
        }
    }

    private int loop() {
        ctx.out.println(ctx.render.dim("tandem: ${ctx.sessions.description}; rec and rep start in the background. help lists the verbs."))
        ctx.out.flush()
        announceWhenReady()
        while (true) {
            String input
            try {
                input = reader.readLine(prompt())
            } catch (UserInterruptException ignored) {
                continue
            } catch (EndOfFileException ignored) {
                return 0
            }
            if (!watched(input)) return 0
        }
    }

    private String prompt() {
        "tandem[${ctx.focus}]> "
    }

    /** Says above the prompt when the sessions are up, or why they failed. */
    private void announceWhenReady() {
        Sessions s = ctx.sessions
        Thread t = new Thread({
            try {
                if (s.recTrace != null) {
                    reader.printAbove(ctx.render.dim("rep ready at guest instruction ${s.rep().begin()}; rec is the ${s.recTrace}: `toInstr N` shows both, other verbs run on rep".toString()))
                    return
                }
                def p = s.pair()
                if (p.failedSide().present) {
                    String up = p.failedSide().get().startsWith('rec') ? "rep ready at guest instruction ${p.rep().begin()}" : "rec ready at guest instruction ${p.rec().begin()}"
                    reader.printAbove(ctx.render.error("error: ${p.failedSide().get()}; $up"))
                } else {
                    reader.printAbove(ctx.render.dim("rec and rep ready: rec at guest instruction ${p.rec().begin()}, rep at ${p.rep().begin()}"))
                }
            } catch (Throwable e) {
                if (ctx.sessions.is(s)) reader.printAbove(ctx.render.error('error: the sessions did not start: ' + Failures.message(Failures.unwrap(e), '')))
            }
        } as Runnable, 'tandem-announce')
        t.daemon = true
        t.start()
    }

    /**
     * Runs one input on a worker thread with the terminal's signals off, reading Ctrl-C as a byte:
     * that way SIGINT never reaches gdb or the debugged programs (they share our process group).
     * First Ctrl-C: interrupt the sessions; second: interrupt the wait; third: give up on it.
     */
    private boolean watched(String input) {
        boolean[] keepGoing = [true] as boolean[]
        Thread worker = new Thread({ keepGoing[0] = evaluator.evaluate(input) } as Runnable, 'tandem-eval')
        worker.daemon = true
        Attributes saved = terminal.getAttributes()
        Attributes watch = new Attributes(saved)
        watch.setLocalFlag(Attributes.LocalFlag.ISIG, false)
        watch.setLocalFlag(Attributes.LocalFlag.ICANON, false)
        watch.setLocalFlag(Attributes.LocalFlag.ECHO, false)
        watch.setControlChar(Attributes.ControlChar.VMIN, 0)
        watch.setControlChar(Attributes.ControlChar.VTIME, 1)
        terminal.setAttributes(watch)
        StringBuilder typedAhead = new StringBuilder()
        try {
            ctx.sessions.clearInterrupt()
            worker.start()
            int presses = 0
            while (worker.alive) {
                int ch = terminal.reader().read(100L)
                if (ch >= 0 && ch != 3) typedAhead.append((char) ch)
                if (ch != 3) continue
                presses++
                if (presses == 1) {
                    ctx.sessions.interrupt()
                    if (ctx.sessions.isOpening()) worker.interrupt()
                } else if (presses == 2) {
                    ctx.sessions.interrupt()
                    worker.interrupt()
                } else {
                    ctx.out.println(ctx.render.error('gave up waiting for that command; it may still finish in the background'))
                    ctx.out.flush()
                    break
                }
            }
        } finally {
            terminal.setAttributes(saved)
            // what was typed (or pasted) meanwhile is the next input, not lost
            if (typedAhead.length() > 0) reader.runMacro(typedAhead.toString())
        }
        return keepGoing[0]
    }

    /** Commands from a pipe: the same evaluation, no prompt; exit code 1 if any command failed. */
    static int piped(Sessions sessions) {
        boolean tty = isTerminal(1)
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, 'UTF-8'), true)
        Context ctx = new Context(out, new Render(tty, tty ? terminalWidth() : 120), false)
        ctx.use(sessions)
        Evaluator ev = new Evaluator(ctx)
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, 'UTF-8'))
            StringBuilder pending = new StringBuilder()
            String line
            while ((line = in.readLine()) != null) {
                pending << line << '\n'
                if (Completeness.incomplete(pending.toString())) continue
                boolean more = ev.evaluate(pending.toString())
                pending.setLength(0)
                if (!more) break
            }
            if (pending.toString().trim()) ev.evaluate(pending.toString())
            return ev.errors == 0 ? 0 : 1
        } finally {
            out.flush()
            sessions.close()
        }
    }

    private static int terminalWidth() {
        String c = System.getenv('COLUMNS')
        c?.isInteger() ? c.toInteger() : 120
    }
}
