// The test run's temporary directory: surefire points java.io.tmpdir at target/test-tmp (pom.xml),
// so every temp file and folder a spec or a tandem it starts makes lands there, never in /tmp.
// It is emptied when the run starts (a killed run's leftovers) and removed when the run ends.
package tandem

import org.spockframework.runtime.extension.IGlobalExtension

import java.nio.file.Files
import java.nio.file.Path

class TestTemp implements IGlobalExtension {
    /** The directory, or null when the run did not set one up (a spec run from an IDE uses /tmp). */
    static Path dir() {
        String d = System.getProperty('tandem.testTmp')
        d ? Path.of(d) : null
    }

    @Override
    void start() {
        Path d = dir()
        if (d == null) return
        if (Files.exists(d)) delete(d)
        Files.createDirectories(d)
    }

    @Override
    void stop() {
        Path d = dir()
        if (d != null && Files.exists(d)) delete(d)
    }

    static void delete(Path p) {
        // a gdb or demo program may still be writing for a moment: whatever cannot go is left
        p.toFile().deleteDir()
    }
}
