// The console layer's side of the command line: console, demo and run.
package tandem.console

import groovy.transform.CompileStatic

import java.nio.file.Path

@CompileStatic
class ConsoleVerbs implements Verbs {

    @Override
    int console(Verbs.Traces t) {
        Repl.start(Sessions.traces(t.rr(), t.gdb(), t.rec(), t.rep(), t.arch()))
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
}
