package tandem.console

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.panda.Demo
import tandem.panda.MiniPanda
import tandem.panda.PandaSession

/**
 * One number per breakpoint on `use both`, on the demo pair once gdb's own numbers drifted apart
 * (a reverse move and a breakpoint on rec only): each command typed with the console's number
 * acts on both gdbs, as each gdb's own -break-list says.
 */
@Stepwise
@Timeout(240)
class BreakpointNumbersSpec extends Specification {

    @Shared StringWriter written = new StringWriter()
    @Shared Context ctx
    @Shared Evaluator ev
    @Shared DemoTarget demo
    @Shared Set<Long> before
    @Shared int seen

    def setupSpec() {
        before = Demo.children()
        demo = DemoTarget.make('tlb', 10_000L, 20_000L, new PrintWriter(new StringWriter()))
        ctx = new Context(new PrintWriter(written, true), new Render(false, 200), false)
        ctx.use(demo.open(Demo.GDB))
        ev = new Evaluator(ctx)
    }

    def cleanupSpec() {
        ctx?.sessions?.close()
        MiniPanda.deleteTree(demo?.recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    /** What the console printed for {@code line}. */
    String typed(String line) {
        ev.evaluate(line)
        String all = written.toString()
        String out = all.substring(seen)
        seen = all.length()
        return out
    }

    PandaSession side(String name) { name == 'rec' ? ctx.pair().rec() : ctx.pair().rep() }

    /** gdb's own -break-list on a side: one map of MI fields per breakpoint. */
    List<Map<String, String>> breakList(String name) {
        String text = side(name).debugger().channel().send('break-list').fields().toString()
        (text =~ /bkpt=\{([^{}]*)\}/).collect { m ->
            (((List) m)[1] =~ /([\w-]+)="((?:[^"\\]|\\.)*)"/).collect { [((List) it)[1], ((List) it)[2]] }.collectEntries() as Map<String, String>
        }
    }

    /** gdb's breakpoint at {@code function} on a side, from -break-list, or null. */
    Map<String, String> at(String name, String function) {
        breakList(name).find { it['original-location'] == function || it['func'] == function }
    }

    def "after a reverse move and a breakpoint on rec only, break on both makes one number, though gdb numbers it apart"() {
        when: 'rec alone moves back (tandem sets and deletes breakpoints of its own) and gets a breakpoint of the user'
        typed('toInstr 5000')
        typed('use rec')
        typed('rsi')
        String recOnly = typed('break mp_run_until')
        typed('use both')
        String out = typed('break mp_tlb_flush')
        int recGdb = at('rec', 'mp_tlb_flush').number as int
        int repGdb = at('rep', 'mp_tlb_flush').number as int

        then: "gdb's numbers differ; the console's one number is the next after rec's own"
        recOnly =~ /^Breakpoint 1 at 0x/
        recGdb != repGdb
        out =~ /rec Breakpoint 2 at 0x\w+: file minipanda\/\w+\.c, line \d+\. \| rep Breakpoint 2 at/
        out.contains('(same)')
    }

    def "condition, ignore, disable and enable with the console's number act on both gdbs"() {
        when:
        String cond = typed('condition 2 cpus->tqh_first->rr_guest_instr_count > 7000')
        typed('ignore 2 3')
        String off = typed('dis 2')

        then:
        !cond.contains('error')
        off.contains('disabled 2')
        ['rec', 'rep'].every { at(it, 'mp_tlb_flush').cond == 'cpus->tqh_first->rr_guest_instr_count > 7000' }
        ['rec', 'rep'].every { at(it, 'mp_tlb_flush').ignore == '3' }
        ['rec', 'rep'].every { at(it, 'mp_tlb_flush').enabled == 'n' }

        when:
        typed('enable 2')

        then:
        ['rec', 'rep'].every { at(it, 'mp_tlb_flush').enabled == 'y' }
    }

    def "info breakpoints, and i b, list the console's numbers on both sides"() {
        when:
        String info = typed('info breakpoints')
        String ib = typed('i b 2')

        then: 'rec lists its own 1 and the shared 2; rep the shared 2 only'
        info =~ /(?m)^[* ] 1\s+breakpoint\s+keep y .*mp_run_until/
        info =~ /(?m)^[* ] 2\s+breakpoint\s+keep y .*mp_tlb_flush/
        info =~ /\| 2\s+breakpoint\s+keep y .*mp_tlb_flush/
        ib =~ /(?m)^  2\s+breakpoint\s+keep y .*mp_tlb_flush.* \| 2\s+breakpoint\s+keep y .*mp_tlb_flush/
        !(info =~ /(?m)(^[* ] |\| )([3-9]|\d\d+)\s+breakpoint/)
    }

    def "a watchpoint and a breakpoint made on both get the next numbers; d deletes on both gdbs, and on rec only what rec alone has"() {
        when:
        String watch = typed('watch mp_bug_irq_pending')
        String one = typed('d 2 3')
        String recs = typed('delete 1')

        then:
        watch =~ /rec Hardware watchpoint 3: mp_bug_irq_pending \| rep Hardware watchpoint 3: mp_bug_irq_pending/
        one.contains('deleted 2 3')
        at('rec', 'mp_tlb_flush') == null && at('rep', 'mp_tlb_flush') == null
        breakList('rec').every { it.what != 'mp_bug_irq_pending' } && breakList('rep').every { it.what != 'mp_bug_irq_pending' }
        recs =~ /rec deleted 1 \| rep No breakpoint number 1\./
        at('rec', 'mp_run_until') == null
    }

    def "a stop at a breakpoint of both shows the console's number"() {
        when: 'gdb numbers the new breakpoint apart again: rec made one more than rep'
        String made = typed('break mp_tlb_flush')
        String hit = typed('c')

        then:
        at('rec', 'mp_tlb_flush').number != at('rep', 'mp_tlb_flush').number
        made.contains('Breakpoint 4 at')
        hit =~ /\| \[stopped: breakpoint-hit \(breakpoint 4\) in mp_tlb_flush\]/   // rep takes the flush of its tlb bug
    }
}
