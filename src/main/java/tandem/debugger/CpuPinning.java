// Opt-in (-Dtandem.pinCpu=true): keeps a gdb and the program it traces on one CPU, and the two
// sides of a pair on different ones. Every breakpoint stop is a ptrace round trip between gdb and
// the program; on different CPUs each stop pays two cross-CPU wake-ups, which on virtual machines
// cost tens of microseconds. scripts/bench-stops measures it: on the machines tandem is built on a
// bare ptrace stop takes ~3 us on one CPU and 15-60 us across two, and a TB breakpoint whose
// condition gdb tests ~80 us pinned against ~180-290 us not.
// Off by default because of what it costs: while both pinned sides move TB by TB, each CPU is
// taken by a gdb and its program waking each other, and the scheduler starves everything else
// there, tandem's own console included (a Ctrl-C was read 4-5 s late, when one side stopped).
// rr replays are never pinned: rr binds its tracee to a CPU of its own choosing (the trace's).
package tandem.debugger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

public final class CpuPinning {
    /** -Dtandem.pinCpu=true turns pinning on. */
    private static volatile boolean enabled = Boolean.parseBoolean(System.getProperty("tandem.pinCpu", "false"));
    private static final Path TASKSET = findTaskset();
    /** Claims per allowed CPU: a new session takes the least used one. */
    private static final TreeMap<Integer, Integer> CLAIMS = new TreeMap<>();

    static {
        for (int cpu : allowedCpus()) CLAIMS.put(cpu, 0);
    }

    private CpuPinning() {
    }

    /** A CPU for a new gdb and its program, or -1 when there is nothing to gain (one CPU, no taskset, turned off). */
    public static synchronized int claim() {
        if (!enabled || !possible()) return -1;
        int best = -1;
        for (var e : CLAIMS.entrySet()) {
            if (best < 0 || e.getValue() < CLAIMS.get(best)) best = e.getKey();
        }
        CLAIMS.merge(best, 1, Integer::sum);
        return best;
    }

    /** Turns pinning on or off for the sessions opened from now on (scripts/bench-stops compares the two). */
    public static void enable(boolean on) {
        enabled = on;
    }

    /** Whether this machine can pin at all: taskset is there and this process may use two CPUs or more. */
    public static synchronized boolean possible() {
        return TASKSET != null && CLAIMS.size() >= 2;
    }

    public static synchronized void release(int cpu) {
        if (cpu >= 0) CLAIMS.computeIfPresent(cpu, (k, v) -> Math.max(0, v - 1));
    }

    /** The command line that runs {@code command} on {@code cpu} (unchanged for -1). */
    public static List<String> pinned(int cpu, List<String> command) {
        if (cpu < 0) return command;
        List<String> c = new ArrayList<>(List.of(TASKSET.toString(), "-c", Integer.toString(cpu)));
        c.addAll(command);
        return c;
    }

    private static Path findTaskset() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "taskset");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** The CPUs this process may run on (Linux: Cpus_allowed_list, such as "0-3,8"). */
    static List<Integer> allowedCpus() {
        List<Integer> cpus = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (!line.startsWith("Cpus_allowed_list:")) continue;
                cpus.addAll(parseList(line.substring(line.indexOf(':') + 1)));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: no pinning
        }
        return cpus;
    }

    static List<Integer> parseList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) continue;
            String[] range = part.trim().split("-");
            int from = Integer.parseInt(range[0]), to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int c = from; c <= to; c++) cpus.add(c);
        }
        return cpus;
    }
}
