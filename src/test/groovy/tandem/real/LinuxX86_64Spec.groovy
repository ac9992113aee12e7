// tandem on a real Linux guest on the real PANDA's x86_64-softmmu (Debian's kernel and busybox,
// scripts/linux-guest x86_64): one recording of `ls /etc` begun at the shell prompt, which PANDA
// replays exactly (LINUX-GUESTS.md). Every right answer comes from the recording, its nondet log
// and a plain gdb on PANDA (LinuxGuest), never from tandem.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.bisect.BisectOptions
import tandem.bisect.Bisector
import tandem.console.TandemProcess
import tandem.panda.Arch

@Requires({ LinuxGuest.required('x86_64') })
@Stepwise
@Timeout(900)
class LinuxX86_64Spec extends LinuxSpecification {
    /** The copy of the recording with one serial status read changed (the search's feature makes it). */
    @Shared LinuxGuest.EditedRecording edited
    String target() { 'x86_64' }

    Arch arch() { Arch.X86_64 }

    /** The plain gdb reads the first TB in user mode too: the replay completes. */
    boolean witnessUser() { true }

    static final long LSR_THRE = LinuxGuest.LSR_THRE, LSR_TEMT = LinuxGuest.LSR_TEMT

    def "Linux boots to the prompt, `ls /etc` is recorded from it, and PANDA replays the recording to its end"() {
        when:
        def replay = g.replay(recording)

        then: "the guest listed /etc (the initramfs' files) and PANDA's replay completed"
        recording.serialText.contains(g.prompt)
        ['passwd', 'hostname', 'motd'].every { recording.serialText.contains(it) }
        replay.completed
        replay.exitCode == 0
    }

    def "tandem opens both sides by command line, takes x86_64 from the binary's name, and the notes' lines answer on both"() {
        given:
        def cmd = words(recording.replayCommand(g.panda))

        when:
        def r = TandemProcess.run(['console', '--cwd', recording.dir.toString(), '--rec-cmd', cmd, '--rep-cmd', cmd],
                ['regs()', 'p cpus->tqh_first->rr_guest_instr_count', 'call rr_checksum_regs()',
                 'p/x ((CPUX86State *) cpus->tqh_first->env_ptr)->eip', '6 * 7', ''].join('\n'))

        then:
        ['rax', 'r15', 'eflags', 'cc_op', 'cc_src', 'cr3'].every { r.out.contains(it) }   // regs() names x86_64's registers: the arch came from the binary's name
        r.out.readLines().count { it ==~ /rec \$\d+ = .* \| rep \$\d+ = .*\(same\)/ } >= 2   // the notes' lines, answered alike on both sides
        r.out.readLines().contains('42')
        !r.out.contains('at org.codehaus')
    }

    def "toInstr goes forward from the kernel into user mode, and back by running the replay again, to the same registers"() {
        given:
        pair = RealPandaPair.open(g.side('rec', recording), g.side('rep', recording))

        when:
        def k = pair.both { it.toInstr(plain.kernelAt) }
        def regsK = pair.both { it.regs().values() }
        def u = pair.both { it.toInstr(plain.userAt) }
        int reexec = pair.rec().reexecutions()
        def back = pair.both { it.toInstr(plain.kernelAt) }

        then: "each stop is the TB the plain gdb stopped at: the same count, the same PC"
        k.rec() == plain.kernelAt && k.rep() == plain.kernelAt
        u.rec() == plain.userAt && u.rep() == plain.userAt
        regsK.rec()['pc'] == plain.kernel.pc.longValue()

        and: 'going back ran each side again and reached the same state'
        back.rec() == plain.kernelAt
        pair.rec().reexecutions() == reexec + 1
        pair.both { it.regs().values() } == regsK
    }

    def "regs() at a TB boundary is what a plain gdb reads of PANDA's CPUX86State, eflags without the flags QEMU keeps in cc_src and cc_op"() {
        when:
        pair.rec().toInstr(plain.userAt)
        def regs = pair.rec().regs().values()

        then: 'every register tandem shows is the plain gdb value, in user mode'
        regs.keySet() == exprs.keySet()
        regs.every { name, v -> unsigned(v) == plain.user[name] }
        Long.compareUnsigned(regs['pc'], 0x800000000000L) < 0

        and: "the condition codes are not in eflags at a TB boundary (FIDELITY row 66): regs() shows cc_op and cc_src beside it"
        (regs['eflags'] & 0x8d5L) == 0    // CF PF AF ZF SF OF and DF are kept apart (target/i386/helper.c)
        regs.containsKey('cc_op') && regs.containsKey('cc_src')
    }

    private static BigInteger unsigned(long v) { BigInteger.valueOf(v).and(BigInteger.ONE.shiftLeft(64) - 1) }

    def "v2p of a kernel and of a user address is what PANDA's own translation gives a plain gdb there"() {
        when:
        pair.rec().toInstr(plain.kernelAt)
        def k = pair.rec().v2p(plain.kernel.pc.longValue())
        pair.rec().toInstr(plain.userAt)
        def u = pair.rec().v2p(plain.user.pc.longValue())

        then:
        k.mapped() && u.mapped()
        unsigned(k.physical().asLong) == plain.kernel.v2p
        unsigned(u.physical().asLong) == plain.user.v2p
        Long.compareUnsigned(plain.kernel.pc.longValue(), 0xffff800000000000L) >= 0
    }

    def "the same recording on both sides never diverges"() {
        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then:
        !d.diverged()
    }

    static final String ENV = '((CPUX86State *) cpus->tqh_first->env_ptr)'

    def "tandem check replays the recording twice: the two replays agree"() {
        given:
        def running = pandaProcesses()

        when:
        def r = TandemProcess.run(['check', '--cwd', recording.dir.toString(), '--cmd', words(recording.replayCommand(g.panda))])

        then: "PANDA replays this recording exactly (its replay completes: the first feature)"
        r.code == 0
        r.out.readLines().last().startsWith('the replays agree at every point compared in [')
        pandaProcesses() == running
    }

    def "rc from past the middle of `ls /etc`'s output goes back by re-execution to the last byte the guest wrote to the serial port before now"() {
        given: "every byte written to COM1's data port (helper_outb: misc_helper.c), as a plain gdb sees them in the whole replay"
        def rep = pair.rep()
        String cond = 'port == 0x3f8'
        def all = g.stops(recording, "break helper_outb if $cond", [eip: "$ENV->eip".toString(), data: 'data'])
        assert all.size() > 4: "the guest wrote ${all.size()} bytes to COM1"
        long now = rep.toInstr(all[all.size().intdiv(2)].count.longValue() + 1)
        and: "the bytes before now, as a plain gdb stopping at the TB entered at now sees them"
        def expected = g.stops(recording, "break helper_outb if $cond", [eip: "$ENV->eip".toString(), data: 'data'], now)
        rep.gdb("break helper_outb if $cond")
        int bp = rep.debugger().evaluateUnsigned('$bpnum') as int

        when:
        def back = rep.timeline().reverseContinue()

        then: "the last hit before now: its count, the guest's PC and the byte the plain gdb read there"
        expected.size() > 2 && expected.size() < all.size()
        back.found()
        rep.instrCount() == expected.last().count.longValue()
        rep.debugger().evaluateUnsigned("$ENV->eip") == expected.last().eip.longValue()
        rep.debugger().evaluateUnsigned('data') == expected.last().data.longValue()

        when:
        rep.timeline().reverseContinue()

        then: 'and the one before it'
        rep.instrCount() == expected[-2].count.longValue()
        rep.debugger().evaluateUnsigned('data') == expected[-2].data.longValue()

        cleanup:
        rep.debugger().delete(bp)
    }

    def "origin of rax is its last change before now, as a plain gdb watching the CPUX86State's rax sees it"() {
        given: "a TB boundary some 20000 guest instructions into the replay, and every change of rax up to it"
        def rep = pair.rep()
        long now = rep.toInstr(plain.kernelAt + 20_000)
        String field = Arch.X86_64.guestState('rax').get()
        def changes = g.stops(recording, "watch -l $field", [rax: field], now)

        when:
        def o = rep.timeline().origin('rax')

        then:
        changes.size() > 1
        o.lvalue() == field
        o.time().instr() == changes.last().count.longValue()
        new BigInteger(o.newValue()) == changes.last().rax
        rep.instrCount() == now
    }

    def "the search names the TB that consumes the one UART status read changed in a copy of the nondet log"() {
        given: 'the status read nearest the middle of the log, transmitter-empty bits cleared: the guest reads the port again'
        def log = NondetLog.read(recording.nondetLog())
        def item = LinuxGuest.uartStatusReadNearMiddle(log)
        edited = g.edit(recording, item, item.value & ~(LSR_THRE | LSR_TEMT))
        and: 'the TB boundaries around the read, as a plain gdb sees them in the edited replay'
        def entries = g.tbEntries(edited.recording, item.instrCount, item.instrCount)
        long tbStart = entries.findAll { it <= item.instrCount }.max(), tbNext = entries.find { it > item.instrCount }
        pair.close()
        pair = RealPandaPair.open(g.side('rec', recording), g.side('rep', edited.recording))

        when:
        def d = Bisector.search(pair, BisectOptions.defaults())

        then: 'the last equal TB is the one that reads the port, the first differing one the next'
        d.diverged()
        d.lastEqual() == tbStart
        d.firstDiverged() == tbNext
        d.registers().contains('rax')

        and: "found by the two replays traced outside gdb (tandem_trace on x86_64): gdb ran no side back"
        d.notes().any { it.startsWith('the traced replays (') && it.contains("first differ at guest instruction ${tbNext}") }
        pair.rec().reexecutions() == 0
        pair.rep().reexecutions() == 0
    }

    def "bisect --log names that serial read: its item, count, call site, both values, and that an input value differs"() {
        given: "the item as the fixture changed it, and its place in the unchanged log (the fixture's reader)"
        def item = edited.original
        int index = NondetLog.read(recording.nondetLog()).items.findIndexOf { it.offset == item.offset }
        String head = "{guest_instr_count=${item.instrCount}} ${item.kind} from ${item.callsite}"
        String was = String.format('0x%x', item.value), now = String.format('0x%x', edited.newValue)
        Closure<String> replay = { LinuxGuest.Recording r ->
            def w = r.replayCommand(g.panda)
            w[-1] = r.dir.resolve(r.name).toString()
            words(w)
        }

        when:
        def r = TandemProcess.run(['bisect', '--cwd', g.workDir.toString(), '--rec-cmd', replay(recording),
                                   '--rep-cmd', replay(edited.recording), '--log'])

        then:
        r.code == 0
        r.out.readLines().any { it.startsWith("rep consumed #$index $head $now there (item ${index + 1} of ") }
        r.out.contains("the logs first differ at item #$index: rec #$index $head $was | rep #$index $head $now")
        r.out.contains("why: an input value differs: item #$index ${item.kind} from ${item.callsite} at guest instruction ${item.instrCount}: rec $was, rep $now")
        r.out.readLines().last().startsWith('first divergence at guest instruction ')
    }

    private List<String> withAppend(String append, List<String> more = []) {
        def args = new ArrayList<>(g.guestArgs)
        args[args.indexOf('-append') + 1] = append
        args + more
    }

    def "a kernel that panics: the record run gives up waiting for the prompt, with the guest's last console lines"() {
        given: "no init in the initramfs: the kernel panics, and with panic=1 and -no-reboot PANDA quits"
        def args = withAppend('console=ttyS0 rdinit=/no-such-init panic=1', ['-no-reboot'])

        def running = pandaProcesses()   // the pair's gdb and PANDA, open since an earlier feature

        when:
        g.record('panic', LinuxGuest.COMMAND, args, 120)

        then:
        def e = thrown(tandem.panda.PandaException)
        e.message.contains("while tandem waited for the guest to print '${g.prompt}'")
        e.message.contains("the guest's last lines (serial port):")
        e.message.contains('Rebooting in 1 seconds')     // kernel/panic.c, the panic's last console line
        pandaProcesses() - running == [] as Set
    }

    def "a guest command that never returns to the prompt: one error naming the wait, and no PANDA left running"() {
        given:
        def running = pandaProcesses()   // the pair's gdb and PANDA, open since an earlier feature

        when:
        g.record('sleep', 'sleep 1000', g.guestArgs, 90)

        then:
        def e = thrown(tandem.panda.PandaException)
        e.message.contains("no sign of the guest to print '${g.prompt}' within 90 s")
        e.message.contains('sleep 1000')
        pandaProcesses() - running == [] as Set
    }
}
