// The notes' steps 2-8 as recipes on the real panda-system-mips, without rr (--without-rr): step 2
// drives PANDA's own monitor under gdb and reads the record run's Random state; the right answers
// come from the fixtures' own gdb replays of that recording (the plain one fails, the one given
// that state completes, and the first tlbwr whose entry differs is the divergence), not from tandem.
package tandem.real

import spock.lang.Requires
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Stepwise
import spock.lang.Timeout
import tandem.recipes.RecipesSpec

import java.nio.file.Files
import java.nio.file.Path

@Requires({ RealPanda.required() })
@Stepwise
@Timeout(900)
class RealPandaRecipesSpec extends Specification {
    @Shared RealPanda fx
    @Shared Path work
    @Shared List<String> common
    @Shared RealPanda.TlbDivergence tlb
    @Shared Set<String> before

    def setupSpec() {
        System.setProperty('tandem.home', RecipesSpec.BASE.toString())
        fx = RealPanda.get()
        work = Files.createDirectories(fx.workDir.resolve('recipes'))
        def elf = MipsGuest.withLength(fx.guest, RealPanda.TLB_LENGTH, work.resolve('guest.elf'))
        Path build = fx.panda.parent.parent   // BUILD/mips-softmmu/panda-system-mips
        // the fixtures' guest part (RealPanda.Recording.replayCommand), so their replays are these
        common = ['--without-rr', '--panda-build', build.toString(), '--work', work.toString(),
                  '--guest-args', "-M malta -m 128M -kernel $elf -nographic".toString()]
        before = RealPandaPair.pandaProcesses()
    }

    def cleanupSpec() {
        assert RealPandaPair.pandaProcesses() - before == [] as Set
    }

    Properties state() {
        def p = new Properties()
        work.resolve('tandem-state.properties').toFile().withReader { p.load(it) }
        p
    }

    def "step 2 drives the real monitor under gdb and saves the record run's Random state, which makes a replay complete"() {
        when: 'recording begins once the guest has run tlbwr and waits for its go byte'
        def s2 = RecipesSpec.tandem('02-record.groovy', common + ['--wait-for', MipsGuest.TLBWR_DONE.trim(),
                '--guest-cmd', MipsGuest.GO, '--until', MipsGuest.END.trim()])
        def saved = state().getProperty('recAtBegin').readLines()
        long seed = value(saved, 'seed'), prevIdx = value(saved, 'prev_idx')
        def rec = new RealPanda.Recording(work, 'ls', work.resolve('guest.elf'), s2.out, 0)
        tlb = fx.tlbDivergenceOf(rec, seed, prevIdx)

        then: "PANDA's monitor saw the notes' commands, and the recording is there"
        s2.code == 0
        ['(qemu) stop', '(qemu) begin_record ls', '(qemu) cont', '(qemu) end_record', '(qemu) q'].every { s2.out.contains(it) }
        Files.size(rec.snapshot()) > 0 && Files.size(rec.nondetLog()) > 0

        and: 'what was saved is the Random state: without it the replay fails, with it the replay completes (checked by tlbDivergenceOf)'
        saved == RealPanda.seedRestoreCommands(seed, prevIdx)
        seed != 1   // the seed moved from its initial value before the recording began

        and: "the monitor's line editing is shown as typed, not as its redraw sequences"
        !s2.out.contains('\u001b[')
    }

    def "step 3 reads the real failure text and saves the replay point, not the log point"() {
        given: 'the counts of a plain replay, read from its failure text here'
        def plain = fx.replay(new RealPanda.Recording(work, 'ls', work.resolve('guest.elf'), '', 0))
        long replayPoint = point(plain.output, 'Replay'), logPoint = point(plain.output, 'Record')

        when:
        def s3 = RecipesSpec.tandem('03-check-replay.groovy', common - '--without-rr')

        then:
        s3.code == 0
        s3.out.contains('FOUND DISAGREEMENT!')
        replayPoint != logPoint
        (state().getProperty('instrMax') as long) == replayPoint
    }

    def "step 4 without rr says there is no trace to take and which replay rep is"() {
        when:
        def s4 = RecipesSpec.tandem('04-record-replay.groovy', common)

        then:
        s4.code == 0
        s4.out.contains('no rr trace to take')
        s4.out.contains("panda-system-mips -M malta -m 128M -kernel ${work.resolve('guest.elf')} -nographic -replay ls")
        !Files.exists(work.resolve('reprep'))
    }

    def "steps 5 and 6 open both replays and find the first tlbwr whose entry differs, and that the TLB differs"() {
        given:
        long tlbwr = tlb.firstDifferingTlbwr.instrCount

        when:
        def s5 = RecipesSpec.tandem('05-open.groovy', common)
        def s6 = RecipesSpec.tandem('06-bisect.groovy', common)
        def found = state()

        then:
        s5.code == 0
        s5.out.contains("recAtBegin: ['set var \\'cpu_mips_get_random\\'::seed = ${tlb.seed}'")
        s5.out.contains('both replays are open')
        s6.code == 0
        s6.out.contains("bisect 0, ${found.getProperty('instrMax')}")
        (found.getProperty('lastEqual') as long) < tlbwr
        tlbwr <= (found.getProperty('firstDiverged') as long)
        s6.out.contains('tlb differs')
    }

    def "steps 7 and 8 show the notes' items at the divergence and walk to it TB by TB"() {
        given:
        def found = state()
        long first = found.getProperty('firstDiverged') as long, lastEqual = found.getProperty('lastEqual') as long

        when:
        def s7 = RecipesSpec.tandem('07-inspect.groovy', common)
        def s8 = RecipesSpec.tandem('08-walk.groovy', common)

        then:
        s7.code == 0
        (1..8).every { s7.out.contains("\n$it. ") }
        s7.out.contains("rec $first | rep $first  (same)")
        s7.out =~ /(?m)^  \* tlb /
        s7.out.contains('at guest instruction ' + first + ' rec and rep differ in: tlb')
        s8.code == 0
        s8.out.contains("toInstr $lastEqual")
        s8.out.contains("rec and rep first differ at guest instruction $first")
    }

    def "steps 5-8 without rr before step 2 say which step reads the record run's state"() {
        given: 'the recording alone, without the state step 2 saves'
        def bare = Files.createDirectories(work.resolve('bare'))
        ['ls-rr-snp', 'ls-rr-nondet.log', 'guest.elf'].each { Files.copy(work.resolve(it), bare.resolve(it)) }
        def args = common.collect { it == work.toString() ? bare.toString() : it }

        when:
        def s5 = RecipesSpec.tandem('05-open.groovy', args)

        then:
        s5.code != 0
        s5.err.contains('no recAtBegin')
        s5.err.contains('recipes/02-record.groovy --without-rr')
    }

    private static long value(List<String> commands, String name) {
        def line = commands.find { it.contains("::$name = ") }
        assert line != null: "no $name in $commands"
        line.substring(line.lastIndexOf('=') + 1).trim() as long
    }

    /** The count after "Replay program point:" or "Record program point:" in PANDA's failure text. */
    private static long point(String output, String which) {
        def m = output =~ /$which program point:\s*\{guest_instr_count=(\d+)\}/
        assert m.find(): "no $which program point in:\n$output"
        m.group(1) as long
    }
}
