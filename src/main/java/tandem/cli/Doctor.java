// `tandem doctor`: checks what tandem needs on this machine (rr, gdb, gdbserver, performance
// counters, ptrace) and in a PANDA build (the symbols it calls and reads), and says what to fix.
package tandem.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tandem.panda.PandaNames;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = Version.class,
        header = "Checks rr, gdb, ptrace and a PANDA build; says what to fix.",
        description = {"Checks rr, gdb, gdbserver, hardware performance counters, ptrace permissions",
                "and, with --panda, that a PANDA build has the symbols tandem uses. Says what to",
                "fix.",
                "Exit code 0 when nothing is missing, 1 otherwise."},
        footer = {"", "Examples:",
                "  tandem doctor",
                "  tandem doctor --panda ~/git/panda/build/mips-softmmu/panda-system-mips \\",
                "      --rr /usr/local/bin/rr"})
public final class Doctor implements java.util.concurrent.Callable<Integer> {

    /** Symbols tandem cannot work without: where the runs begin, the TB loop, the count, the checksums. */
    static final List<String> NEEDED_FUNCTIONS = List.of(PandaNames.BEGIN_RECORD, PandaNames.BEGIN_REPLAY,
            PandaNames.EXEC_TB, PandaNames.RR_CHECKSUM_REGS, "panda_virt_to_phys", "target_disas", "cpu_dump_state");
    static final List<String> NEEDED_VARIABLES = List.of("cpus");
    /** Symbols that make searches faster or richer when present. */
    static final Map<String, String> USEFUL = new LinkedHashMap<>();

    static {
        USEFUL.put(PandaNames.DEBUG_COUNTER, "long moves use it to stop every 2^17 instructions instead of every TB");
        USEFUL.put("crc32", "memory bisection over guest RAM (zlib)");
    }

    @Option(names = "--panda", paramLabel = "PATH", description = "a PANDA binary (panda-system-ARCH) to check")
    Path panda;
    @Option(names = "--rr", paramLabel = "PATH", description = "rr executable (default: ${DEFAULT-VALUE})", defaultValue = "rr")
    String rr;
    @Option(names = "--gdb", paramLabel = "PATH", description = "gdb executable (default: ${DEFAULT-VALUE})", defaultValue = "gdb")
    String gdb;
    @Option(names = "--without-rr", description = "for PANDA command lines run under gdb (--rec-cmd, --rep-cmd): rr and the perf counters it needs are not checked")
    boolean withoutRr;

    private int problems;

    @Override
    public Integer call() {
        String rrVersion = withoutRr ? null : firstLine(rr, "--version");
        if (withoutRr) {
            note("rr", "not checked (--without-rr): PANDA runs under gdb, going back re-executes the replay");
        } else {
            check("rr", rrVersion != null, rrVersion,
                    "not found (" + rr + "): install rr 5.x (https://rr-project.org, Debian package rr) or give --rr PATH,"
                            + " or check a PANDA run under gdb alone with --without-rr");
        }
        String gdbVersion = firstLine(gdb, "--version");
        check("gdb", gdbVersion != null, gdbVersion, "not found (" + gdb + "): install gdb (Debian package gdb)");
        if (gdbVersion != null) gdbPython();
        String serverVersion = firstLine("gdbserver", "--version");
        check("gdbserver", serverVersion != null, serverVersion,
                "not found: install gdbserver (Debian package gdbserver); only the gdbserver target needs it");
        if (!withoutRr) perfCounters(rrVersion, rrVersion != null);
        ptrace();
        if (gdbVersion != null) gdbTraces();
        if (panda != null) {
            pandaSymbols();
            mipsRecordReplay();
        }
        note("recording", tandem.panda.PandaAdvice.NOCHAIN);
        System.out.println(problems == 0 ? "all good" : problems + " problem" + (problems == 1 ? "" : "s") + " to fix (see above)");
        return problems == 0 ? 0 : 1;
    }

    /**
     * gdb's Python, which the divergence search's traces run in (tandem.bisect.Trace): without it
     * the search still works, stopping at each debug_counter call and TB instead.
     */
    private void gdbPython() {
        String out = runAll(gdb, "-nx", "-q", "-batch", "-ex", "python print('tandem-python ' + str(1 + 1))");
        if (out != null && out.contains("tandem-python 2")) {
            check("gdb Python", true, "yes: the search records debug_counter calls and TBs inside gdb, without stopping at each", null);
        } else {
            note("gdb Python", "none in this gdb: the search stops at each debug_counter call and TB instead (slower); Debian's gdb has it");
        }
    }

    /** rr's version from `rr --version` ("rr version 5.9.0"), as {major, minor}; null when unreadable. */
    static int[] rrVersion(String versionLine) {
        if (versionLine == null) return null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.(\\d+)").matcher(versionLine);
        return m.find() ? new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /**
     * The highest perf_event_paranoid rr records at without CAP_PERFMON: 1 up to rr 5.8
     * (RecordSession.cc:2391-2407); 2 from rr 5.9, which follows context switches with
     * PERF_RECORD_SWITCH where the kernel has it (ContextSwitchEvent.cc:114-138).
     */
    static int highestParanoid(int[] version) {
        return version != null && (version[0] > 5 || (version[0] == 5 && version[1] >= 9)) ? 2 : 1;
    }

    private void perfCounters(String rrVersionLine, boolean haveRr) {
        String paranoid = read("/proc/sys/kernel/perf_event_paranoid");
        if (paranoid == null) {
            check("perf counters", false, null, "/proc/sys/kernel/perf_event_paranoid is missing: this kernel has no perf events, rr cannot run");
        } else {
            int level = Integer.parseInt(paranoid.trim());
            int highest = highestParanoid(rrVersion(rrVersionLine));
            String needs = highest == 2 ? "rr 5.9+ needs <= 2, with a kernel that has PERF_RECORD_SWITCH" : "rr up to 5.8 needs <= 1";
            check("perf_event_paranoid", level <= highest, level + " (" + needs + ")",
                    level + ", " + needs + ": sudo sysctl kernel.perf_event_paranoid=" + highest);
        }
        if (!haveRr) {
            note("rr's own check", "not run: it needs rr (recording /bin/true is how rr tests the counters)");
            return;
        }
        try {
            Path dir = Files.createTempDirectory("tandem-doctor-");
            ProcessBuilder pb = new ProcessBuilder(rr, "record", "-o", dir.resolve("t").toString(), "/bin/true")
                    .redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            // rr's reason is its FATAL line; the backtrace after it says where in rr, not why
            tandem.debugger.RrFailure failure = new tandem.debugger.RrFailure(out.lines().toList(), done ? p.exitValue() : -1);
            String advice = failure.advice();
            check("rr record /bin/true", done && p.exitValue() == 0, "works",
                    (done ? "failed (" + failure.ending() + "): " : "did not end within 60 s: ") + failure.reason()
                            + (advice.isEmpty() ? "" : " " + advice));
            deleteTree(dir);
        } catch (IOException | InterruptedException e) {
            check("rr record /bin/true", false, null, "could not run: " + e.getMessage());
        }
    }

    private void ptrace() {
        String scope = read("/proc/sys/kernel/yama/ptrace_scope");
        if (scope == null) {
            note("ptrace_scope", "no Yama module: ptrace is allowed");
            return;
        }
        int s = Integer.parseInt(scope.trim());
        String what = switch (s) {
            case 0 -> "0 (any process of the user)";
            case 1 -> "1 (only descendants: fine, gdb and rr start what they trace)";
            case 2 -> "2 (root only)";
            default -> s + " (ptrace disabled)";
        };
        check("ptrace_scope", s <= 1, what, what + ": gdb and rr need ptrace: sudo sysctl kernel.yama.ptrace_scope=1");
    }

    /**
     * gdb really starting a program under ptrace and running it to its end: ptrace_scope is not
     * the only thing that refuses ptrace (a container's seccomp profile, a missing
     * CAP_SYS_PTRACE), and gdb's warnings say what did.
     */
    private void gdbTraces() {
        String out = runAll(true, gdb, "-nx", "-q", "-batch", "-ex", "run", "--args", TRACED);
        boolean ran = out != null && out.contains("exited normally");
        String said = out == null ? "gdb did not finish within 60 s"
                : String.join(" / ", out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        check("gdb traces " + TRACED, ran, "yes: gdb ran it to its end",
                "gdb could not: " + said + (tandem.debugger.PtraceRefused.said(out) ? ". " + tandem.debugger.PtraceRefused.ADVICE : ""));
    }

    /** The program doctor has gdb start: on every Debian system, and it ends at once. */
    private static final String TRACED = "/bin/true";

    private void pandaSymbols() {
        if (!Files.isExecutable(panda)) {
            check("PANDA binary", false, null, panda + " is not an executable file");
            return;
        }
        List<String> all = new ArrayList<>(NEEDED_FUNCTIONS);
        all.addAll(NEEDED_VARIABLES);
        all.addAll(USEFUL.keySet());
        // PANDA's code and debug info live in libpanda-ARCH.so, which the launcher loads at start
        List<Path> files = new ArrayList<>(List.of(panda));
        files.addAll(pandaLibraries(panda));
        StringBuilder out = new StringBuilder();
        for (Path f : files) {
            List<String> cmd = new ArrayList<>(List.of(gdb, "-batch", "-nx"));
            for (String s : all) cmd.addAll(List.of("-ex", "info address " + s));
            cmd.add(f.toString());
            String o = runAll(true, cmd.toArray(new String[0]));
            if (o == null) {
                check("PANDA symbols", false, null, "gdb could not read " + f);
                return;
            }
            out.append(o);
        }
        if (files.size() > 1) {
            note("PANDA library", files.subList(1, files.size()).stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", ")));
        }
        // without debug info gdb knows PANDA's functions only as minimal symbols, and `cpus` not at all
        boolean noDebug = out.toString().contains("Symbol \"cpu_loop_exec_tb\" is at") && out.toString().contains("compiled without debugging");
        List<String> missing = new ArrayList<>();
        for (String s : NEEDED_FUNCTIONS) if (!defines(out.toString(), s)) missing.add(s);
        for (String s : NEEDED_VARIABLES) if (!defines(out.toString(), s)) missing.add(s);
        check("PANDA symbols", missing.isEmpty() && !noDebug, panda.getFileName() + " has " + String.join(", ", NEEDED_FUNCTIONS) + ", cpus",
                (noDebug ? "no debug information; " : "")
                        + (missing.isEmpty() ? "" : "missing " + String.join(", ", missing) + "; ")
                        + "build PANDA with debug info (./configure --enable-debug, or CFLAGS=-g)");
        String all2 = out.toString();
        USEFUL.forEach((s, why) -> note(s, defines(all2, s) ? "present" : "absent: " + why));
    }

    /**
     * The libpanda-*.so files the binary loads, as the dynamic loader resolves them (ldd), else
     * found beside the binary: a PANDA build's panda-system-ARCH is a small launcher of libpanda-ARCH.so.
     */
    static List<Path> pandaLibraries(Path binary) {
        List<Path> libs = new ArrayList<>();
        String ldd = runAll(true, "ldd", binary.toString());
        if (ldd != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*(libpanda-\\S+\\.so)\\s+=>\\s+(\\S+)").matcher(ldd);
            while (m.find()) {
                if (!m.group(2).equals("not")) libs.add(Path.of(m.group(2)));
            }
        }
        if (libs.isEmpty() && binary.getFileName().toString().startsWith("panda-system-")) {
            Path beside = binary.resolveSibling("libpanda-" + binary.getFileName().toString().substring("panda-system-".length()) + ".so");
            if (Files.isRegularFile(beside)) libs.add(beside);
        }
        return libs;
    }

    /**
     * MIPS: only PANDA's branch mips_serious_rec_attempt records and replays it; upstream PANDA has
     * the text it refuses with in its code (the binary, or libpanda-ARCH.so beside it).
     */
    private void mipsRecordReplay() {
        String name = panda.getFileName().toString();
        if (!name.contains("mips")) return;
        List<Path> code = new ArrayList<>(List.of(panda));
        Path dir = panda.toAbsolutePath().getParent();
        try (var files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().matches("libpanda-mips.*\\.so")).forEach(code::add);
        } catch (IOException ignored) {
            // the binary alone
        }
        boolean refuses = false;
        byte[] text = tandem.panda.PandaAdvice.MIPS_UNSUPPORTED.getBytes(StandardCharsets.US_ASCII);
        for (Path f : code) {
            try {
                refuses |= contains(Files.readAllBytes(f), text);
            } catch (IOException | OutOfMemoryError e) {
                note("MIPS record/replay", "could not read " + f + ": " + e.getMessage());
            }
        }
        check("MIPS record/replay", !refuses, "this build has no `" + tandem.panda.PandaAdvice.MIPS_UNSUPPORTED + "` refusal",
                "this is upstream PANDA: " + tandem.panda.PandaAdvice.MIPS_BRANCH);
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    /** `info address NAME` answers "Symbol \"NAME\" is ..." when gdb knows it, "No symbol ..." otherwise. */
    private static boolean defines(String infoOutput, String symbol) {
        return infoOutput.contains("Symbol \"" + symbol + "\" is");
    }

    private void check(String what, boolean ok, String good, String bad) {
        if (!ok) problems++;
        System.out.printf("%-4s %-22s %s%n", ok ? "ok" : "FIX", what, ok ? good : bad);
    }

    private static void note(String what, String text) {
        System.out.printf("%-4s %-22s %s%n", "--", what, text);
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            return null;
        }
    }

    private static String firstLine(String... command) {
        String out = runAll(command);
        return out == null ? null : out.lines().findFirst().orElse("").strip();
    }

    /** The command's output, or null when it can't be run or fails. */
    private static String runAll(String... command) {
        return runAll(false, command);
    }

    private static String runAll(boolean anyExitCode, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 || anyExitCode ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }
}
