// mini-PANDA writes its nondet log in PANDA's binary format (src/main/c/minipanda/rr.c), so the
// demo's log reads as a real one does: the truth here is what mini-PANDA itself prints at the end
// of its replay (rr_do_end_replay's statistics, per kind) and what the recording was typed.
package tandem.panda

import spock.lang.Specification
import tandem.panda.nondet.NondetKind
import tandem.panda.nondet.NondetLog

import java.nio.file.Files

class NondetLogMiniPandaSpec extends Specification {

    def "the demo's log: every item, as many of each kind as mini-PANDA's replay counts, and the typed command in its UART reads"() {
        given: 'a recording of the demo, into which mini-PANDA types /bin/ls /etc at a quarter of the way'
        def dir = Files.createTempDirectory('tandem-nondet-mini-')
        MiniPanda.record(MiniPanda.binary(Arch.MIPS), dir, 'demo', 20_000)
        def replay = new ProcessBuilder(MiniPanda.binary(Arch.MIPS).toString(), '-m', '128M', '-replay', 'demo')
                .directory(dir.toFile()).redirectErrorStream(true).start()
        def out = replay.inputStream.text
        replay.waitFor()
        def counted = out.findAll(/(?m)^(RR_\w+) number = (\d+), size = \d+ bytes$/) { all, kind, n -> [kind, n as int] }.collectEntries()

        when:
        def log = NondetLog.read(dir.resolve('demo-rr-nondet.log'))

        then: 'the per-kind counts are those the replay consumed'
        out.contains('Replay completed successfully')
        NondetKind.values().every { (log.countByKind()[it] ?: 0) == counted[it.name()] }
        log.items().last().kind() == NondetKind.RR_END_OF_LOG
        log.lastInstrCount() == 20_000

        and: 'the UART reads (byte values at RR_CALLSITE_IO_READ_ALL) spell what was typed'
        log.items().findAll { it.kind() == NondetKind.RR_INPUT_8 && it.value() < 0x100 }
                .collect { (char) it.value() }.join('').contains('/bin/ls /etc')

        cleanup:
        dir?.toFile()?.deleteDir()
    }
}
