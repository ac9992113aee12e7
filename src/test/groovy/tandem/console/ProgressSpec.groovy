// The status line of a long move and the notices the sides print meanwhile (a re-execution).
package tandem.console

import spock.lang.Specification
import spock.lang.Timeout

@Timeout(30)
class ProgressSpec extends Specification {

    def "a notice during a long move prints on a line of its own, above the status line"() {
        given: 'a terminal console with a move under way, its status line shown'
        StringWriter sink = new StringWriter()
        Context ctx = new Context(new PrintWriter(sink, true), new Render(false, 120), true)
        Progress p = new Progress(ctx, 'rc')
        while (!sink.toString().contains('(Ctrl-C stops)')) Thread.sleep(50)

        when: 'a side says it re-executes'
        ctx.progress.printAbove('rep: re-executing live panda-system-mips from its start')
        p.close()
        String out = sink.toString()

        then: 'the status line was erased first: the notice does not run on after it'
        !(out =~ /stops\)rep:/)
        out.contains('\r\u001b[Krep: re-executing live panda-system-mips from its start\n')

        and: 'once the move is over, notices print as they are'
        ctx.progress == null
    }
}
