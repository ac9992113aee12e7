// tandem's gdb Python scripts (bisect's trace.py and hoststep.py, panda/time's index.py), copied
// once each from tandem's jar to a file gdb can `source`.
package tandem.debugger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

public final class GdbPythonScripts {

    private static final Map<String, Path> FILES = new HashMap<>();

    private GdbPythonScripts() {
    }

    /**
     * The file of the script {@code name} (a resource beside class {@code owner}), written on first
     * use and deleted when the JVM ends. Throws IllegalStateException when the jar lacks it,
     * UncheckedIOException when it cannot be written.
     */
    public static synchronized Path file(Class<?> owner, String name) {
        Path known = FILES.get(owner.getPackageName() + "/" + name);
        if (known != null) return known;
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from tandem's classes");
            Path p = Files.createTempFile("tandem-" + name.replace(".py", "") + "-", ".py");
            p.toFile().deleteOnExit();
            Files.write(p, in.readAllBytes());
            FILES.put(owner.getPackageName() + "/" + name, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + name + " for gdb: " + e.getMessage(), e);
        }
    }
}
