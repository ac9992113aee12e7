// What the specs share about the demo target: where gdb, gdbserver and the stand-in rr are, a
// recording made in a scratch directory, and a check that no child process outlived a spec.
package tandem.panda

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

class Demo {
    static final Path GDB = onPath(System.getProperty('tandem.gdb', 'gdb'))
    static final Path GDBSERVER = onPath('gdbserver')
    static final Path RR = Path.of(System.getProperty('tandem.standInRr', 'src/test/rr/rr')).toAbsolutePath()

    static Path onPath(String name) {
        if (name.contains('/')) return Path.of(name)
        def dir = System.getenv('PATH').split(':').find { Files.isExecutable(Path.of(it, name)) }
        assert dir: "$name is not on the PATH"
        Path.of(dir, name)
    }

    /** Records {@code instrs} guest instructions as `ls` in a fresh temp directory. */
    static MiniPanda.Recording record(long instrs, Arch arch = Arch.MIPS) {
        def dir = Files.createTempDirectory('tandem-demo-')
        MiniPanda.record(MiniPanda.binary(arch), dir, 'ls', instrs)
    }

    /** Runs the stand-in rr (or anything) in {@code dir} and returns its output; fails on a non-zero exit. */
    static String run(Path dir, List<String> command) {
        def p = new ProcessBuilder(command*.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null'))).start()
        def out = p.inputStream.getText('UTF-8')
        assert p.waitFor() == 0 || command.contains('-replay'): "${command.join(' ')} failed:\n$out"
        out
    }

    /** `rr record -o DIR` of the demo with {@code args}, run in the recording's directory. */
    static Path rrRecord(MiniPanda.Recording r, String traceName, List<String> args) {
        def trace = r.directory().resolve(traceName)
        run(r.directory(), [RR.toString(), 'record', '-o', trace.toString(), r.binary().toString(), *args])
        trace
    }

    /** The processes this JVM started that are still alive (ProcessHandle descendants). */
    static Set<Long> children() {
        ProcessHandle.current().descendants().filter { it.alive }.collect { it.pid() } as Set
    }

    /** Waits a little for {@code before}'s complement to end: the children a spec started. */
    static Set<Long> leftovers(Set<Long> before, Duration wait = Duration.ofSeconds(10)) {
        long deadline = System.nanoTime() + wait.toNanos()
        Set<Long> left = children() - before
        while (left && System.nanoTime() < deadline) {
            sleep 100
            left = children() - before
        }
        left.collect { pid -> ProcessHandle.of(pid).map { "$pid ${it.info().commandLine().orElse('?')}" }.orElse("$pid") } as Set
    }
}
