// The console layer's side of the command line: console, demo and run.
package tandem.console

import groovy.transform.CompileStatic

import java.nio.file.Path

@CompileStatic
class ConsoleVerbs implements Verbs {

    @Override
    int console(Verbs.Traces t) {
        if (t.recRecordTrace()) return Repl.start(Sessions.withRecTrace(tandem.rectrace.RecTraceView.open(t.recRecordTrace(), t.directory()),
                t.repCmd(), t.directory(), t.repAtBegin(), t.gdb(), t.arch() ? tandem.panda.Arch.fromName(t.arch()).orElse(null) : null))
        Repl.start(Sessions.of(t.rr(), t.gdb(), t.rec(), t.recCmd(), t.rep(), t.repCmd(), t.directory(), t.recAtBegin(), t.repAtBegin(), t.arch()))
    }

    @Override
    int demo(Verbs.Demo d, Path script) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(script ? System.err : System.out, 'UTF-8'), true)
        DemoTarget demo = DemoTarget.make(d.bug(), d.at(), d.instrs(), out)
        Sessions s = demo.open(d.gdb())
        return script ? ScriptRunner.run(s, script, []) : Repl.start(s)
    }

    @Override
    int run(Path script, List<String> args) {
        ScriptRunner.run(Sessions.none(), script, args)
    }

    @Override
    void warmup() {
        StringWriter sink = new StringWriter()
        Context ctx = new Context(new PrintWriter(sink), new Render(true, 120), false)
        Evaluator ev = new Evaluator(ctx)
        ['x = 3', 'toInstr 5000', 'regs()', 'p cpus', 'help', 'use rep', '$ true'].each { String l ->
            Completeness.incomplete(l)
            ev.evaluate(l)
        }
        ev.show(new tandem.panda.Both<String>('a\nb', 'a\nc'))
        org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().dumb(true)
                .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()).build()
        org.jline.reader.LineReaderBuilder.builder().terminal(t).parser(new ConsoleParser())
                .completer(new ConsoleCompleter(ctx)).build()
        t.close()
    }
}
