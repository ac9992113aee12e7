// Where tandem's PANDA plugin is: scripts/build-trace-plugin builds it (cached) for a PANDA build
// and answers with the launcher that loads it.
package tandem.panda.trace;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TracePlugin {
    /** System property naming the launcher directly (a panda-system-T beside panda/plugins/panda_tandem_trace.so). */
    public static final String PROPERTY = "tandem.tracePanda";

    private TracePlugin() {
    }

    /**
     * The panda-system-T copy that loads tandem_trace with {@code -panda tandem_trace}, for the
     * PANDA build of {@code panda} (built on first use by scripts/build-trace-plugin, under
     * tandem's home: the system property tandem.home, else the current directory).
     */
    public static Path launcherFor(Path panda, PrintStream out) {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) return Path.of(forced);
        Path home = Path.of(System.getProperty("tandem.home", "")).toAbsolutePath();
        Path script = home.resolve("scripts/build-trace-plugin");
        if (!Files.isExecutable(script)) throw new TraceException("no " + script + " to build tandem's PANDA plugin with (set -Dtandem.home to tandem's folder)");
        String target = panda.getFileName().toString().replaceFirst("^panda-system-", "");
        try {
            Process p = new ProcessBuilder(script.toString(), "--target", target, panda.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            String[] lines = text.strip().split("\n");
            String last = lines[lines.length - 1].strip();
            if (rc != 0 || !Files.isExecutable(Path.of(last))) {
                throw new TraceException("building tandem's PANDA plugin for " + panda + " failed (" + script + " exited " + rc + "):\n" + text.strip());
            }
            return Path.of(last);
        } catch (IOException e) {
            throw new TraceException("cannot run " + script + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("interrupted while building tandem's PANDA plugin");
        }
    }
}
