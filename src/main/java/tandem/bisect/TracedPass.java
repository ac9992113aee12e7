// The search's first phase where both sides are live PANDA replays under gdb and going back runs a
// side again from its start: instead of gdb's scan (a stop, or a Python hit, per period) and
// narrowing (a run back per side per stretch), both replays run once more outside gdb with tandem's
// PANDA plugin (TracedReplays), whose traces name the first TB where they differ and whose rings
// hold every register there. gdb then takes each side once to the last equal TB, checks it in full
// (registers, TLB, RAM), and the analysis watches from there what the rings say differs: one run of
// each side under gdb, after one traced run. Where it can't answer, the search goes the old way.
package tandem.bisect;

import tandem.debugger.DebuggerException;
import tandem.debugger.LiveProgram;
import tandem.debugger.OpStats;
import tandem.panda.Arch;
import tandem.panda.Both;
import tandem.panda.PandaException;
import tandem.panda.nondet.NondetLog;
import tandem.panda.trace.ReplayRing;
import tandem.panda.trace.TraceException;
import tandem.panda.trace.TracePlugin;
import tandem.panda.trace.TraceRegisters;
import tandem.panda.trace.TracedReplays;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

final class TracedPass {
    /**
     * How the sides under gdb follow the comparison while the traced replays run: this many guest
     * instructions below the last count found equal, in moves of at least FOLLOW_LEAST and at most
     * FOLLOW_MOST (a move in progress when the comparison ends is waited for: some 0.25 s at most).
     */
    /** Bytes the traced replays leave free in the temporary folder: the disk is the machine's, not the search's. */
    static final long ROOM_LEFT = 1L << 30;
    static final long FOLLOW_BEHIND = 1L << 14, FOLLOW_LEAST = 1L << 20, FOLLOW_MOST = 1L << 22;

    private final Search b;
    private final Side rec;
    private final Side rep;
    /** Set when gdb found the sides differing already at the traces' last equal TB: [lo, that TB], to narrow under gdb. */
    private Bracket below;

    TracedPass(Search b) {
        this.b = b;
        this.rec = b.rec;
        this.rep = b.rep;
    }

    /**
     * Why the traced replays can't stand in for the sides, or null when they can: both sides are
     * PANDA replays gdb started itself (the plugin's launcher runs the same command line), with
     * no commands at their begin (which only gdb can run), and going back re-executes. Asked only
     * when the options allow traced replays.
     */
    String refusal() {
        if (!b.reexecutes()) return "going back is cheap here";
        for (Side s : List.of(rec, rep)) {
            if (!(s.session.debugger().target() instanceof LiveProgram p)) return s.name + " is not a PANDA gdb starts itself (an rr replay, a gdb server)";
            if (!p.args().contains("-replay")) return s.name + " does not replay (no -replay NAME on its command line)";
            if (!s.session.atBeginCommands().isEmpty()) return s.name + " runs commands at its begin, which only gdb can run";
        }
        if (rec.session.debugger().target().equals(rep.session.debugger().target())) {
            // two runs outside gdb need not agree with the two under gdb where a replay is not deterministic
            return "rec and rep are one replay (the same command line): where it is not deterministic, runs outside gdb need not part where the runs under gdb do";
        }
        if (TraceRegisters.of(rec.session.arch()).isEmpty()) return "tandem's PANDA plugin has no register list for " + rec.session.arch().qemuName();
        return null;
    }

    /**
     * The bracket {last equal TB, first differing TB}, adjacent TB boundaries both sides have, with
     * both sides standing at the first and checked equal there in full; and the analysis' watch
     * (Search.watchFromEqual) set from the rings. Null when the traced replays can't answer: the
     * reason is noted and the sides stand where they stood, or at a count the old way can go on from.
     */
    Bracket find() {
        OpStats.phase("2 traced replays");
        LiveProgram recProgram = (LiveProgram) rec.session.debugger().target();
        LiveProgram repProgram = (LiveProgram) rep.session.debugger().target();
        Path launcher;
        try {
            launcher = TracePlugin.launcherFor(recProgram.program(), new PrintStream(OutputStream.nullOutputStream()));
        } catch (TraceException e) {
            b.note("searching under gdb: the replays can't run with tandem's PANDA plugin (" + e.getMessage() + ")");
            return null;
        }
        if (!repProgram.program().equals(recProgram.program())) {
            try {
                if (!TracePlugin.launcherFor(repProgram.program(), new PrintStream(OutputStream.nullOutputStream())).equals(launcher)) {
                    b.note("searching under gdb: rec and rep run different PANDA builds");
                    return null;
                }
            } catch (TraceException e) {
                b.note("searching under gdb: rep can't run with tandem's PANDA plugin (" + e.getMessage() + ")");
                return null;
            }
        }
        String room = roomRefusal();
        if (room != null) {
            b.note("searching under gdb: " + room);
            return null;
        }
        b.note("replaying rec and rep once more outside gdb, at once, with tandem's PANDA plugin (each about 1.25x a plain replay;"
                + " the sides under gdb follow), to find the first TB where they differ (Ctrl-C stops it)");
        b.progress("traced replays", b.lo, b.hi, 0);
        TracedReplays.Found f;
        AtomicLong agreed = new AtomicLong(-1);
        AtomicBoolean compared = new AtomicBoolean(false);
        List<Thread> followers = List.of(follow(rec, agreed, compared), follow(rep, agreed, compared));
        try {
            f = TracedReplays.compare(replay(recProgram), replay(repProgram), launcher, b.lo, b.hi,
                    () -> rec.session.interrupted() || rep.session.interrupted(), agreed::set);
        } catch (TraceException e) {
            if (rec.session.interrupted() || rep.session.interrupted()) throw new PandaException("interrupted during the traced replays");
            b.note("searching under gdb: the traced replays failed: " + e.getMessage());
            return null;
        } finally {
            compared.set(true);
            for (Thread t : followers) joinQuietly(t);
        }
        if (!f.differs()) {
            b.note("the traced replays (" + f.millis() / 1000.0 + " s) found no TB where they differ " + (b.hi >= 0 ? "below hi " + b.hi : "up to where one ended")
                    + " (rec's trace to " + f.recEnd() + ended(f.recEnded()) + ", rep's to " + f.repEnd() + ended(f.repEnded())
                    + "): searching under gdb, which also compares RAM and sees where a side ends");
            return null;
        }
        b.note("the traced replays (" + f.millis() / 1000.0 + " s, outside gdb) first differ at guest instruction " + f.firstDiffer()
                + " (" + groups(f.differing()) + "), the TB after " + f.lastEqual() + ": gdb takes both sides there");
        if (f.recEnded() != null) b.note("rec's traced replay ended on its own: " + f.recEnded());
        if (f.repEnded() != null) b.note("rep's traced replay ended on its own: " + f.repEnded());
        long e = f.lastEqual();
        if (e < b.lo) {
            b.note("the traced replays differ at the first TB both begin from lo " + b.lo + " on: searching under gdb");
            return null;
        }
        OpStats.phase("3 to the last equal TB");
        List<Location> watch = watchLocations(f);
        Search.Probe p = b.probe(e, true, false, false);
        if (p == null) {
            b.note("can't get both sides to " + e + " under gdb (" + b.endedSides() + "): searching under gdb");
            return null;
        }
        if (p.instr() != e) {
            b.note("under gdb the sides meet at " + p.instr() + ", not at " + e + " where the traces do: searching under gdb");
            return null;
        }
        if (!p.same()) {
            // lo agreed, e does not: a bracket all the same, narrowed under gdb (RAM is not traced)
            b.note("under gdb the sides already differ at " + e + " (" + String.join(", ", p.rec().differences(p.rep()))
                    + "), where the traces agree (RAM is not traced): narrowing [" + b.lo + ", " + e + "] under gdb");
            b.log.state.differAt = e;
            b.save();
            below = Bracket.differing(b.lo, e);
            return null;
        }
        b.verified.add(e);
        b.log.state.equalAt = e;
        b.log.state.differAt = f.firstDiffer();
        b.save();
        if (!watch.isEmpty()) b.watchFromEqual = watch;
        b.fromTraces = true;
        return Bracket.differing(e, f.firstDiffer());
    }

    /**
     * One side under gdb following the comparison (see FOLLOW_BEHIND) on a thread of its own until
     * {@code compared}: only to counts below where both replays agreed, so never past the last
     * equal TB. A move that fails (Ctrl-C, a lost gdb) ends the following; the search then finds
     * the side where that left it.
     */
    private static Thread follow(Side s, AtomicLong agreed, AtomicBoolean compared) {
        Thread t = new Thread(() -> {
            long at = Math.max(0, s.lastSeen());
            try {
                while (!compared.get()) {
                    long target = agreed.get() - FOLLOW_BEHIND;
                    if (target - at >= FOLLOW_LEAST) {
                        if (!s.moveTo(Math.min(target, at + FOLLOW_MOST), false)) return;
                        at = s.lastSeen();
                    } else {
                        Thread.sleep(20);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // left where it is: the move to the last equal TB goes on from there
            }
        }, "tandem-traced-follow-" + s.name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After find() gave null: the bracket [lo, e] when gdb found the sides differing at the traces' last equal TB e, else null. */
    Bracket below() {
        return below;
    }

    private static TracedReplays.Replay replay(LiveProgram p) {
        List<String> words = new ArrayList<>();
        words.add(p.program().toString());
        words.addAll(p.args());
        return new TracedReplays.Replay(words, p.workingDirectory(), p.stdin());
    }

    /** Why the temporary folder has no room for two traces as long as the search may run, or null. */
    private String roomRefusal() {
        long end = b.hi >= 0 ? b.hi : Math.max(lastCount(rec), lastCount(rep));
        if (end <= 0) return null;
        long need = 2 * end * TracedReplays.TRACE_BYTES_PER_INSTR + 2 * ReplayRing.bytes(TraceRegisters.of(rec.session.arch()).size());
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            long free = Files.getFileStore(tmp).getUsableSpace();
            if (free < need + ROOM_LEFT) {
                return "two replay traces up to guest instruction " + end + " and their rings need up to " + need / (1 << 20) + " MiB in " + tmp
                        + ", and tandem leaves " + ROOM_LEFT / (1 << 20) + " MiB free beside them; it has " + free / (1 << 20)
                        + " MiB free (-Djava.io.tmpdir=DIR: a folder with room" + (b.hi < 0 ? ", or a lower hi" : "") + ")";
            }
        } catch (IOException e) {
            return "can't see the free space for the replay traces: " + e.getMessage();
        }
        return null;
    }

    /** The count the side's nondet log ends at (its header: the replay's length), or -1 if not known. */
    private static long lastCount(Side s) {
        if (!(s.session.debugger().target() instanceof LiveProgram p)) return -1;
        int i = p.args().indexOf("-replay");
        if (i < 0 || i + 1 >= p.args().size()) return -1;
        Path log = p.workingDirectory().resolve(p.args().get(i + 1) + NondetLog.SUFFIX);
        try (var in = Files.newInputStream(log)) {
            byte[] h = in.readNBytes(8);
            return h.length < 8 ? -1 : java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String ended(String how) {
        return how == null ? "" : ", where its replay " + how.replaceFirst("^exited", "exited with").replaceFirst("^killed", "was killed");
    }

    private static String groups(int bits) {
        List<String> g = new ArrayList<>();
        if ((bits & TracedReplays.GENERAL) != 0) g.add("PC or general registers");
        if ((bits & TracedReplays.SYSTEM) != 0) g.add("system registers");
        if ((bits & TracedReplays.TLB) != 0) g.add("TLB");
        return String.join(", ", g);
    }

    /**
     * What the analysis watches on the way from the last equal TB: the registers the rings show
     * differing at the first differing TB (PC first, as Analysis orders them), then the TLB
     * fields that differ there. Empty when the rings no longer held that TB.
     */
    private List<Location> watchLocations(TracedReplays.Found f) {
        List<Location> out = new ArrayList<>();
        Arch arch = rec.session.arch();
        if (f.recRegs() != null && f.repRegs() != null) {
            List<TraceRegisters.Register> regs = TraceRegisters.of(arch);
            for (int i = 0; i < Math.min(regs.size(), Math.min(f.recRegs().length, f.repRegs().length)); i++) {
                if (f.recRegs()[i] == f.repRegs()[i]) continue;
                add(out, regs.get(i).name(), regs.get(i).lvalue());
            }
        } else {
            b.note("the traced replays ran more than a ring past " + f.firstDiffer() + ": what differs there is read under gdb, after a run back");
        }
        if (arch == Arch.MIPS) {
            for (Map.Entry<Integer, long[]> t : f.repTlb().entrySet()) {
                long[] x = f.recTlb().get(t.getKey()), y = t.getValue();
                for (int w = 0; w < y.length; w++) {
                    if (x != null && x[w] == y[w]) continue;
                    String field = TraceRegisters.mipsTlbField(t.getKey(), w);
                    if (field != null) arch.guestState(field).ifPresent(lv -> add(out, field, lv));
                }
            }
        }
        return out;
    }

    private void add(List<Location> out, String name, String lvalue) {
        try {
            Both<Long> addr = b.both(s -> s.gdb.evaluateUnsigned("&" + lvalue));
            int size = (int) rec.gdb.evaluateUnsigned("sizeof(" + lvalue + ")");
            out.add(new Location(name, addr.rec(), addr.rep(), Math.min(size, 8)));
        } catch (DebuggerException e) {
            b.note("can't watch " + name + " (" + lvalue + "): " + e.getMessage());
        }
    }
}
