// mini-PANDA, the demo target built with tandem: where its binaries are, and how to record with
// it, replay with an injected bug, and open either run under gdb. Its command line follows
// PANDA's (`-replay NAME`), plus -demo-record / -demo-instrs / -demo-bug of its own.
package tandem.panda;

import tandem.debugger.LiveProgram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

public final class MiniPanda {

    /** The replay bugs mini-PANDA can inject, each at a guest instruction count. */
    public enum BugKind {
        TLB, REG, RAM, IRQ;

        public static BugKind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PandaException("unknown bug '" + s + "': one of tlb, reg, ram, irq");
            }
        }
    }

    public record Bug(BugKind kind, long at) {
        public String argument() {
            return kind.name().toLowerCase(Locale.ROOT) + "@" + at;
        }
    }

    /** A recording NAME in a directory: NAME-rr-snp and NAME-rr-nondet.log. */
    public record Recording(Path binary, Path directory, String name, long instrs) {
        public Path snapshot() {
            return directory.resolve(name + "-rr-snp");
        }

        public Path log() {
            return directory.resolve(name + "-rr-nondet.log");
        }
    }

    private MiniPanda() {
    }

    /** Where the build put mini-PANDA, laid out like a PANDA build directory. */
    public static Path buildDirectory() {
        String p = System.getProperty("tandem.pandaBuild");
        return Path.of(p != null ? p : "target/panda").toAbsolutePath();
    }

    /** The binary for an arch flavour: BUILD/ARCH-softmmu/panda-system-ARCH. */
    public static Path binary(Arch arch) {
        String a = arch.qemuName();
        Path b = buildDirectory().resolve(a + "-softmmu").resolve("panda-system-" + a);
        if (!Files.isExecutable(b)) {
            throw new PandaException("mini-PANDA is not built at " + b + ": run `mvn -B package -DskipTests`"
                    + " (needs gcc, make and zlib1g-dev)");
        }
        return b;
    }

    /** The MIPS build without debug information, for checking tandem's error about it. */
    public static Path binaryWithoutDebugInfo() {
        return buildDirectory().resolve("nodebug/mips-softmmu/panda-system-mips");
    }

    /**
     * The record command line with {@code -d nochain}: PANDA chains TBs while recording unless told
     * not to (cpu-exec.c:446-460), and only an unchained record run stops at cpu_loop_exec_tb at every
     * TB, which a search exact to the TB needs.
     */
    public static List<String> recordArguments(String name, long instrs) {
        return recordArguments(name, instrs, false);
    }

    /** The record command line; chained: as PANDA records by default, TBs chained (no {@code -d nochain}). */
    public static List<String> recordArguments(String name, long instrs, boolean chained) {
        List<String> a = new ArrayList<>(List.of("-m", "128M", "-M", "malta", "-nographic"));
        if (!chained) a.addAll(List.of("-d", "nochain"));
        a.addAll(List.of("-demo-record", name, "-demo-instrs", Long.toString(instrs)));
        return a;
    }

    public static List<String> replayArguments(String name, Bug bug) {
        List<String> a = new ArrayList<>(List.of("-m", "128M", "-M", "malta", "-nographic", "-replay", name));
        if (bug != null) a.addAll(List.of("-demo-bug", bug.argument()));
        return a;
    }

    /** Records `instrs` guest instructions as NAME in `directory` (natively, no debugger). */
    public static Recording record(Path binary, Path directory, String name, long instrs) {
        ReplayOutput out = run(binary, directory, recordArguments(name, instrs));
        Recording r = new Recording(binary, directory, name, instrs);
        if (out.exitCode() != 0 || !Files.exists(r.snapshot()) || !Files.exists(r.log())) {
            throw new PandaException("mini-PANDA failed to record " + name + " in " + directory + " (exit "
                    + out.exitCode() + "): " + String.join("\n", out.lines()));
        }
        return r;
    }

    /** Replays natively, with an optional injected bug; PANDA's output and exit code. */
    public static ReplayOutput replay(Recording r, Bug bug) {
        return run(r.binary(), r.directory(), replayArguments(r.name(), bug));
    }

    /**
     * The record run under gdb. It records again, so it runs in a scratch copy of the directory:
     * re-running must never overwrite the recording it stands for.
     */
    public static LiveProgram recordUnderGdb(Recording r, Path gdb) {
        return recordUnderGdb(r, gdb, false);
    }

    /** recordUnderGdb; chained: without {@code -d nochain}, TBs chained as PANDA records by default. */
    public static LiveProgram recordUnderGdb(Recording r, Path gdb, boolean chained) {
        try {
            Path scratch = Files.createTempDirectory("tandem-rec-");
            // deleteOnExit cannot remove a folder with files in it: the whole tree goes at exit
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(scratch)));
            return new LiveProgram(gdb, r.binary(), recordArguments(r.name(), r.instrs(), chained), scratch, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The replay run under gdb, in the recording's directory (a replay only reads it). */
    public static LiveProgram replayUnderGdb(Recording r, Bug bug, Path gdb) {
        return new LiveProgram(gdb, r.binary(), replayArguments(r.name(), bug), r.directory(), null);
    }

    private static final java.util.regex.Pattern INJECTED =
            java.util.regex.Pattern.compile("mini-panda: injected \\S+ bug at guest instruction (\\d+)");

    /** The count at which an injected bug took effect, from mini-PANDA's own report of it. */
    public static long injectedAt(ReplayOutput out) {
        for (String l : out.lines()) {
            // stdout and stderr share one stream: the guest's console text may share the line
            java.util.regex.Matcher m = INJECTED.matcher(l);
            if (m.find()) return Long.parseLong(m.group(1));
        }
        throw new PandaException("the replay reported no injected bug: " + String.join("\n", out.lines()));
    }

    static ReplayOutput run(Path binary, Path directory, List<String> args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(args);
        // one pipe for stdout and stderr, as a terminal shows them: PANDA prints a failure's labels
        // on stdout ("Replay program point:") and its counts with qemu_log on stderr, and two pipes
        // read apart lose which count follows which label
        ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        int code;
        byte[] out;
        Process p = null;
        try {
            p = pb.start();
            Process started = p;
            java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return started.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new PandaException(binary + " did not end within 30 minutes");
            }
            code = p.exitValue();
            out = read.join();
        } catch (IOException e) {
            throw new PandaException("could not run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PandaException("interrupted while " + binary + " ran");
        }
        List<String> lines = Arrays.asList(new String(out, StandardCharsets.UTF_8).split("\n"));
        return new ReplayOutput(lines, code);
    }

    /** Deletes a scratch directory tree (a best effort: leftovers are in the temp folder). */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp folder cleanup is not worth failing for
        }
    }
}
