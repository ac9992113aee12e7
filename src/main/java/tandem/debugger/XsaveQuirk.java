// gdb before 14 cannot call functions in a natively traced program on x86-64 hosts whose XSAVE
// area has components it does not know (Intel AMX): it restores registers after the call with a
// PTRACE_SETREGSET buffer of its own fixed size, the kernel rejects any size but the full one, and
// gdb reports "Couldn't write extended state status: Bad address" instead of the call's value.
// The way around it: give gdb a target description without AVX, so it moves the FPU/SSE state
// with PTRACE_GETFPREGS/SETFPREGS instead. Calls from tandem happen at function entries, where no
// upper vector halves are live, so losing them across a call costs nothing.
package tandem.debugger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class XsaveQuirk {

    static final String FAILURE = "Couldn't write extended state status";
    private static final Pattern FEATURE = Pattern.compile("(?s)\\s*<feature name=\"([^\"]+)\">.*?</feature>");
    private static final Set<String> KEPT = Set.of("org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
            "org.gnu.gdb.i386.linux", "org.gnu.gdb.i386.segments");
    private static final Map<String, Optional<Path>> BY_GDB = new ConcurrentHashMap<>();

    private XsaveQuirk() {
    }

    /**
     * The gdb options that make inferior calls work with this gdb on this host, for a program gdb
     * traces natively: empty when it has no such problem.
     */
    static List<String> nativeOptions(String gdb) {
        return description(gdb).map(p -> List.of("-iex", "set tdesc filename " + p)).orElse(List.of());
    }

    /** Probes once per gdb: starts a small program, changes a vector register, and watches for the failure. */
    static Optional<Path> description(String gdb) {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) return Optional.empty();
        return BY_GDB.computeIfAbsent(gdb, XsaveQuirk::probe);
    }

    private static Optional<Path> probe(String gdb) {
        Path program = Path.of("/bin/true");
        if (!Files.isExecutable(program)) return Optional.empty();
        try {
            Process p = new ProcessBuilder(gdb, "-nx", "-q", "-batch", "-ex", "starti",
                    "-ex", "set var $xmm15.v2_int64[1] = ~$xmm15.v2_int64[1]",
                    "-ex", "maint print xml-tdesc", "-ex", "kill", program.toString())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            String text = new String(out, StandardCharsets.UTF_8);
            int xml = text.indexOf("<?xml");
            if (!text.contains(FAILURE) || xml < 0) return Optional.empty();
            Path file = Files.createTempFile("tandem-tdesc-", ".xml");
            file.toFile().deleteOnExit();
            Files.writeString(file, withoutAvx(text.substring(xml)));
            return Optional.of(file);
        } catch (IOException e) {
            return Optional.empty(); // gdb missing: GdbDebugger.open reports that itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The description gdb printed, keeping only the core, SSE, Linux and segment features. */
    static String withoutAvx(String tdesc) {
        StringBuilder kept = new StringBuilder();
        Matcher m = FEATURE.matcher(tdesc);
        int last = 0;
        while (m.find()) {
            kept.append(tdesc, last, m.start());
            if (KEPT.contains(m.group(1))) kept.append(m.group());
            last = m.end();
        }
        kept.append(tdesc.substring(last));
        String s = kept.toString();
        int end = s.indexOf("</target>");
        return end < 0 ? s : s.substring(0, end + "</target>".length()) + "\n";
    }
}
