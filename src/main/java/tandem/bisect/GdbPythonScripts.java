// tandem's gdb Python scripts (trace.py, hoststep.py), copied once each from tandem's jar to a
// file gdb can `source`.
package tandem.bisect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

final class GdbPythonScripts {

    private static final Map<String, Path> FILES = new HashMap<>();

    private GdbPythonScripts() {
    }

    /**
     * The file of the script {@code name} (a resource of package tandem.bisect), written on first
     * use and deleted when the JVM ends. Throws IllegalStateException when the jar lacks it,
     * UncheckedIOException when it cannot be written.
     */
    static synchronized Path file(String name) {
        Path known = FILES.get(name);
        if (known != null) return known;
        try (InputStream in = GdbPythonScripts.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from tandem's classes");
            Path p = Files.createTempFile("tandem-" + name.replace(".py", "") + "-", ".py");
            p.toFile().deleteOnExit();
            Files.write(p, in.readAllBytes());
            FILES.put(name, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + name + " for gdb: " + e.getMessage(), e);
        }
    }
}
