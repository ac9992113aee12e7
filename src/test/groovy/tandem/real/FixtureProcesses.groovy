// The processes a real-PANDA fixture starts: each is tracked until it has ended, and endAll()
// ends the rest, children first (gdb's PANDA), so a failed fixture leaves nothing behind.
package tandem.real

import java.nio.file.Path
import java.util.concurrent.TimeUnit

class FixtureProcesses {
    private final Set<Process> started = Collections.synchronizedSet(new LinkedHashSet<Process>())

    /** Starts {@code cmd} in {@code dir}, stdin from /dev/null, stdout and stderr into {@code out}. */
    Process start(List<String> cmd, Path dir, Path out) {
        def p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null'))).start()
        started << p
        p
    }

    /** Ends {@code p} and its descendants, if it still runs. */
    void stop(Process p) {
        if (p.alive) {
            p.descendants().forEach { it.destroyForcibly() }
            p.destroyForcibly()
            p.waitFor(10, TimeUnit.SECONDS)
        }
        started.remove(p)
    }

    /** Ends every process still running. */
    void endAll() {
        new ArrayList<>(started).each { stop(it) }
    }
}
