// nondet() on both sides of the demo: rec is a record run, and mini-PANDA writes its log as PANDA
// does, item by item as they are logged (src/main/c/minipanda/rr.c), so rec shows the log it is
// writing; rep shows the recording's log it replays. The truth is each file as the fixtures' own
// reader reads it: rec's, in the record run's directory, while it runs (PANDA's header stays 0
// until end_record), and the recording the demo's native record run wrote; the two record runs of
// one guest log the same events at the same counts.
package tandem.console

import spock.lang.Specification
import spock.lang.Timeout
import tandem.debugger.LiveProgram
import tandem.panda.Demo
import tandem.panda.MiniPanda

@Timeout(300)
class NondetDemoSpec extends Specification {

    def "nondet() on the demo: rec the items its record run has written so far, rep the recording's, item for item the recorded ones"() {
        given:
        def before = Demo.children()
        StringWriter w = new StringWriter()
        Context ctx = new Context(new PrintWriter(w, true), new Render(false, 200), false)
        DemoTarget demo = DemoTarget.make('tlb', 150_000, 200_000, new PrintWriter(new StringWriter()))
        ctx.use(demo.open(Demo.GDB))
        def c = [ctx: ctx, ev: new Evaluator(ctx), written: w]
        def recorded = tandem.real.NondetLog.read(demo.recording.directory().resolve('ls-rr-nondet.log'))

        when:
        String moved = ConsoleErrorsSpec.typed(c, 'toInstr 20000')
        long n = (moved =~ /rec (\d+)/)[0][1] as long
        ConsoleErrorsSpec.typed(c, 'use rec')
        List<String> rec = ConsoleErrorsSpec.typed(c, 'nondet()').readLines()
        def recDir = ((LiveProgram) ctx.sessions.pair().rec().debugger().target()).workingDirectory()
        def written = tandem.real.NondetLog.read(recDir.resolve('ls-rr-nondet.log'))
        ConsoleErrorsSpec.typed(c, 'use rep')
        List<String> rep = ConsoleErrorsSpec.typed(c, 'nondet()').readLines()
        int upTo = recorded.items.count { it.instrCount <= n } as int, below = recorded.items.count { it.instrCount < n } as int

        then: "rec: the file its record run is writing, header 0, the items logged up to where it stands"
        def head = rec[0] =~ /^ls-rr-nondet\.log at guest instruction $n: item (\d+) of (\d+) written last \(its record run is writing it: (\d+) items? so far\)$/
        head.find()
        int k = head.group(1) as int
        head.group(2) == head.group(1) && head.group(3) == head.group(1)
        written.lastInstrCount == 0
        written.items.size() == k
        k >= below && k <= upTo
        rec.drop(1).findAll { !shown(it, written) } == []
        rec.drop(1).size() >= 2
        rec.last().startsWith('> ')

        and: "the same events at the same counts as the recording's record run logged"
        written.items.collect { [it.instrCount, it.kind, it.callsite] } == recorded.items.take(k).collect { [it.instrCount, it.kind, it.callsite] }

        and: "rep: the recording's whole log, at the same place"
        rep[0] == "ls-rr-nondet.log at guest instruction $n: item $upTo of ${recorded.items.size()} consumed last".toString()
        rep.drop(1).findAll { !shown(it, recorded) } == []
        rep.drop(1).count { it.startsWith('  ') && !it.startsWith('> ') } >= 1

        cleanup:
        ctx?.sessions?.close()
        MiniPanda.deleteTree(demo?.recording?.directory())
        assert Demo.leftovers(before).isEmpty()
    }

    /** Whether a window line (`> #I {guest_instr_count=C} KIND from CALLSITE 0xV`) is item I of the recorded log. */
    private static boolean shown(String line, tandem.real.NondetLog log) {
        def m = line =~ /^[> ] #(\d+) \{guest_instr_count=(\d+)\} (RR_\w+)(?: from RR_CALLSITE_(\w+))?(?: 0x([0-9a-f]+))?$/
        if (!m.find()) return false
        def item = log.items[m.group(1) as int]
        // the fixtures' reader gives the values of inputs (RR_INPUT_*), which are what the guest read
        item.instrCount == (m.group(2) as long) && item.kind == m.group(3) && (m.group(4) == null || item.callsite == 'RR_CALLSITE_' + m.group(4)) &&
                (item.value == null || m.group(5) != null && item.value == Long.parseLong(m.group(5), 16))
    }
}
