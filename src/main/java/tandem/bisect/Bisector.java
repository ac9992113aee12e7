// The divergence search: finds the first guest instruction count at which rep's state differs from
// rec's, and what differs there. It conducts phases that live in files of their own:
//   Scan       forward from lo to the first period (or stride) whose signatures differ
//   Narrowing  bisection of that bracket down to adjacent TB boundaries, RAM checked at its end
//   Sweep      forward passes, TB-by-TB sweeps and traced stretches over a narrow bracket
//   Analysis   what differs at the bracket (registers, RAM ranges, TLB) and the write that did it
//   Ends       what the search makes of a side's end (a failed replay's abort, an exit, hi)
// and shares with them the probe (both sides to the same count, met by Sync, signatures compared)
// and the search's log and resume state (SearchLog). See Strategy for the two ways it moves.
package tandem.bisect;

import tandem.debugger.LiveProgram;
import tandem.debugger.OpStats;
import tandem.panda.Arch;
import tandem.panda.Both;
import tandem.panda.Pair;
import tandem.panda.PandaException;
import tandem.panda.PandaSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

public final class Bisector {
    /** The search's bounds leave nothing to compare: searching again with them meets the same answer. */
    public static final class BoundsRefused extends PandaException {
        BoundsRefused(String message) {
            super(message);
        }
    }

    /** A comparison of both sides at one common count; null signatures when a side can't get there. */
    record Probe(long instr, Signature rec, Signature rep, boolean same) {
    }

    final Pair pair;
    final BisectOptions opts;
    final Side rec;
    final Side rep;
    final SearchLog log;
    final Sync sync;
    final Ends ends;
    final Scan scan;
    final Narrowing narrowing;
    final Sweep sweep;
    private final int baseStops;

    // what the phases find and share, in the order a search sets them
    /** The search's bounds: lo, and hi (-1: up to where a side ends, until a side's end sets it). */
    long lo;
    long hi;
    /** lo, and the scan's stops, whose cheap signatures (regs, TLB) agreed. */
    final List<Long> verified = new ArrayList<>();
    /** Counts the narrowing found equal on the cheap signatures, in the order found (increasing). */
    final List<Long> cheapSame = new ArrayList<>();
    /** The bracket's upper end is hi + 1, where the search stops, not a side's end. */
    boolean upperIsHi;
    /** The narrowing lowered its upper end below a probe whose sides shared no TB boundary nearby. */
    boolean upperUnsure;
    /** While set, a probe's RAM signature covers these ranges only. */
    List<MemoryRange> ramFocus;
    /** Set when the search ended with a side's end inside the other's chain of TBs: what to say. */
    String endInChain;

    private Bisector(Pair pair, BisectOptions opts) {
        this.pair = pair;
        this.opts = opts;
        this.rec = new Side(pair.rec(), opts.moveLimit());
        this.rep = new Side(pair.rep(), opts.moveLimit());
        this.baseStops = pair.rec().stops() + pair.rep().stops();
        this.log = new SearchLog(opts, this::stops);
        this.sync = new Sync(rec, rep, log::note);
        this.ends = new Ends(this);
        this.scan = new Scan(this);
        this.narrowing = new Narrowing(this);
        this.sweep = new Sweep(this);
    }

    /** Runs a search. Bad input and lost debuggers are PandaExceptions saying what to do. */
    public static Divergence search(Pair pair, BisectOptions opts) {
        return new Bisector(pair, opts).run();
    }

    private Divergence run() {
        if (!rec.hasRegsChecksum() || !rep.hasRegsChecksum()) {
            note("this PANDA build has no rr_checksum_regs(): comparing registers read one by one and a crc32 of RAM");
        }
        log.resume();
        ResumeState state = log.state;
        OpStats.phase("1 begin");
        Both<Long> begins = both(s -> s.session.begin() >= 0 ? s.session.begin() : s.session.beginRecordOrReplay());
        // ram_size comes from -m: compare once both programs have started, not at their first instruction
        checkSameBuild();
        // the TLB array is reached through the CPU state, which exists once the program runs
        if (!rec.hasTlbHash() && rec.session.arch().hasSoftwareTlb()) {
            note("gdb finds no TLB entry array (env->tlb->mmu.r4k.tlb) in this PANDA build: TLB differences are not compared");
        }
        long first = Math.max(begins.rec(), begins.rep());
        lo = opts.lo() != null ? opts.lo() : state.lo >= 0 ? state.lo : first;
        hi = opts.hi() != null ? opts.hi() : opts.instrMax() != null ? opts.instrMax() : state.hi;
        if (lo < first) {
            throw new BoundsRefused("lo " + lo + " is before the first TB after record/replay began (" + first
                    + "): use a lo of at least " + first);
        }
        if (hi >= 0 && hi <= lo) {
            throw new BoundsRefused("the bounds are reversed or empty: lo " + lo + ", hi " + hi + " (want lo < hi)");
        }
        state.lo = lo;
        state.hi = hi;
        state.strategy = opts.strategy().name();
        save();
        // the first probes can take seconds (a side may run from its start): say at once what is searched
        progress("start", lo, hi, 0);

        Bracket bracket = opts.skipBisectTime() ? givenBracket()
                : opts.strategy() == Strategy.DIVERGE ? divergeBracket() : tandemBracket();
        if (bracket == null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            save();
            long end = hi >= 0 ? hi : Math.max(rec.lastSeen(), rep.lastSeen());
            return Divergence.none(lo, end, notes(), probes(), stops(), elapsedMillis(), instrMax(end));
        }
        if (sameReplay()) note(NOT_DETERMINISTIC);
        OpStats.phase("5 analysis");
        if (bracket.equal() >= 0) progress("analyse", bracket.equal(), bracket.differ(), 0);
        state.phase = ResumeState.Phase.ANALYSE;
        log.bracket(bracket.equal(), bracket.differ());
        save();
        if (endInChain != null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            save();
            return Divergence.withinChain(lo, hi, bracket.equal(), bracket.differ() - 1, endInChain, notes(), probes(), stops(),
                    elapsedMillis(), instrMax(hi));
        }
        Divergence d = new Analysis(this).at(bracket.equal(), bracket.differ());
        OpStats.phase("-");
        state.phase = ResumeState.Phase.DONE;
        save();
        return d;
    }

    /** Said when two runs of one PANDA replay differ (measured on arm-softmmu: LINUX-GUESTS.md). */
    static final String NOT_DETERMINISTIC = "rec and rep are one replay (the same PANDA command line in the same directory, the same"
            + " commands at its begin), yet they differ: PANDA's replay of this recording is not deterministic (something the"
            + " nondet log does not hold reaches the guest, such as a timer read from the host's clock); below is where two"
            + " runs of it first part";

    /** Both sides run the same PANDA command line (program, arguments, directory) with the same commands at its begin. */
    private boolean sameReplay() {
        return rec.session.debugger().target() instanceof LiveProgram a && a.equals(rep.session.debugger().target())
                && a.args().contains("-replay") && rec.session.atBeginCommands().equals(rep.session.atBeginCommands());
    }

    private void checkSameBuild() {
        Arch a = pair.rec().arch(), b = pair.rep().arch();
        if (a != b) {
            throw new PandaException("rec is a " + a.qemuName() + " PANDA and rep a " + b.qemuName()
                    + " one: give the two traces of one recording (PANDA recording it, PANDA replaying it)");
        }
        for (String size : List.of("sizeof(CPUState)", "sizeof(" + a.stateStruct() + ")", "ram_size")) {
            Both<Long> v = both(s -> s.gdb.evaluateUnsigned(size));
            if (!v.rec().equals(v.rep())) {
                throw new PandaException("rec and rep are different PANDA builds or machines: " + size + " is "
                        + v.rec() + " in rec and " + v.rep() + " in rep. Record and replay with the same build and -m.");
            }
        }
    }

    // ---- the bracket each way of searching finds (null: the runs agree up to hi or their end) ----

    /** --skip-bisect-time: the bounds are the bracket, checked rather than trusted blindly. */
    private Bracket givenBracket() {
        if (hi < 0) throw new PandaException("--skip-bisect-time needs both bounds: --instr-bounds=LO,HI");
        Probe h = probe(hi, true, true);
        if (h == null) throw new PandaException("a side ends before hi " + hi + " (" + endedSides() + ")");
        if (h.same()) throw new PandaException("rec and rep agree at hi " + hi + ": it is not a bracket; drop --skip-bisect-time");
        Probe l = probe(lo, true, true);
        if (l == null || !l.same()) throw new PandaException("rec and rep already differ at lo " + lo + ": it is not a bracket");
        // the bracket is trusted, not its width: narrow inside it so the count named is the first that differs
        log.state.phase = ResumeState.Phase.NARROW;
        return narrowing.bisect(Bracket.differing(l.instr(), h.instr()), true, true);
    }

    /** tandem's way (Strategy.TANDEM): scan, then narrow on the cheap signatures. */
    private Bracket tandemBracket() {
        ResumeState state = log.state;
        Bracket found;
        if (state.phase.compareTo(ResumeState.Phase.NARROW) >= 0 && state.equalAt >= 0) {
            found = Bracket.differing(state.equalAt, state.differAt);
        } else {
            // regs and TLB only: lo's RAM is hashed only if the final check finds RAM differing
            // (see Narrowing.cheap), which saves a crc32 of all RAM per side on most searches
            Probe start = probe(lo, true, true, true, false);
            if (start == null) throw ends.noStartAt(lo);
            if (!start.same()) return Bracket.differing(-1, start.instr());
            // going back re-executes a whole run: scan forward period by period instead of striding
            // out and bisecting back, so that the search runs each side from its start only a few times
            found = reexecutes() ? scan.periods(start.instr()) : scan.strides(start.instr());
            if (found == null) return null;
        }
        if (found.width() <= 1 && found.differs()) return found;
        state.phase = ResumeState.Phase.NARROW;
        return narrowing.cheap(found);
    }

    /**
     * diverge.py: hi from a run of rep to its end, then a plain bisection over [lo, hi] with RAM and
     * register checksums at every probe, both sides moving at once. Its breakpoint conditions read
     * rr_guest_instr_count at its address, and gdb's default condition evaluation (auto) leaves
     * them to the target where it can test them (rr, gdbserver): nothing is set here.
     */
    private Bracket divergeBracket() {
        for (Side s : List.of(rec, rep)) s.session.countCondition(s.session.divergeCountExpression());
        OpStats.phase("2 upper bound");
        if (hi < 0) hi = ends.upperBoundFromEnd();
        OpStats.phase("4 narrow");
        // diverge.py's All runs each call on both sides through ThreadPool(2): both move at once
        Probe start = probe(lo, true, false);
        if (start == null) throw ends.noStartAt(lo);
        if (!start.same()) return Bracket.differing(-1, start.instr());
        Probe end = probe(hi, true, false);
        long differ = end == null ? hi + 1 : end.instr();
        if (end != null && end.same()) return null;
        log.state.phase = ResumeState.Phase.NARROW;
        return narrowing.bisect(new Bracket(start.instr(), differ, end != null), true, false);
    }

    // ---- probing: both sides to one count, compared there ----

    /**
     * Both sides to the first common TB boundary at or after n; compares signatures there. Null
     * when a side ends before any. cheapFirst: RAM crc32 only when regs and TLB agree.
     */
    Probe probe(long n, boolean parallel, boolean cheapFirst) {
        return probe(n, parallel, cheapFirst, true);
    }

    /** probe; keep: whether the count reached gets a checkpoint on each side. */
    Probe probe(long n, boolean parallel, boolean cheapFirst, boolean keep) {
        return probe(n, parallel, cheapFirst, keep, true);
    }

    /** probe; withRam false: regs and TLB only, whatever they say. */
    Probe probe(long n, boolean parallel, boolean cheapFirst, boolean keep, boolean withRam) {
        Both<Boolean> moved = parallel ? both(s -> s.moveTo(n, keep)) : new Both<>(rec.moveTo(n, keep), rep.moveTo(n, keep));
        if (!moved.rec() || !moved.rep()) return null;
        long c = sync();
        if (c < 0) return null;
        log.probes++;
        Both<Signature> sig = parallel ? both(Side::cheapHere) : new Both<>(rec.cheapHere(), rep.cheapHere());
        boolean same = sig.rec().differences(sig.rep()).isEmpty();
        if (withRam && (same || !cheapFirst)) {
            Both<Long> ram = parallel ? both(this::ramOf) : new Both<>(ramOf(rec), ramOf(rep));
            sig = new Both<>(sig.rec().withRam(ram.rec()), sig.rep().withRam(ram.rep()));
            same = sig.rec().differences(sig.rep()).isEmpty();
        }
        log.saw(c, sig.rec(), sig.rep());
        compared(same);
        return new Probe(c, sig.rec(), sig.rep(), same);
    }

    /**
     * Both sides stand at count c (a sync met there): their signatures read by {@code read} and
     * compared, counted as a probe and kept in the resume state.
     */
    Probe compareHere(long c, Function<Side, Signature> read) {
        log.probes++;
        Both<Signature> sig = both(read);
        log.saw(c, sig.rec(), sig.rep());
        return new Probe(c, sig.rec(), sig.rep(), sig.rec().differences(sig.rep()).isEmpty());
    }

    /** Both sides, from where they stand, to the same TB boundary: see Sync.meet. -1 if a side ends. */
    long sync() {
        return sync(Integer.MAX_VALUE);
    }

    /** sync, giving up with Sync.NO_COMMON_BOUNDARY after maxMoves moves without the sides meeting. */
    long sync(int maxMoves) {
        return sync.meet(Sync.PROBE, rec.count(), rep.count(), maxMoves);
    }

    /** After a comparison where the last sync met: see Sync.compared. */
    void compared(boolean same) {
        sync.compared(same);
    }

    /** Moves both sides to TB count {@code n} and syncs them there; false when they do not both stand at {@code n}. */
    boolean bothTo(long n) {
        Both<Boolean> moved = both(s -> s.moveTo(n, false));
        return moved.rec() && moved.rep() && sync() == n;
    }

    /**
     * A checkpoint at an equal count both sides stand at, unless one is within {@code distance}
     * guest instructions before it: a fork costs about as much as gdb stopping at a few hundred
     * TBs, so it pays only where running again from the nearest checkpoint would cost more.
     */
    void keepCheckpointIfFar(long at, long distance) {
        both(s -> {
            long from = s.session.checkpoints().atOrBefore(at).map(Map.Entry::getKey).orElse(-1L);
            if (from < 0 || at - from > distance) s.keepCheckpointHere();
            return null;
        });
    }

    /**
     * What forward passes and sweeps compare: the cheap signature (read at the count last seen
     * when {@code here}), and while a search focuses on RAM ranges, a crc32 of those.
     */
    Signature passSignature(Side s, boolean here) {
        Signature sig = here ? s.cheapHere() : s.cheap();
        List<MemoryRange> focus = ramFocus;
        return focus == null ? sig : sig.withRam(s.ram(focus));
    }

    /** A side's RAM signature: all of RAM, or only the ranges a search focuses on. */
    long ramOf(Side s) {
        List<MemoryRange> focus = ramFocus;
        return focus == null ? s.ram() : s.ram(focus);
    }

    /** Disarms both sides' traces, whatever happened (Ctrl-C, a gdb lost): later moves must not record, or stop, there. */
    void endTraces() {
        for (Side s : List.of(rec, rep)) {
            try {
                s.endTrace();
            } catch (RuntimeException ignored) {
                // that side's gdb is gone, and its breakpoints with it
            }
        }
    }

    /**
     * A side's trace has returned: if the side ended (a failed replay aborts), the other runs on
     * only to where it ended (a side behind by a few periods still records its rows up to there).
     */
    <T> T endsStopOther(Side s, T result) {
        if (s.ended()) (s == rec ? rep : rec).stopTraceAt(s.lastSeen());
        return result;
    }

    /** Both sides' targets test breakpoint conditions themselves (gdbserver, rr): a false one costs gdb nothing. */
    boolean targetsTestConditions() {
        return rec.session.debugger().target().evaluatesConditions() && rep.session.debugger().target().evaluatesConditions();
    }

    /** Whether going back on either side means running it again from its start (no checkpoints). */
    boolean reexecutes() {
        return rec.session.rewind() == PandaSession.Rewind.REEXECUTION || rep.session.rewind() == PandaSession.Rewind.REEXECUTION;
    }

    // ---- plumbing ----

    Side rec() {
        return rec;
    }

    Side rep() {
        return rep;
    }

    BisectOptions opts() {
        return opts;
    }

    <T> Both<T> both(Function<Side, T> call) {
        return pair.both(s -> call.apply(s == pair.rec() ? rec : rep));
    }

    void note(String message) {
        log.note(message);
    }

    List<String> notes() {
        return log.notes();
    }

    int probes() {
        return log.probes;
    }

    long lo() {
        return lo;
    }

    long hi() {
        return hi;
    }

    /** The replay's maximum count (diverge.py's instr_count_max): --instr-max when given, else the search's upper end. */
    long instrMax(long searchHi) {
        return opts.instrMax() != null ? opts.instrMax() : searchHi;
    }

    int stops() {
        return pair.rec().stops() + pair.rep().stops() + rec.stops() + rep.stops() - baseStops;
    }

    long elapsedMillis() {
        return log.elapsedMillis();
    }

    String endedSides() {
        return ends.endedSides();
    }

    /** What differed at the first differing count, for the analysis to watch when the sides stand at the last equal one; or null. */
    List<Analysis.Location> watchFromEqual() {
        return sweep.watchFromEqual;
    }

    /** The last sweep's watch (for the analysis: writes it need not run back to see), or null. */
    Both<ArmedWatch> sweptWatch() {
        return sweep.sweptWatch;
    }

    /** Reports a phase's bracket [l, h]: see SearchLog.progress. */
    void progress(String phase, long l, long h, int left) {
        log.progress(phase, l, h, left, hi);
    }

    /** The bracket as it stands, in the resume state. */
    void bracket(long equal, long differ) {
        log.bracket(equal, differ);
    }

    void save() {
        log.save(pair);
    }
}
