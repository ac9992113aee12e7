// Starts tandem's command line as its own process, on this test JVM's classpath, so that specs
// drive the real thing (arguments, stdin, exit codes) without needing the packaged jar.
package tandem.console

import java.nio.file.Files
import java.nio.file.Path

class TandemProcess {
    static final Path HOME = Files.createTempDirectory('tandem-home-')

    static List<String> command(List<String> args, List<String> jvm = []) {
        ['java', '-XX:TieredStopAtLevel=1', *jvm, '-cp', System.getProperty('java.class.path'),
         "-Djava.io.tmpdir=${System.getProperty('java.io.tmpdir')}".toString(),
         "-Dtandem.pandaBuild=${System.getProperty('tandem.pandaBuild', 'target/panda')}".toString(),
         'tandem.cli.Main'] + args
    }

    /** Runs to the end; stdout, stderr and the exit code. */
    static Map run(List<String> args, String stdin = '', File dir = null, List<String> jvm = []) {
        ProcessBuilder pb = new ProcessBuilder(command(args, jvm))
        pb.environment().put('TANDEM_HOME', HOME.toString())
        if (dir) pb.directory(dir)
        Process p = pb.start()
        def err = new StringBuilder()
        Thread t = Thread.start { err << p.errorStream.getText('UTF-8') }
        p.outputStream.withWriter('UTF-8') { it << stdin }
        String out = p.inputStream.getText('UTF-8')
        p.waitFor()
        t.join()
        [out: out, err: err.toString(), code: p.exitValue()]
    }

    /** gdb and demo-target processes of this build, alive now. */
    static Set<String> demoProcesses() {
        String build = System.getProperty('tandem.pandaBuild', 'target/panda')
        ['ps', '-eo', 'pid,args'].execute().text.readLines()
                .findAll { it.contains(build) && it.contains('panda-system-mips') }
                .collect { it.trim() } as Set
    }

    /** Those started since {@code before} that are still alive. */
    static Set<String> leftovers(Set<String> before) {
        demoProcesses() - before
    }
}
