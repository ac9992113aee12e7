// Two replays run at once, outside gdb, each with tandem's PANDA plugin writing its trace (and a
// ring of its last TBs' registers): the traces are compared TB by TB as they are written, and once
// they first differ (or reach the bound) both replays are ended. A replay with the plugin runs at
// about 1.2-1.3x a plain replay (README "Its cost per TB"), where gdb's own ways of looking at every
// TB stop the program at each.
package tandem.panda.trace;

import tandem.panda.ReplayOutput;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

public final class TracedReplays {
    /** Bits of a TB entry's summary (TraceFile): PC and general registers, system registers, TLB. */
    public static final int GENERAL = 0x0000ffff, SYSTEM = 0x00ff0000, TLB = 0xff000000;
    /**
     * Bytes of replay trace without PCs per guest instruction, an upper bound for the disk check:
     * a TB entry is 5 bytes and a TB at least one instruction (measured: 2.8 on the MIPS guest's
     * UART loop, TBs of 1 to 4 instructions; 0.4 on the x86_64 Linux guest); a full record each
     * 2^17 instructions and the TLB changes add little beside.
     */
    public static final long TRACE_BYTES_PER_INSTR = 5;
    /**
     * TB entries a replay may write ahead of the comparison (the plugin's lead=N): half a ring of
     * ReplayRing.SLOTS, so that the registers at the first differing TB are still in both rings
     * when the comparison names it, however short the TBs.
     */
    static final long LEAD = ReplayRing.SLOTS / 2;
    /** TB entries compared between two reports of how far the replays agree. */
    static final int AGREED_EVERY = 4096;

    /** One replay: PANDA's command line (its program first), its working directory, its stdin (null: none). */
    public record Replay(List<String> words, Path dir, Path stdin) {
    }

    /**
     * What the comparison found.
     *
     * @param lastEqual   the last count where both replays began a TB with the same summary (-1: none)
     * @param firstDiffer the next count where both began one, their summaries differing (-1: none up to the bound or an end)
     * @param differing   the summary bits that differ there (GENERAL, SYSTEM, TLB)
     * @param recRegs     rec's registers at firstDiffer in the plugin's order (null: not kept)
     * @param repRegs     the same for rep
     * @param recTlb      rec's TLB at firstDiffer (entry -> words) when the TLB differs there, else empty
     * @param repTlb      the same for rep
     * @param recEnd      the last count rec's trace reached; {@code recEnded}: how its replay ended on its
     *                    own before the comparison was done ("exited 134: ..." with PANDA's replay point
     *                    when it printed one, "killed by signal 9"), null when the comparison ended it
     * @param millis      wall time from the start of the replays to the end of the comparison
     * @param registerCount registers per ring record; {@code pcIndex}: the PC's place among them
     */
    public record Found(long lastEqual, long firstDiffer, int differing, long[] recRegs, long[] repRegs,
                        Map<Integer, long[]> recTlb, Map<Integer, long[]> repTlb,
                        long recEnd, String recEnded, long repEnd, String repEnded, long millis, int registerCount, int systemFrom) {
        public boolean differs() {
            return firstDiffer >= 0;
        }
    }

    private TracedReplays() {
    }

    /**
     * Runs {@code rec} and {@code rep} with the plugin's launcher {@code launcher} (TracePlugin)
     * in place of their program, compares their traces from guest instruction {@code lo} up to
     * (not including) {@code hi} (-1: to their ends) at the counts where both began a TB, and ends
     * both replays once they differ or pass {@code hi}. {@code stop} (Ctrl-C) ends them at once: a
     * TraceException "interrupted". A replay that writes no trace is a TraceException with PANDA's
     * last lines. The files are removed afterwards. {@code agreedTo} hears, every
     * {@value #AGREED_EVERY} TB entries compared, the last count where both agreed so far.
     */
    public static Found compare(Replay rec, Replay rep, Path launcher, long lo, long hi, BooleanSupplier stop, LongConsumer agreedTo) {
        long t0 = System.nanoTime();
        Path tmp = null;
        List<Process> running = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread watcher = null;
        Thread onExit = null;
        try {
            tmp = Files.createTempDirectory("tandem-traced-replays-");
            // a JVM ended meanwhile (SIGINT to `tandem bisect`) leaves neither the replays nor their files
            Path folder = tmp;
            onExit = new Thread(() -> {
                for (Process p : running) p.destroyForcibly();
                for (Process p : running) end(p);
                removeAll(folder);
            }, "tandem-traced-replays-exit");
            Runtime.getRuntime().addShutdownHook(onExit);
            // there before the replays start, for the comparison to wait on (the plugin truncates it)
            Path recTrace = Files.createFile(tmp.resolve("rec-trace")), repTrace = Files.createFile(tmp.resolve("rep-trace"));
            Process r = start(rec, launcher, recTrace, tmp.resolve("rec-out.txt"));
            running.add(r);
            Process q = start(rep, launcher, repTrace, tmp.resolve("rep-out.txt"));
            running.add(q);
            watcher = stopWatcher(stop, running);
            TraceFile x = follow(recTrace, r, tmp.resolve("rec-out.txt"), "rec");
            TraceFile y = follow(repTrace, q, tmp.resolve("rep-out.txt"), "rep");
            long lastEqual = -1, differ = -1, xLast = -1, yLast = -1, compared = 0;
            int differing = 0;
            try (TraceFile.Entries a = x.entries(); TraceFile.Entries b = y.entries();
                 ReplayRing.Limit la = new ReplayRing.Limit(ReplayRing.of(recTrace), LEAD);
                 ReplayRing.Limit lb = new ReplayRing.Limit(ReplayRing.of(repTrace), LEAD)) {
                boolean ha = a.next(), hb = b.next();
                while (ha && hb) {
                    long ca = a.count(), cb = b.count();
                    xLast = ca;
                    yLast = cb;
                    if (a.index() + LEAD / 2 > la.get()) la.raise(a.index() + LEAD);
                    if (b.index() + LEAD / 2 > lb.get()) lb.raise(b.index() + LEAD);
                    if (hi >= 0 && (ca >= hi || cb >= hi)) break;
                    if (ca < cb) {
                        ha = a.next();
                    } else if (cb < ca) {
                        hb = b.next();
                    } else {
                        if (ca >= lo) {
                            int d = a.summary() ^ b.summary();
                            if (d != 0) {
                                differ = ca;
                                differing = d;
                                break;
                            }
                            lastEqual = ca;
                            if (++compared % AGREED_EVERY == 0) agreedTo.accept(lastEqual);
                        }
                        ha = a.next();
                        hb = b.next();
                    }
                }
            }
            if (stop.getAsBoolean()) throw new TraceException("interrupted");
            String recEnded = endedHow(r, tmp.resolve("rec-out.txt")), repEnded = endedHow(q, tmp.resolve("rep-out.txt"));
            for (Process p : running) end(p);
            long millis = (System.nanoTime() - t0) / 1_000_000L;
            if (differ < 0) return new Found(lastEqual, -1, 0, null, null, Map.of(), Map.of(), xLast, recEnded, yLast, repEnded, millis,
                    x.registerCount, x.systemFrom);
            long[] recRegs = ReplayRing.at(ReplayRing.of(recTrace), differ), repRegs = ReplayRing.at(ReplayRing.of(repTrace), differ);
            Map<Integer, long[]> recTlb = Map.of(), repTlb = Map.of();
            if ((differing & TLB) != 0) {
                recTlb = TraceFile.read(recTrace).tlbAt(differ);
                repTlb = TraceFile.read(repTrace).tlbAt(differ);
            }
            return new Found(lastEqual, differ, differing, recRegs, repRegs, recTlb, repTlb, xLast, recEnded, yLast, repEnded, millis,
                    x.registerCount, x.systemFrom);
        } catch (IOException e) {
            throw new TraceException("cannot run the traced replays: " + e.getMessage());
        } finally {
            if (watcher != null) watcher.interrupt();
            for (Process p : running) end(p);
            if (tmp != null) removeAll(tmp);
            if (onExit != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(onExit);
                } catch (IllegalStateException e) {
                    // the JVM is ending: the hook runs, and finds nothing left to do
                }
            }
        }
    }

    /** How a replay ended on its own (null: it still runs), with where PANDA's replay failed when its output says (ReplayOutput). */
    private static String endedHow(Process p, Path out) {
        if (p.isAlive()) return null;
        int code = p.exitValue();
        String how = code > 128 ? "killed by signal " + (code - 128) : "exited " + code;
        try {
            ReplayOutput text = new ReplayOutput(Files.exists(out) ? Files.readAllLines(out, StandardCharsets.ISO_8859_1) : List.of(), code);
            if (text.failed() && text.lastInstr().isPresent()) how += " (PANDA's replay failed at guest instruction " + text.lastInstr().getAsLong() + ")";
        } catch (IOException e) {
            // how it ended is said without PANDA's words
        }
        return how;
    }

    private static Process start(Replay r, Path launcher, Path trace, Path out) throws IOException {
        List<String> words = new ArrayList<>(r.words());
        words.set(0, launcher.toString());
        words.add("-panda");
        // no PCs: the summary's hash holds the PC, and two replays of one recording begin TBs at one count
        words.add("tandem_trace:file=" + trace + ",pcs=0,ring=" + ReplayRing.SLOTS + ",lead=" + LEAD);
        return new ProcessBuilder(words).directory(r.dir().toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(r.stdin() != null ? ProcessBuilder.Redirect.from(r.stdin().toFile()) : ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    private static TraceFile follow(Path trace, Process p, Path out, String side) throws IOException {
        try {
            return TraceFile.follow(trace, p::isAlive);
        } catch (TraceException e) {
            if (p.isAlive()) throw e;
            String text = Files.exists(out) ? Files.readString(out, StandardCharsets.ISO_8859_1).strip() : "";
            String[] lines = text.split("\n");
            String tail = String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 20), lines.length));
            throw new TraceException(side + "'s traced replay wrote no trace: it exited " + p.exitValue()
                    + " before replaying (" + e.getMessage() + "). PANDA said:\n" + tail);
        }
    }

    /** Ends the replays when {@code stop} says so (Ctrl-C): the comparison then meets the traces' ends. */
    private static Thread stopWatcher(BooleanSupplier stop, List<Process> running) {
        Thread t = new Thread(() -> {
            try {
                while (!stop.getAsBoolean()) Thread.sleep(50);
                for (Process p : running) p.destroyForcibly();
            } catch (InterruptedException e) {
                // the comparison is over
            }
        }, "tandem-traced-replays-stop");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void end(Process p) {
        if (!p.isAlive()) return;
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeAll(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            });
        } catch (IOException ignored) {
            // the folder is gone already
        }
    }
}
