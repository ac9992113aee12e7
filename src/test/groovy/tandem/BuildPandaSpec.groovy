// scripts/build-panda where it has no PANDA source to build: one error that says what to pass,
// nothing on standard output (which carries only the built binary's path) and a failing exit, so
// that `panda=$(scripts/build-panda SOURCE)` fails at once rather than leaving $panda empty.
package tandem

import spock.lang.Specification
import tandem.panda.MiniPanda

import java.nio.file.Files
import java.nio.file.Path

class BuildPandaSpec extends Specification {

    /** The script alone in a clone's layout, with no shared/ beside it; stdout, stderr and exit code. */
    static Map buildPanda(Path clone, List<String> args) {
        Files.createDirectories(clone.resolve('scripts'))
        Path script = clone.resolve('scripts/build-panda')
        Files.copy(Path.of('scripts/build-panda'), script)
        script.toFile().setExecutable(true)
        def pb = new ProcessBuilder([script.toString()] + args).redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null')))
        pb.environment().put('TANDEM_PANDA_CACHE', clone.resolve('cache').toString())
        def p = pb.start()
        def err = new StringBuilder()
        Thread t = Thread.start { err << p.errorStream.getText('UTF-8') }
        String out = p.inputStream.getText('UTF-8')
        int code = p.waitFor()
        t.join()
        [out: out, err: err.toString(), code: code]
    }

    def "no SOURCE in a clone without ../shared: one error naming what to pass, and no binary path"() {
        given:
        Path clone = Files.createTempDirectory('tandem-clone-')

        when:
        def r = buildPanda(clone, [])

        then:
        r.code != 0
        r.out.isEmpty()
        r.err.readLines().size() == 1
        r.err.contains("PANDA's branch mips_serious_rec_attempt")
        r.err.contains('scripts/build-panda SOURCE')
        !Files.exists(clone.resolve('cache'))

        cleanup:
        MiniPanda.deleteTree(clone)
    }

    def "a SOURCE that does not exist is named"() {
        given:
        Path clone = Files.createTempDirectory('tandem-clone-')

        when:
        def r = buildPanda(clone, ['/nonexistent/panda'])

        then:
        r.code != 0
        r.out.isEmpty()
        r.err.contains('no PANDA source at /nonexistent/panda')

        cleanup:
        MiniPanda.deleteTree(clone)
    }
}
