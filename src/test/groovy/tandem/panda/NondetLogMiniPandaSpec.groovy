// mini-PANDA writes a text nondet log of its own, not PANDA's binary one: tandem's reader of
// PANDA's logs refuses it in one sentence that says so, rather than misreading it.
package tandem.panda

import spock.lang.Specification
import tandem.panda.nondet.NondetLog

import java.nio.file.Files

class NondetLogMiniPandaSpec extends Specification {

    def "the demo's log: an error naming mini-PANDA's text format"() {
        given:
        def dir = Files.createTempDirectory('tandem-nondet-mini-')
        def r = MiniPanda.record(MiniPanda.binary(Arch.MIPS), dir, 'demo', 20_000)
        def log = dir.resolve('demo-rr-nondet.log')

        when:
        NondetLog.read(log)

        then: "mini-PANDA's first line is its text header (src/main/c/minipanda/rr.c)"
        Files.readAllLines(log)[0].startsWith('# mini-panda nondet log v1')
        def e = thrown(PandaException)
        e.message == "$log is mini-PANDA's text nondet log (`# mini-panda nondet log v1`, src/main/c/minipanda/rr.c), " +
                "not PANDA's binary one (rr_log.c's rr_write_item): tandem reads the nondet logs of the real PANDA only"

        cleanup:
        dir?.toFile()?.deleteDir()
    }
}
