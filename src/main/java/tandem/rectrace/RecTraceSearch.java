// The search with a record trace as the rec side: the replay runs once with tandem's plugin
// writing its own trace, the two traces name the first TB where the replay leaves the record run,
// then gdb takes the replay to that count for what only a live side shows.
package tandem.rectrace;

import tandem.panda.trace.TraceException;
import tandem.panda.trace.TraceFile;
import tandem.panda.trace.TraceRegisters;
import tandem.panda.trace.TracePlugin;
import tandem.bisect.Explanation;
import tandem.bisect.TbBoundaries;
import tandem.panda.nondet.NondetLog;

import tandem.debugger.Frame;
import tandem.panda.PandaCommand;
import tandem.panda.PandaSession;
import tandem.panda.PandaSide;
import tandem.panda.Registers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

public final class RecTraceSearch {

    /** Names of the registers of a MIPS full record, in the plugin's order (tt_regs). */
    public static final List<String> MIPS_REGISTERS = TraceRegisters.mipsNames();

    /** A record trace named as tandem takes it: a recording NAME in DIR (DIR/NAME-tandem-trace), or the trace's path. */
    public record RecTrace(Path dir, String name, Path trace) {
        public static RecTrace of(String nameOrPath, Path cwd) {
            Path dir = cwd == null ? Path.of("").toAbsolutePath() : cwd.toAbsolutePath();
            Path asPath = dir.resolve(nameOrPath);
            String file = asPath.getFileName().toString();
            if (Files.isRegularFile(asPath) && file.endsWith(SUFFIX)) {
                return new RecTrace(asPath.getParent(), file.substring(0, file.length() - SUFFIX.length()), asPath);
            }
            return new RecTrace(dir, nameOrPath, dir.resolve(nameOrPath + SUFFIX));
        }
    }

    /** What the record run writes beside NAME-rr-snp (the plugin's default name). */
    public static final String SUFFIX = "-tandem-trace";

    /**
     * The outcome: the comparison, the two traces, how long the traced replay ran (until the
     * comparison was done), and the replay's TLB at the first divergence when the TLB differs
     * there (else empty). The replay trace was followed as the replay wrote it and its file is
     * deleted once compared (it can be some GB): {@code rep} is its header; how far the
     * comparison read it is in the result.
     */
    public record Outcome(TraceComparison.Result result, TraceFile rec, TraceFile rep, long replayMillis, String replayOutput,
                          Map<Integer, long[]> repTlbAtDivergence) {}

    private RecTraceSearch() {
    }

    /**
     * Reads and checks the record trace, runs the replay {@code repCmd} (in the recording's
     * folder) with the plugin writing a replay trace to a temporary file, and compares the two
     * while the replay runs, reading the replay trace once as it is written; once the comparison
     * is done (every group differs somewhere, or the record trace ended) the rest of the replay is
     * not needed and the replay is ended. The recording is only read.
     */
    public static Outcome compare(RecTrace recTrace, String repCmd, PrintStream out) {
        return compare(recTrace, repCmd, out, agreed -> { });
    }

    /** {@link #compare(RecTrace, String, PrintStream)}, with the comparison's progress ({@link TraceComparison#compare(TraceFile, TraceFile, java.util.function.LongConsumer)}). */
    public static Outcome compare(RecTrace recTrace, String repCmd, PrintStream out, java.util.function.LongConsumer agreedTo) {
        PandaCommand cmd = PandaCommand.parse(repCmd, recTrace.dir(), List.of());
        if (cmd.role() != PandaSession.Role.REPLAY) throw new TraceException("--rep-cmd must replay the recording (-replay " + recTrace.name() + "): " + repCmd);
        if (!Files.isRegularFile(recTrace.trace())) TraceFile.read(recTrace.trace());   // its one error, before any replay runs
        Path launcher = TracePlugin.launcherFor(cmd.program(), out);
        Path repTrace = null, log = null;
        Process p = null;
        try {
            repTrace = Files.createTempFile("tandem-replay-trace-", "");
            log = Files.createTempFile("tandem-replay-out-", ".txt");
            List<String> words = new ArrayList<>(cmd.words());
            words.set(0, launcher.toString());
            words.add("-panda");
            words.add("tandem_trace:file=" + repTrace);
            out.println("rep: replaying with tandem's trace plugin: " + String.join(" ", words));
            long t0 = System.nanoTime();
            p = new ProcessBuilder(words).directory(recTrace.dir().toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // the record trace is read and checked while the replay runs (the replay is killed if
            // the trace is refused): hashing the snapshot takes as long as a short replay
            TraceFile rec = TraceFile.read(recTrace.trace());
            TraceComparison.checkBelongs(rec, recTrace.dir(), recTrace.name());
            // then compared with the replay trace as the replay writes it (not after it: a
            // replay trace is some GB, and reading it took as long again as the traced replay)
            Process replay = p;
            TraceFile rep;
            try {
                rep = TraceFile.follow(repTrace, replay::isAlive);
            } catch (TraceException e) {
                if (replay.isAlive()) throw e;
                throw noTb(log, e.getMessage());
            }
            TraceComparison.Result result = TraceComparison.compare(rec, rep, agreedTo);
            long millis = (System.nanoTime() - t0) / 1_000_000L;
            // done comparing: the rest of the replay shows nothing more
            if (replay.isAlive()) {
                replay.destroyForcibly();
                try { replay.waitFor(10, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            }
            String output = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (result.replayRead() == 0) throw noTb(log, null);
            var d = result.divergence();
            Map<Integer, long[]> repTlb = d != null && d.groups().contains(TraceComparison.Group.TLB) ? rep.tlbAt(d.count()) : Map.of();
            return new Outcome(result, rec, rep, millis, output, repTlb);
        } catch (IOException e) {
            throw new TraceException("cannot run the traced replay: " + e.getMessage());
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                try { p.waitFor(10, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            }
            for (Path f : new Path[] {repTrace, log}) {
                if (f != null) try { Files.deleteIfExists(f); } catch (IOException ignored) { }
            }
        }
    }

    /** The replay wrote no TB to its trace: PANDA's last lines say why. */
    private static TraceException noTb(Path log, String why) throws IOException {
        String output = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
        return new TraceException("the replay wrote no TB to its trace: it did not get to replaying" + (why == null ? "" : " (" + why + ")")
                + ". PANDA said:\n" + tail(output, 20));
    }

    /**
     * The search for {@code tandem bisect --rec-trace}: compares, prints what differs, and opens the
     * replay under gdb at the first divergent count for its registers, backtrace and TB. Returns the
     * outcome; its last printed line is {@code first divergence at guest instruction N} or says
     * that the runs never diverge.
     */
    public static Outcome search(RecTrace recTrace, String repCmd, List<String> repAtBegin, Path gdb, PrintStream out) {
        // the live side is opened under gdb (gdb's start, PANDA's to the replay's beginning) while
        // the traced replay runs: the search then takes about one replay, gdb's run to the count
        // and what it shows there, not two replays one after the other
        PandaSide side = PandaSide.command("rep", PandaCommand.parse(repCmd, recTrace.dir(), repAtBegin), gdb);
        List<String> notices = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong agreed = new AtomicLong(-1), followedTo = new AtomicLong(-1);
        AtomicBoolean compared = new AtomicBoolean(false);
        CompletableFuture<PandaSession> opening = CompletableFuture.supplyAsync(() -> {
            PandaSession s = side.open(Optional.empty());
            s.onNotice(notices::add);
            s.beginRecordOrReplay();
            follow(s, agreed, compared, followedTo);
            return s;
        }, runnable -> {
            Thread t = new Thread(runnable, "tandem-rec-trace-open-rep");
            t.setDaemon(true);
            t.start();
        });
        Outcome o;
        try {
            o = compare(recTrace, repCmd, out, agreed::set);
        } catch (RuntimeException e) {
            compared.set(true);
            closeOnceOpen(opening);
            throw e;
        }
        compared.set(true);
        if (!describe(recTrace, o, out)) {
            closeOnceOpen(opening);
            if (followedTo.get() >= 0) out.println("rep: the replay under gdb had followed the comparison to guest instruction " + followedTo.get());
            out.println("the runs never diverge");
            return o;
        }
        var d = o.result().divergence();
        TraceFile.Full full = TraceComparison.fullAtOrBefore(o.rec(), d.count());
        // the live side: gdb takes the replay to the count
        out.println("rep: opening the replay under gdb at guest instruction " + d.count());
        PandaSession opened;
        try {
            opened = opening.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            out.println("rep: could not open the replay under gdb at " + d.count() + ": " + c.getMessage());
            out.println("first divergence at guest instruction " + d.count());
            return o;
        }
        if (followedTo.get() >= 0) out.println("rep: the replay under gdb had followed the comparison to guest instruction " + followedTo.get());
        try (PandaSession rep = opened) {
            synchronized (notices) {
                notices.forEach(text -> out.println("rep: " + text));
                rep.onNotice(text -> out.println("rep: " + text));
            }
            long at = rep.toInstr(d.count(), false);
            Registers regs = rep.regs();
            out.println("rep: at guest instruction " + at + ":");
            out.println(indent(regs.toString()));
            if (full != null && full.count() == d.count()) {
                List<String> names = MIPS_REGISTERS;
                for (int i = 0; i < Math.min(names.size(), full.regs().length); i++) {
                    Long v = regs.values().get(names.get(i));
                    if (v != null && v != full.regs()[i]) out.println("  " + names.get(i) + " differs: rec 0x" + Long.toHexString(full.regs()[i]) + " rep 0x" + Long.toHexString(v));
                }
            }
            out.println("rep: backtrace:");
            for (Frame f : rep.backtrace()) out.println("  " + f);
            out.println("rep: the TB there:");
            out.println(indent(rep.disas()));
        } catch (RuntimeException e) {
            out.println("rep: could not open the replay under gdb at " + d.count() + ": " + e.getMessage());
        }
        explain(recTrace, repCmd, d, out);
        out.println("first divergence at guest instruction " + d.count());
        return o;
    }

    /**
     * Prints what the comparison {@code o} found, before any live side: both traces' extent, then
     * either how far they agree (returns false; the caller says that the runs never diverge) or the first divergent TB's count and
     * what differs there (PC and registers, CP0, TLB entries with both sides' contents, the first
     * count of each other group that differs) and the record run's registers at its last full
     * record (returns true).
     */
    public static boolean describe(RecTrace recTrace, Outcome o, PrintStream out) {
        TraceComparison.Result r = o.result();
        out.println("rec: record trace " + recTrace.trace() + ": " + o.rec().entryCount() + " TBs, guest instructions "
                + o.rec().firstCount + ".." + r.recordLast());
        out.println("rep: replay trace: " + r.replayRead() + " TBs to guest instruction " + r.replayReadTo()
                + " compared (the traced replay ran " + o.replayMillis() + " ms)");
        var d = r.divergence();
        if (d == null) {
            if (r.replayEndedAt() >= 0) {
                out.println("the replay agrees with the record run at every TB it ran (" + r.comparedTbs() + "), and ended at guest instruction "
                        + r.replayEndedAt() + " of " + r.recordLast() + ": what went wrong there is not in the trace (RAM, device state)");
            } else {
                out.println("the replay agrees with the record run at all " + r.comparedTbs() + " TBs, to the end"
                        + (r.uncomparedTbs() > 0 ? " (and ran through the start of " + r.uncomparedTbs()
                        + " record TBs inside TBs of its own: not compared)" : ""));
            }
            return false;
        }
        if (d.replayWentElsewhere()) {
            out.println("at guest instruction " + d.count() + " the replay began a TB at pc 0x" + Long.toHexString(d.replayPc())
                    + " inside a TB of the record run, whose next instruction is at 0x" + Long.toHexString(d.expectedPc())
                    + ": the replay went elsewhere (an exception or interrupt the record run did not take there)");
        } else if (d.noReplayBoundary()) {
            out.println("at guest instruction " + d.count() + " the record run began a TB and the replay did not (its TB began at "
                    + d.replayTbAt() + "): control flow differs");
        } else {
            out.println("differs at the TB beginning at guest instruction " + d.count() + ": "
                    + String.join(", ", d.groups().stream().map(g -> g.label).toList())
                    + (d.lastAgreed() >= 0 ? " (the TB before, at " + d.lastAgreed() + ", agrees)" : ""));
            r.firstByGroup().forEach((g, c) -> { if (c != d.count()) out.println("  " + g.label + " first differ at " + c); });
        }
        if (d.groups().contains(TraceComparison.Group.TLB)) {
            Map<Integer, long[]> a = TraceComparison.tlbAt(o.rec(), d.count()), b = o.repTlbAtDivergence();
            for (int i : a.keySet()) {
                long[] x = a.get(i), y = b.get(i);
                if (y == null || !java.util.Arrays.equals(x, y)) {
                    out.println("  tlb differs: entry " + i + ": rec " + tlbEntry(x) + "  rep " + (y == null ? "-" : tlbEntry(y)));
                }
            }
        }
        TraceFile.Full full = TraceComparison.fullAtOrBefore(o.rec(), d.count());
        if (full != null && o.rec().target.startsWith("mips")) {
            out.println("rec: registers at its last full record, guest instruction " + full.count() + " (the trace holds hashes in between):");
            out.println(indent(named(full.regs())));
        }
        return true;
    }

    /**
     * The nondet logs there: rec's is the recording's own (NAME-rr-nondet.log beside the trace),
     * rep's the one its command line replays (an edited copy, say). A log that cannot be read is
     * said in one line and left out.
     */
    private static void explain(RecTrace recTrace, String repCmd, TraceComparison.Divergence d, PrintStream out) {
        NondetLog rec = readLog("rec", recTrace.dir().resolve(recTrace.name() + NondetLog.SUFFIX), out);
        NondetLog rep = NondetLog.of(PandaCommand.parse(repCmd, recTrace.dir(), List.of()))
                .map(p -> readLog("rep", p, out)).orElse(null);
        long lo = d.lastAgreed() >= 0 ? d.lastAgreed() : d.count();
        // the record trace has every TB the record run began, chained or not (tandem_trace runs in each TB's code)
        TbBoundaries boundaries = !d.noReplayBoundary() ? null : new TbBoundaries("rep", d.replayTbAt(), d.count(), -1, false,
                "the record run began a TB at guest instruction " + d.count() + " and the replay did not: its TB "
                        + (d.replayTbAt() >= 0 ? "began at " + d.replayTbAt() + " and " : "") + "ran through it, and the two runs"
                        + " began no TB at one count again within " + TraceComparison.REALIGN_WITHIN + " guest instructions");
        out.println(Explanation.at(lo, d.count(), d.groups().contains(TraceComparison.Group.TLB), List.of(), boundaries, rec, rep));
    }

    private static NondetLog readLog(String side, Path p, PrintStream out) {
        try {
            return NondetLog.cached(p);
        } catch (RuntimeException e) {
            out.println(side + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * How far behind the last count where the comparison found both runs agreeing the replay
     * under gdb follows (guest instructions): a move stops up to one TB past its count (QEMU's
     * longest TB: 512 instructions), so it stays before the divergence. The least move worth a
     * stop, and the longest (the move under way when the comparison ends is waited for).
     */
    static final long FOLLOW_BEHIND = 1L << 14, FOLLOW_LEAST = 1L << 18, FOLLOW_MOST = 1L << 24;

    /**
     * While the comparison runs, moves the replay under gdb on behind it, to counts where the runs
     * agree, so that gdb's run to the divergence overlaps the traced replay instead of following
     * it. A move that fails (the replay ended or failed before the count) ends the following: the
     * move to the divergence then says what went wrong.
     */
    private static void follow(PandaSession s, AtomicLong agreed, AtomicBoolean compared, AtomicLong followedTo) {
        try {
            long at = s.instrCount();
            while (!compared.get()) {
                long target = agreed.get() - FOLLOW_BEHIND;
                if (target - at >= FOLLOW_LEAST) {
                    at = s.toInstr(Math.min(target, at + FOLLOW_MOST), false);
                    followedTo.set(at);
                } else {
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // left where it is; the move to the divergence goes from there or runs the replay again
        }
    }

    /** Closes the live side once it is open (or its opening failed): no gdb or PANDA outlives the search. */
    private static void closeOnceOpen(CompletableFuture<PandaSession> opening) {
        try {
            opening.join().close();
        } catch (RuntimeException ignored) {
            // it did not open: nothing is left running
        }
    }

    static String tlbEntry(long[] w) {
        if (w.length < 6) return java.util.Arrays.toString(w);
        return String.format("VPN2 0x%x PageMask 0x%x ASID %d flags 0x%x PFN 0x%x/0x%x", w[0], w[1], w[2], w[3], w[4], w[5]);
    }

    static String named(long[] regs) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < regs.length; i++) {
            String n = i < MIPS_REGISTERS.size() ? MIPS_REGISTERS.get(i) : "r" + i;
            s.append(String.format("%-8s 0x%08x", n, regs[i])).append((i + 1) % 4 == 0 ? "\n" : "  ");
        }
        return s.toString().stripTrailing();
    }

    private static String indent(String s) {
        return "  " + s.replace("\n", "\n  ");
    }

    static String tail(String s, int lines) {
        String[] l = s.split("\n");
        return String.join("\n", java.util.Arrays.asList(l).subList(Math.max(0, l.length - lines), l.length));
    }
}
