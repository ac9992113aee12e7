// What the search's phases share (Bisector conducts them): the two sides, the bounds and what the
// phases found so far, the probe (both sides to the same count, met by Sync, signatures compared),
// checkpoints kept where running again would cost more, and the search's log (SearchLog).
package tandem.bisect;

import tandem.debugger.OpStats;
import tandem.panda.Both;
import tandem.panda.Pair;
import tandem.panda.time.WaysBack;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

final class Search {
    /** A comparison of both sides at one common count; null signatures when a side can't get there. */
    record Probe(long instr, Signature rec, Signature rep, boolean same) {
    }

    final Pair pair;
    final BisectOptions opts;
    final Side rec;
    final Side rep;
    final SearchLog log;
    final Sync sync;
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
    /** Set when the search ended with a side's end inside the other's chain of TBs: which counts, which side, what to say. */
    TbBoundaries endInChain;
    /** What differed at the first differing count, for the analysis to watch when the sides stand at the last equal one; or null. */
    List<Location> watchFromEqual;
    /** Locations the next sweep watches (they differed where the sides stood before it), or null. */
    List<Location> watchInSweep;
    /** What the last sweep's watch saw on each side, when it watched to its end. */
    Both<ArmedWatch> sweptWatch;
    /** The bracket came from traced replays outside gdb (TracedPass), not from comparisons under gdb. */
    boolean fromTraces;

    Search(Pair pair, BisectOptions opts) {
        this.pair = pair;
        this.opts = opts;
        this.rec = new Side(pair.rec(), opts.moveLimit());
        this.rep = new Side(pair.rep(), opts.moveLimit());
        this.baseStops = pair.rec().stops() + pair.rep().stops();
        this.log = new SearchLog(opts, this::stops);
        this.sync = new Sync(rec, rep, log::note);
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
     * guest instructions before it (CheckpointPolicy.WHEN_FAR).
     */
    void keepCheckpointIfFar(long at, long distance) {
        both(s -> {
            s.session.timeline().keepCheckpointIfFar(at, distance);
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
        return rec.session.rewind() == WaysBack.Rewind.REEXECUTION || rep.session.rewind() == WaysBack.Rewind.REEXECUTION;
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
        return pair.rec().stops() + pair.rep().stops() - baseStops;
    }

    long elapsedMillis() {
        return log.elapsedMillis();
    }

    String endedSides() {
        List<String> s = new ArrayList<>();
        for (Side x : List.of(rec, rep)) if (x.ended()) s.add(x.name + " ended at " + x.lastSeen() + " (" + x.endedHow() + ")");
        return s.isEmpty() ? "neither side ended" : String.join("; ", s);
    }

    /** What differed at the first differing count, for the analysis to watch when the sides stand at the last equal one; or null. */
    List<Location> watchFromEqual() {
        return watchFromEqual;
    }

    /** The last sweep's watch (for the analysis: writes it need not run back to see), or null. */
    Both<ArmedWatch> sweptWatch() {
        return sweptWatch;
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
