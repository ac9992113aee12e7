// The divergence search: finds the first guest instruction count at which rep's state differs from
// rec's, and what differs there. See Strategy for the two ways it moves; both share the probe (both
// sides to the same count, synced TB by TB, signatures compared), the narrowing bisection, and the
// analysis at the bracket (registers, RAM ranges, TLB, then watchpoints for the write that did it).
package tandem.bisect;

import tandem.debugger.Breakpoint;
import tandem.debugger.DebuggerException;
import tandem.debugger.LiveProgram;
import tandem.debugger.OpStats;
import tandem.debugger.Stop;
import tandem.panda.Arch;
import tandem.panda.Both;
import tandem.panda.Pair;
import tandem.panda.PandaException;
import tandem.panda.PandaSession;
import tandem.panda.Registers;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

public final class Bisector {
    /** Scan strides (guest instructions) from which a scan stop keeps a checkpoint. */
    private static final long SCAN_CHECKPOINT_STEP = 16 * PandaSession.DEBUG_COUNTER_PERIOD;
    /** A bracket this narrow (guest instructions, some 70 TBs) is swept TB by TB rather than bisected. */
    private static final long SWEEP_BELOW = 2048;
    /** An equal probe this far (guest instructions) past the nearest checkpoint gets one. */
    private static final long CHECKPOINT_DISTANCE = 16384;
    /**
     * More than the guest instructions in one TB (QEMU's TCG_MAX_INSNS): a step for galloping back
     * and a margin for period-start probes. Only a guess at costs: a side whose TBs are chained
     * reaches debug_counter a whole chain past a period start, and probes cope with that.
     */
    private static final long TB_SLACK = 512;
    /** Scan stops between checkpoints: a probe in the bracket never re-executes more than this many buckets. */
    private static final int CHECKPOINT_EVERY = 8;
    private static final int MAX_SYNC_STEPS = 100_000;
    /**
     * Sync moves a bisection probe makes before it gives up on finding a TB boundary both sides
     * have: the sides leapfrog one TB at a time for hundreds of TBs once a divergence has changed
     * their TB boundaries (a TLB flush makes rep take refill exceptions rec never takes), and such
     * a probe is past the divergence anyway. The sweep at the end syncs without a limit: it is
     * what makes the bracket exact.
     */
    private static final int PROBE_SYNC_MOVES = 32;
    /** A RAM search focuses on the words that differ when there are at most this many of them. */
    private static final int RAM_FOCUS_WORDS = 16;
    /** sync(maxMoves) gave up: no TB boundary common to both sides within reach. */
    private static final long NO_COMMON_BOUNDARY = -2;
    /** Guest instructions, some 100,000 TBs: as far as sync looks for a TB boundary both sides have. */
    private static final long MAX_SYNC_SPAN = 4_000_000;
    private static final int MAX_WATCH_EVENTS = 200;

    /** The search's bounds leave nothing to compare: searching again with them meets the same answer. */
    public static final class BoundsRefused extends PandaException {
        BoundsRefused(String message) {
            super(message);
        }
    }

    /** A comparison of both sides at one common count; null signatures when a side can't get there. */
    record Probe(long instr, Signature rec, Signature rep, boolean same) {
    }

    private final Pair pair;
    private final BisectOptions opts;
    private final BisectListener listener;
    private final Side rec;
    private final Side rep;
    private final List<String> notes = new ArrayList<>();
    private final long started = System.nanoTime();
    private final int baseStops;
    private ResumeState state;
    private int probes;
    private long lo;
    private long hi;
    /** The bracket's upper end is where a side ended, not a count known to differ. */
    private boolean differIsEnd;
    /** The narrowing lowered its upper end below a probe whose sides shared no TB boundary nearby. */
    private boolean upperUnsure;
    /** While set, a probe's RAM signature covers these ranges only. */
    private List<MemoryRange> ramFocus;

    private Bisector(Pair pair, BisectOptions opts) {
        this.pair = pair;
        this.opts = opts;
        this.listener = opts.listener();
        this.rec = new Side(pair.rec(), opts.moveLimit());
        this.rep = new Side(pair.rep(), opts.moveLimit());
        this.baseStops = pair.rec().stops() + pair.rep().stops();
    }

    /** Runs a search. Bad input and lost debuggers are PandaExceptions saying what to do. */
    public static Divergence search(Pair pair, BisectOptions opts) {
        return new Bisector(pair, opts).run();
    }

    private Divergence run() {
        if (!rec.hasRegsChecksum() || !rep.hasRegsChecksum()) {
            note("this PANDA build has no rr_checksum_regs(): comparing registers read one by one and a crc32 of RAM");
        }
        loadResumeFile();
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

        long[] bracket = opts.skipBisectTime() ? givenBracket()
                : opts.strategy() == Strategy.DIVERGE ? divergeBracket() : tandemBracket();
        if (bracket == null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            save();
            long end = hi >= 0 ? hi : Math.max(rec.lastSeen(), rep.lastSeen());
            return Divergence.none(lo, end, notes, probes, stops(), elapsedMillis(), instrMax(end));
        }
        if (sameReplay()) note(NOT_DETERMINISTIC);
        OpStats.phase("5 analysis");
        if (bracket[0] >= 0) progress("analyse", bracket[0], bracket[1], 0);
        state.phase = ResumeState.Phase.ANALYSE;
        state.equalAt = bracket[0];
        state.differAt = bracket[1];
        save();
        if (endInChain != null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            save();
            return Divergence.withinChain(lo, hi, bracket[0], bracket[1] - 1, endInChain, notes, probes, stops(), elapsedMillis(),
                    instrMax(hi));
        }
        Divergence d = new Analysis(this).at(bracket[0], bracket[1]);
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

    // ---- input checks ----

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

    private void loadResumeFile() {
        state = new ResumeState();
        if (opts.resumeFile() == null || !Files.exists(opts.resumeFile())) return;
        ResumeState old = ResumeState.load(opts.resumeFile());
        if (old.phase == ResumeState.Phase.START) return;
        state = old;
        note("resuming from " + opts.resumeFile() + ": equal at " + old.equalAt + ", differing at " + old.differAt);
    }

    // ---- brackets: {last count equal on both sides (-1: none), first count differing} or null ----

    /** --skip-bisect-time: the bounds are the bracket, checked rather than trusted blindly. */
    private long[] givenBracket() {
        if (hi < 0) throw new PandaException("--skip-bisect-time needs both bounds: --instr-bounds=LO,HI");
        Probe h = probe(hi, true, true);
        if (h == null) throw new PandaException("a side ends before hi " + hi + " (" + endedSides() + ")");
        if (h.same()) throw new PandaException("rec and rep agree at hi " + hi + ": it is not a bracket; drop --skip-bisect-time");
        Probe l = probe(lo, true, true);
        if (l == null || !l.same()) throw new PandaException("rec and rep already differ at lo " + lo + ": it is not a bracket");
        // the bracket is trusted, not its width: narrow inside it so the count named is the first that differs
        state.phase = ResumeState.Phase.NARROW;
        return narrow(l.instr(), h.instr(), true, true);
    }

    private long[] tandemBracket() {
        long equal, differ;
        if (state.phase.compareTo(ResumeState.Phase.NARROW) >= 0 && state.equalAt >= 0) {
            equal = state.equalAt;
            differ = state.differAt;
        } else {
            // regs and TLB only: lo's RAM is hashed only if the final check finds RAM differing
            // (see narrowCheap), which saves a crc32 of all RAM per side on most searches
            Probe start = probe(lo, true, true, true, false);
            if (start == null) throw noStartAt(lo);
            if (!start.same()) return new long[]{-1, start.instr()};
            equal = start.instr();
            // going back re-executes a whole run: scan forward period by period instead of striding
            // out and bisecting back, so that the search runs each side from its start only a few times
            long[] scanned = reexecutes() ? scan(equal) : strideScan(equal);
            if (scanned == null) return null;
            equal = scanned[0];
            differ = scanned[1];
        }
        if (differ - equal <= 1 && !differIsEnd) return new long[]{equal, differ};
        state.phase = ResumeState.Phase.NARROW;
        return narrowCheap(equal, differ);
    }

    /** lo, and the scan's stops, whose cheap signatures (regs, TLB) agreed. */
    private final List<Long> verified = new ArrayList<>();
    /** Counts the narrowing found equal on the cheap signatures, in the order found (increasing). */
    private final List<Long> cheapSame = new ArrayList<>();

    /**
     * Forward from an equal count, both sides at once, to counts lo + 2^17 * 2^k: a debug_counter
     * breakpoint whose condition (count >= target) gdb evaluates once per 2^17 guest instructions,
     * one stop per target, so O(log n) compared stops. Each stop compares the cheap signatures and
     * keeps a checkpoint. Returns {last equal stop, first differing stop or end + 1} (differIsEnd
     * set for the latter), or null when the runs agree up to hi or their end.
     */
    private long[] strideScan(long from) {
        state.phase = ResumeState.Phase.SCAN;
        OpStats.phase("2 scan");
        if (!pair.rec().hasSymbol("debug_counter")) return scan(from);
        verified.add(from);
        if (rec.canTrace() && rep.canTrace()) return tracedStrideScan(from);
        long last = from;
        long step = PandaSession.DEBUG_COUNTER_PERIOD;
        while (true) {
            long target = from + step;
            if (hi >= 0 && target >= hi) {
                Probe h = probe(hi, true, true);
                if (h == null) {
                    differIsEnd = true;
                    return new long[]{last, hi + 1};
                }
                if (h.same()) {
                    verified.add(h.instr());
                    return null;
                }
                return new long[]{last, h.instr()};
            }
            Both<Boolean> moved = both(s -> {
                boolean ok = s.moveNear(target);
                // a failed replay aborts: the other side need not run on to the target
                if (!ok && s.ended()) (s == rec ? rep : rec).yieldNow();
                return ok;
            });
            long c = moved.rec() && moved.rep() ? sync() : -1;
            if (c < 0) {
                // a side ended between the last stop and this one: PANDA's abort on a failed replay
                long end = searchEnd();
                if (rec.ended() && rep.ended() && endOf(rec) == Long.MAX_VALUE && endOf(rep) == Long.MAX_VALUE) {
                    // both ran to a normal exit, which takes gdb's fork checkpoints with it
                    Probe p = probe(last, true, true);
                    if (p != null && p.same()) {
                        note("both sides ran to their end; their states agree at the last stop compared (" + last + ")");
                        return null;
                    }
                    return new long[]{from, last};
                }
                if (agreeAtCommonEnd(end)) return null;
                differIsEnd = true;
                return new long[]{last, end + 1};
            }
            Both<Signature> sig = both(Side::cheapHere);
            probes++;
            state.saw(c, sig.rec(), sig.rep());
            compared(sig.rec().differences(sig.rep()).isEmpty());
            if (!sig.rec().differences(sig.rep()).isEmpty()) return new long[]{last, c};
            strideStopEqual(c, step);
            last = c;
            progress("scan", last, hi, 0);
            step *= 2;
        }
    }

    /**
     * A stride stop where both sides agree at count c: a checkpoint there on each side (from strides
     * of SCAN_CHECKPOINT_STEP: shorter ones are cheaper to run again from the checkpoint before
     * than to fork), and c verified.
     */
    private void strideStopEqual(long c, long step) {
        if (step >= SCAN_CHECKPOINT_STEP) {
            both(s -> {
                s.keepCheckpointHere();
                return null;
            });
        }
        verified.add(c);
        state.equalAt = c;
        save();
    }

    /**
     * A side's trace has returned: if the side ended (a failed replay aborts), the other runs on
     * only to where it ended (a side behind by a few periods still records its rows up to there).
     */
    private <T> T endsStopOther(Side s, T result) {
        if (s.ended()) (s == rec ? rep : rec).stopTraceAt(s.lastSeen());
        return result;
    }

    /** Disarms both sides' traces, whatever happened (Ctrl-C, a gdb lost): later moves must not record, or stop, there. */
    private void endTraces() {
        for (Side s : List.of(rec, rep)) {
            try {
                s.endTrace();
            } catch (RuntimeException ignored) {
                // that side's gdb is gone, and its breakpoints with it
            }
        }
    }

    /**
     * Two sides' trace rows compared in order from {ia, ib} (updated to where the comparison
     * stopped), rows at or past {@code limit} left alone (-1: none). Where both sides are replays,
     * which never chain TBs (cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`), rows pair
     * by position and different counts mean different TB boundaries, a divergence at the lower;
     * where a side records (its TBs may be chained, and debug_counter then fires at the end of a
     * chain), only rows at counts both sides have are compared, as sync meets them. Returns
     * {last count equal on both (-1: none), first count that differs (-1: none)}.
     */
    private long[] compareRows(List<Signature> a, List<Signature> b, int[] at, long limit) {
        return compareRows(a, b, at, limit, true);
    }

    /** compareRows, counted as probes and kept in the resume state only when {@code record}. */
    private long[] compareRows(List<Signature> a, List<Signature> b, int[] at, long limit, boolean record) {
        boolean pairwise = rec.session.role() == PandaSession.Role.REPLAY && rep.session.role() == PandaSession.Role.REPLAY;
        long equal = -1;
        while (at[0] < a.size() && at[1] < b.size()) {
            Signature x = a.get(at[0]), y = b.get(at[1]);
            if (!pairwise && x.instr() != y.instr()) {
                at[x.instr() < y.instr() ? 0 : 1]++;
                continue;
            }
            long c = Math.min(x.instr(), y.instr());
            if (limit >= 0 && c >= limit) break;
            if (record) {
                probes++;
                state.saw(c, x, y);
            }
            if (!x.differences(y).isEmpty()) return new long[]{equal, c};
            equal = c;
            at[0]++;
            at[1]++;
        }
        return new long[]{equal, -1};
    }

    /**
     * strideScan with a trace (Trace): the sides still stop at counts lo + 2^17 * 2^k, to keep a
     * checkpoint there, but between those stops gdb's Python records the cheap signature at every
     * debug_counter call, so a difference (or a side's end) is placed within one period, not one
     * stride: the sides then go back to that period's start from the checkpoint before it (one run
     * of at most a stride), keep a checkpoint there, and the narrowing bisects one period. Returns
     * {last equal, first differing or end + 1 (differIsEnd set)}, or null when the runs agree up to
     * hi or their end.
     */
    /**
     * Guest instructions (512 periods) the traced stride scan's strides grow to and then keep: every
     * period is compared anyway, and going back to the differing one runs at most this far from
     * the checkpoint before it (some 0.25 s on mini-PANDA), at a fork per stride.
     */
    private static final long TRACED_STRIDE_MAX = 512 * PandaSession.DEBUG_COUNTER_PERIOD;

    private long[] tracedStrideScan(long from) {
        long last = from;
        long step = PandaSession.DEBUG_COUNTER_PERIOD;
        int[] seen = {0, 0}; // rows compared so far, per side
        long lastRow = from;
        try {
            both(s -> {
                s.traceArm("debug_counter", -1, 0, false);
                return null;
            });
            while (true) {
                long target = (step > TRACED_STRIDE_MAX ? last : from) + Math.min(step, TRACED_STRIDE_MAX);
                boolean atHi = hi >= 0 && target >= hi;
                long stopAt = atHi ? hi : target;
                Both<Boolean> ran = both(s -> endsStopOther(s, s.traceTo(stopAt)));
                int fromRec = seen[0], fromRep = seen[1];
                Both<List<Signature>> rows = both(s -> s.traceRows(s == rec ? fromRec : fromRep));
                int[] at = {0, 0};
                long[] cmp = compareRows(rows.rec(), rows.rep(), at, hi);
                if (cmp[0] >= 0) lastRow = cmp[0];
                if (cmp[1] >= 0) return backToPeriod(lastRow, cmp[1], false);
                seen[0] += at[0];
                seen[1] += at[1];
                progress("scan", lastRow, hi, 0);
                if (!ran.rec() || !ran.rep()) {
                    // a side ended: the end lies in the period after the last row both have
                    long end = searchEnd();
                    if (agreeAtCommonEnd(end)) return null;
                    if (rec.ended() && rep.ended() && endOf(rec) == Long.MAX_VALUE && endOf(rep) == Long.MAX_VALUE) {
                        // both ran to a normal exit, which takes gdb's fork checkpoints with it
                        note("both sides ran to their end; their states agree at every debug_counter call compared (up to " + lastRow + ")");
                        return null;
                    }
                    return backToPeriod(lastRow, end + 1, true);
                }
                if (atHi) {
                    // every call below hi agrees; hi itself is compared at its TB, as before
                    Probe h = probe(hi, true, true);
                    if (h == null) return backToPeriod(lastRow, hi + 1, true);
                    if (h.same()) {
                        verified.add(h.instr());
                        return null;
                    }
                    return backToPeriod(lastRow, h.instr(), false);
                }
                // both stand at the call of debug_counter at or past target: on to its TB, the same
                // count, where an interrupt PANDA takes there has been taken, and compare there too
                Both<Boolean> moved = both(Side::nextTb);
                long c = moved.rec() && moved.rep() ? sync() : -1;
                if (c < 0) return backToPeriod(lastRow, searchEnd() + 1, true);
                Both<Signature> sig = both(Side::cheapHere);
                probes++;
                state.saw(c, sig.rec(), sig.rep());
                if (!sig.rec().differences(sig.rep()).isEmpty()) return backToPeriod(last, c, false);
                strideStopEqual(c, step);
                last = c;
                lastRow = c;
                step *= 2;
            }
        } finally {
            endTraces();
        }
    }

    /**
     * The bracket {equal, differ} where the traced stride scan found a difference (or an end, then
     * differIsEnd) in the period after {@code equal}: both sides go back to {@code equal} (its
     * debug_counter call agreed; at its TB, compared again, it may not, when an interrupt there
     * differs: then the bracket starts a stride earlier) and keep a checkpoint there, so that the
     * narrowing's runs back cost at most a period.
     */
    private long[] backToPeriod(long equal, long differ, boolean isEnd) {
        differIsEnd = isEnd;
        state.differAt = differ;
        Probe p = equal >= lo ? probe(equal, true, true, true, false) : null;
        if (p != null && p.same()) {
            verified.add(p.instr());
            state.equalAt = p.instr();
            save();
            return new long[]{p.instr(), differ};
        }
        // the interrupt case, or the sides could not come back: from the last stride stop verified
        long before = verified.stream().filter(v -> v < equal).max(Long::compare).orElse(lo);
        if (p != null) differIsEnd = false; // they differ at equal's TB itself
        state.equalAt = before;
        save();
        return new long[]{before, p != null ? p.instr() : differ};
    }

    /**
     * Bisection between an equal count and a differing one (or an end) on the cheap signatures:
     * probes at a debug_counter period start while the bracket holds one (a cheap move), TB by TB
     * below that; a checkpoint at each equal probe. RAM is compared once, at the final equal
     * count: equal there, the bracket is exact (regs, TLB and RAM agree at it, the next common TB
     * boundary differs); different, RAM diverged earlier with regs and TLB equal, and the bracket is
     * searched again with full signatures from the last count where RAM agreed.
     */
    private long[] narrowCheap(long equal, long differ) {
        OpStats.phase("4 narrow");
        boolean differKnown = !differIsEnd;
        differIsEnd = false;
        long upper = differ;
        final long period = PandaSession.DEBUG_COUNTER_PERIOD;
        // a failed replay ends soon after it diverges: look back from the upper end first, doubling
        long gallop = 2 * TB_SLACK;
        boolean atEqual = false;
        boolean atDiffer = false;
        while (upper - equal > 1) {
            // where going back re-executes, one pass TB by TB from the equal count costs less than
            // the re-executions a bisection needs (one per probe behind the last)
            if (upper - equal <= SWEEP_BELOW || reexecutes()) {
                boolean traceable = reexecutes() && ramFocus == null && !rec.chains() && !rep.chains()
                        && rec.canTrace() && rep.canTrace();
                while (reexecutes() && upper - equal > SWEEP_BELOW) {
                    // a sampled pass stops only where the target lets it; where gdb tests each TB's
                    // condition itself, that is a round trip a TB, and probes cost less
                    long[] pass = traceable && targetsTestConditions() ? sampledPass(equal, differ, upper, atEqual, !differKnown)
                            : forwardPass(equal, differ, upper, atEqual, !differKnown);
                    if (pass == null || pass[2] - pass[0] >= upper - equal) break;
                    equal = pass[0];
                    differ = pass[1];
                    upper = pass[2];
                    differKnown |= pass[3] != 0;
                    atEqual = pass[4] != 0;
                    state.equalAt = equal;
                    state.differAt = differ;
                    save();
                }
                if (traceable && !atEqual) atEqual = bothTo(equal);
                if (!traceable && reexecutes() && !atEqual && differKnown && rec.lastSeen() == differ && rep.lastSeen() == differ
                        && !rec.ended() && !rep.ended()) {
                    // going back to equal runs each side again from its start, and so would the analysis's
                    // watch: watch in the sweep what differs here, and the analysis need not go back
                    watchInSweep = new Analysis(this).firstWatchGroupHere(ramFocus);
                }
                boolean trace = traceable && atEqual;
                long[] swept = trace ? traceStretch(equal, differ, upper, differKnown) : sweep(equal, differ, upper, atEqual);
                if (swept != null) {
                    equal = swept[0];
                    differ = swept[1];
                    differKnown |= swept[2] != 0;
                    // a trace finds the TB and then brings the sides back to the last equal one
                    atDiffer = swept[2] != 0 && !trace;
                }
                break;
            }
            long mid = equal + (upper - equal) / 2;
            long t = (mid / period) * period;
            if (gallop > 0) {
                long g = ((upper - gallop) / period) * period;
                if (g > equal && upper - g >= 2 * TB_SLACK) t = g;
                else gallop = 0;
            }
            if (t <= equal) t += period;
            boolean coarse = t > equal && t + 2 * TB_SLACK < upper;
            long m = coarse ? t : mid;
            Both<Boolean> moved = both(s -> coarse ? s.moveNear(m) : s.moveTo(m, false));
            long c = moved.rec() && moved.rep() ? sync(PROBE_SYNC_MOVES) : -1;
            // past m the sides share no boundary nearby: what lies between m and differ is not known
            if (c == NO_COMMON_BOUNDARY) upperUnsure = true;
            Probe p = null;
            if (c >= 0) {
                probes++;
                Both<Signature> sig = both(Side::cheapHere);
                state.saw(c, sig.rec(), sig.rep());
                compared(sig.rec().differences(sig.rep()).isEmpty());
                p = new Probe(c, sig.rec(), sig.rep(), sig.rec().differences(sig.rep()).isEmpty());
            }
            atEqual = false;
            if (p == null || p.instr() >= differ) {
                upper = m;
                if (gallop > 0) gallop = Math.max(period, gallop * 2);
            } else if (p.same()) {
                equal = p.instr();
                cheapSame.add(equal);
                gallop = 0;
                atEqual = true;
                keepCheckpointIfFar(equal, CHECKPOINT_DISTANCE);
            } else {
                differ = p.instr();
                upper = differ;
                differKnown = true;
                if (gallop > 0) gallop = Math.max(period, gallop * 2);
            }
            state.equalAt = equal;
            state.differAt = differ;
            progress("narrow", equal, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - equal)));
        }
        save();
        OpStats.phase("4b verify ram");
        long e = equal;
        if (atDiffer && reexecutes()) {
            // both sides stand at the first differing TB boundary, and going back to e would run
            // each again from its start: RAM that agrees here agreed at e too, unless the one TB
            // between them wrote a difference away
            Both<Long> ram = both(this::ramOf);
            if (ram.rec().equals(ram.rep())) return new long[]{equal, differ};
            // going back to e runs each side again; the analysis watches from there what differs
            // here, before it comes forward, so it need not run them again (Analysis.at)
            watchFromEqual = new Analysis(this).watchLocationsHere(true);
        }
        Probe full = probe(e, true, false, false);
        if (full != null && full.same()) {
            if (!differKnown && endInsideChain(equal, differ)) return new long[]{equal, differ};
            if (!differKnown) {
                noteNoDifference(equal, differ);
                return null;
            }
            return new long[]{equal, differ};
        }
        if (full == null) throw new PandaException("can't get both sides back to guest instruction " + e + " (" + endedSides() + ")");
        note("registers and TLB agree up to " + e + " but RAM differs there: searching again with RAM compared at every probe");
        // both sides stand at e: the words that differ there are where RAM first differs, unless a
        // difference elsewhere came and went before e. Searching on those words alone costs a few
        // calls per probe instead of a crc32 of all RAM; the full check at the end catches the rest.
        List<MemoryRange> focus = new Analysis(this).differingRam(0, rec.session.ramSize(), RAM_FOCUS_WORDS);
        if (focus != null && !focus.isEmpty()) {
            long[] found;
            ramFocus = focus;
            try {
                found = searchWithRam(e);
            } finally {
                ramFocus = null;
            }
            if (found[0] < 0) return found; // differs already at lo, in those words and so in full
            Probe check = probe(found[0], true, false, false);
            if (check != null && check.same()) return found;
            note("RAM outside the " + focus.size() + " ranges that differ at " + e + " differs at " + found[0]
                    + " already: searching again over all of RAM");
        }
        return searchWithRam(e);
    }

    /**
     * The bisection with RAM at every probe (all of it, or ramFocus), from the last count that agrees
     * in full below e, where RAM differs: galloping back over the counts the cheap signatures
     * found equal (the scan's, then the narrowing's), nearest first, then lo.
     */
    private long[] searchWithRam(long e) {
        if (reexecutes()) {
            // going back to each compared count would run both sides again from their start, once a
            // count: from lo instead, forward passes and a sweep comparing the focused words too
            Probe l = probe(lo, true, false);
            if (l == null) throw new PandaException("can't get both sides back to lo " + lo + " (" + endedSides() + ")");
            if (!l.same()) return new long[]{-1, l.instr()};
            differIsEnd = false;
            long[] found = narrowCheap(l.instr(), e);
            if (found == null) throw new PandaException("RAM differs at " + e + " but no count up to it was found where it starts to");
            return found;
        }
        java.util.TreeSet<Long> known = new java.util.TreeSet<>(verified);
        known.addAll(cheapSame);
        List<Long> candidates = new ArrayList<>(known);
        int i = candidates.size() - 1, step = 1;
        long upperFull = e;
        long from = -1;
        while (i >= 0) {
            if (candidates.get(i) >= upperFull) {
                i--;
                continue;
            }
            Probe p = probe(candidates.get(i), true, true);
            if (p != null && p.same()) {
                from = p.instr();
                break;
            }
            if (p != null) upperFull = p.instr();
            i -= step;
            step *= 2;
        }
        if (from < 0) {
            // nothing compared in full agrees: lo itself, whose RAM the start of the search did not hash
            Probe l = probe(lo, true, true);
            if (l == null) throw new PandaException("can't get both sides back to lo " + lo + " (" + endedSides() + ")");
            if (!l.same()) return new long[]{-1, l.instr()};
            from = l.instr();
        }
        return narrow(from, upperFull, true, true);
    }

    /**
     * Forward from an equal count, both sides at once, stopping only at debug_counter (every 2^17 guest
     * instructions) and comparing the cheap signatures. Then back over the scan's stops with full
     * signatures (RAM too), doubling the step, to the last one that is fully equal. Returns the
     * bracket {equal, differing-or-end}, or null when the runs agree up to hi or their end.
     */
    private long[] scan(long from) {
        OpStats.phase("2 scan");
        state.phase = ResumeState.Phase.SCAN;
        if (!pair.rec().hasSymbol("debug_counter")) {
            note("no debug_counter in this build: bisecting [lo, hi] with TB breakpoints instead of scanning");
            long end = hi >= 0 ? hi : upperBoundFromEnd();
            differIsEnd = true;
            return new long[]{from, end + 1};
        }
        List<Long> seen = new ArrayList<>(List.of(from));
        long differ = -1;
        boolean pastHi = false;
        boolean traced = !nextCallReachesHi(from) && rec.canTrace() && rep.canTrace();
        if (traced) {
            progress("scan", from, hi, 0);
            long[] found = tracedScan(seen);
            if (found.length == 2) return found;
            differ = found[0];
            pastHi = found[1] != 0;
        }
        while (!traced) {
            long at = seen.get(seen.size() - 1);
            if (nextCallReachesHi(at)) {
                // the next debug_counter call comes at or past hi: going on there and back to hi would
                // run each side again from its start where going back re-executes; narrow from here instead
                long[] below = belowHi(at);
                if (below != null) return below;
                differ = at;
                break;
            }
            Both<Boolean> moved = both(Side::nextCounter);
            if (!moved.rec() || !moved.rep()) break;
            long c = sync();
            if (c < 0) break;
            if (hi >= 0 && c >= hi) {
                pastHi = true;
                break;
            }
            Both<Signature> sig = both(Side::cheapHere);
            probes++;
            state.saw(c, sig.rec(), sig.rep());
            compared(sig.rec().differences(sig.rep()).isEmpty());
            if (!sig.rec().differences(sig.rep()).isEmpty()) {
                differ = c;
                break;
            }
            seen.add(c);
            if (seen.size() % CHECKPOINT_EVERY == 0) {
                both(s -> {
                    s.keepCheckpoint(c);
                    return null;
                });
            }
            progress("scan", seen.get(seen.size() - 1), hi, hi >= 0 ? (int) ((hi - c) >> 17) : 0);
            if (seen.size() % 64 == 0) save();
        }
        if (differ < 0) {
            long end;
            if (pastHi) {
                end = hi;
            } else {
                end = searchEnd();
            }
            if (!pastHi && agreeAtCommonEnd(end)) return null;
            Probe atEnd = hi >= 0 && pastHi ? probe(end, true, true) : null;
            if (atEnd != null && !atEnd.same()) {
                differ = atEnd.instr();
            } else {
                // the cheap signatures never differed: RAM may have, or the end lies between two stops
                long last = seen.get(seen.size() - 1);
                boolean bothExited = rec.ended() && rep.ended() && endOf(rec) == Long.MAX_VALUE && endOf(rep) == Long.MAX_VALUE;
                Probe p = probe(last, true, true);
                if (p != null && p.same()) {
                    if (pastHi) return null;
                    if (bothExited) {
                        // both ran to a normal exit, which takes gdb's fork checkpoints with it
                        note("both sides ran to their end; their states agree at the last stop compared (" + last + ")");
                        return null;
                    }
                    differIsEnd = true; // narrow() probes (last, end]; unreachable counts are "beyond"
                    return new long[]{last, end + 1};
                }
                differ = last;
            }
        }
        state.differAt = differ;
        OpStats.phase("3 gallop");
        // gallop back over the scan's stops to the last fully equal one
        int i = seen.size() - 1, step = 1;
        while (i > 0) {
            if (seen.get(i) >= differ) {
                i--;
                continue;
            }
            Probe p = probe(seen.get(i), true, true);
            if (p != null && p.same()) break;
            if (p != null) differ = p.instr();
            i -= step;
            step *= 2;
        }
        long equal = seen.get(Math.max(i, 0));
        state.equalAt = equal;
        save();
        return new long[]{equal, differ};
    }

    /** Whether, from count {@code at}, the next debug_counter call comes at or past hi (a given hi). */
    private boolean nextCallReachesHi(long at) {
        return hi >= 0 && (at / PandaSession.DEBUG_COUNTER_PERIOD + 1) * PandaSession.DEBUG_COUNTER_PERIOD >= hi;
    }

    /**
     * The scan as one continue per side, both at once: gdb's Python records the cheap signature at
     * each debug_counter call and lets the program run on (Trace), so a period costs about what it
     * costs PANDA to run it, not two stops and a dozen gdb commands. The sides stop below hi (when
     * given) where the next call would reach it, or run on to their end; a side that ends stops the
     * other. The rows are compared afterwards. Returns the bracket when both stopped below hi, equal
     * there ({@link #belowHi}); otherwise {first differing count or -1, 1 if past hi}, with the
     * counts found equal added to {@code seen} (the breakpoint-by-breakpoint scan's tail takes over).
     * <p>
     * A row is the state at debug_counter, before PANDA's loop takes a pending interrupt at that
     * count (cpu-exec.c: debug_checkpoint, then cpu_handle_interrupt): the counts found equal are
     * compared again at their TB (probe) before anything is narrowed from them.
     */
    private long[] tracedScan(List<Long> seen) {
        long stopAt = hi >= 0 ? hi : -1;
        Both<List<Signature>> rows;
        Thread watch = watchRows();
        try {
            rows = both(s -> endsStopOther(s, s.trace("debug_counter", stopAt, stopAt >= 0 ? PandaSession.DEBUG_COUNTER_PERIOD : 0, false)));
        } finally {
            watch.interrupt();
            joinQuietly(watch);
            endTraces();
        }
        List<Signature> a = rows.rec(), b = rows.rep();
        int[] at = {0, 0};
        long[] cmp = compareRows(a, b, at, hi);
        long differ = cmp[1];
        // the rows compared equal, in order: the counts the tail may go back to
        java.util.Set<Long> repCounts = new java.util.HashSet<>();
        for (int i = 0; i < at[1]; i++) repCounts.add(b.get(i).instr());
        for (int i = 0; i < at[0]; i++) {
            long c = a.get(i).instr();
            if (c <= cmp[0] && repCounts.contains(c)) seen.add(c);
        }
        boolean pastHi = differ < 0 && hi >= 0 && (at[0] < a.size() && a.get(at[0]).instr() >= hi || at[1] < b.size() && b.get(at[1]).instr() >= hi);
        long last = seen.get(seen.size() - 1);
        progress("scan", last, hi, 0);
        save();
        boolean bothBelowHi = differ < 0 && !pastHi && !rec.ended() && !rep.ended()
                && rec.lastSeen() == last && rep.lastSeen() == last && nextCallReachesHi(last);
        if (bothBelowHi) {
            // both stand at debug_counter's call at `last`: on to its TB (the same count) to compare there
            Both<Boolean> moved = both(Side::nextTb);
            if (moved.rec() && moved.rep() && sync() == last) {
                Both<Signature> sig = both(Side::cheapHere);
                state.saw(last, sig.rec(), sig.rep());
                if (sig.rec().differences(sig.rep()).isEmpty()) {
                    long[] below = belowHi(last);
                    if (below != null) return below;
                }
                differ = last;
                if (seen.size() > 1) seen.remove(seen.size() - 1);
            }
        }
        return new long[]{differ, pastHi ? 1 : 0, 0};
    }

    /** How often the rows of a running traced scan are compared (watchRows). */
    private static final long WATCH_ROWS_MILLIS = 200;

    /**
     * While tracedScan's continues run, compares the rows both sides recorded so far, every
     * WATCH_ROWS_MILLIS, and at the first difference stops both at their next debug_counter call:
     * nothing after a difference is needed, and each period run past it costs a run back as long
     * (where going back re-executes) plus its trace hits (about 0.7 ms each through gdbserver).
     */
    private Thread watchRows() {
        Thread t = new Thread(() -> {
            List<Signature> a = new ArrayList<>(), b = new ArrayList<>();
            int[] at = {0, 0};
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(WATCH_ROWS_MILLIS);
                    a.addAll(rec.traceRowsAside(a.size()));
                    b.addAll(rep.traceRowsAside(b.size()));
                    long[] cmp = compareRows(a, b, at, hi, false);
                    if (cmp[1] >= 0) {
                        rec.stopTraceAt(cmp[1]);
                        rep.stopTraceAt(cmp[1]);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the continues ended
            } catch (RuntimeException e) {
                // a side ended or its gdb went away: the continues report it
            }
        }, "tandem-watch-rows");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The scan stopped at its last debug_counter stop below hi, where the cheap signatures agree and
     * both sides stand: the bracket (at, hi] when RAM agrees there too, narrowed onward from here
     * without going back; null when RAM differs at {@code at} (the scan's stops are searched then).
     */
    private long[] belowHi(long at) {
        Both<Long> ram = both(this::ramOf);
        if (!ram.rec().equals(ram.rep())) return null;
        upperIsHi = true;
        differIsEnd = true; // narrowing probes (at, hi]: nothing past hi is compared
        state.equalAt = at;
        save();
        return new long[]{at, hi + 1};
    }

    /** The bracket's upper end is hi + 1, where the search stops, not a side's end. */
    private boolean upperIsHi;

    /**
     * Bisection between an equal count and a differing one (or an end beyond which nothing can be
     * compared), down to two adjacent TB boundaries that both sides have.
     */
    private long[] narrow(long equal, long differ, boolean parallel, boolean cheapFirst) {
        OpStats.phase("4 narrow");
        boolean differKnown = !differIsEnd;
        differIsEnd = false;
        long upper = differ;
        // diverge.py keeps a checkpoint at every position it reaches; tandem only where running
        // again from the nearest one would cost more
        boolean everywhere = opts.strategy() == Strategy.DIVERGE;
        while (upper - equal > 1) {
            long m = equal + (upper - equal) / 2;
            Probe p = probe(m, parallel, cheapFirst, everywhere);
            if (p == null || p.instr() >= differ) {
                upper = m;
            } else if (p.same()) {
                equal = p.instr();
                if (!everywhere) keepCheckpointIfFar(equal, CHECKPOINT_DISTANCE);
            } else {
                differ = p.instr();
                upper = differ;
                differKnown = true;
            }
            state.equalAt = equal;
            state.differAt = differ;
            save();
            progress("narrow", equal, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - equal)));
        }
        if (!differKnown) {
            noteNoDifference(equal, differ);
            return null;
        }
        return new long[]{equal, differ};
    }

    /** No state difference up to the bracket's open upper end {@code end} (hi + 1, or a side's end + 1). */
    private void noteNoDifference(long equal, long end) {
        note("rec and rep agree at every TB both reach up to " + equal + (upperIsHi
                ? " (the search stops at hi " + hi + ")"
                : "; where a side ends, at " + (end - 1) + ", is not a state difference"));
    }

    /** Compared counts per forward pass over a bracket where going back re-executes. */
    private static final int PASS_PROBES = 64;

    /**
     * Where going back re-executes: one pass forward over the bracket from its equal end, both
     * sides stopping at PASS_PROBES evenly spaced counts and comparing the cheap signatures there.
     * Each move stops once where PANDA's loop passes the count (PandaSession.hopToLoopPass), against
     * some 2.7 ms for each TB of a TB-by-TB sweep on real PANDA. The bracket becomes the stretch
     * from the last equal probe to the first differing one (or to a side's end, or to a probe
     * whose sides share no TB boundary nearby): one re-execution then gets the sweep there.
     * Returns {equal, differ, upper, 1 if a state difference was found, 1 if both sides stand at
     * equal}, or null when the sides can't be brought to the equal count.
     */
    private long[] forwardPass(long equal, long differ, long upper, boolean atEqual, boolean upperIsEnd) {
        if (!atEqual) {
            if (!bothTo(equal)) return null;
        }
        long step = Math.max(1, (upper - equal) / PASS_PROBES);
        long e = equal;
        long m = equal + step;
        while (m < upper) {
            // a failed replay ends right after it diverges (and nothing past hi is compared): a probe
            // past the end would leave the sides there, and the sweep would run them again from
            // their start to come back; sweep (or trace) from here
            if (upperIsEnd && upper - e <= SWEEP_BELOW) return new long[]{e, differ, upper, 0, 1};
            long goal = m;
            Both<Boolean> moved = both(s -> s.moveTo(goal, false));
            long c = moved.rec() && moved.rep() ? sync(PROBE_SYNC_MOVES) : -1;
            if (c == NO_COMMON_BOUNDARY) upperUnsure = true;
            if (c < 0 || c >= upper) return new long[]{e, differ, Math.min(upper, m), 0, 0};
            probes++;
            Both<Signature> sig = both(s -> passSignature(s, true));
            state.saw(c, sig.rec(), sig.rep());
            boolean same = sig.rec().differences(sig.rep()).isEmpty();
            compared(same);
            if (!same) return new long[]{e, c, c, 1, 0};
            e = c;
            cheapSame.add(c);
            progress("narrow", e, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - e)));
            m = Math.max(m + step, c + 1);
        }
        return new long[]{e, differ, upper, 0, 1};
    }

    /** Guest instructions at the start of each sample stride whose TBs a sampled pass records. */
    private static final long SAMPLE_WINDOW = 32;

    /**
     * forwardPass where both sides can trace: one sampled trace per side from the equal count,
     * recording the TBs in the first SAMPLE_WINDOW guest instructions of every stride of about a
     * PASS_PROBES-th of the bracket, instead of a move and a read per probe. Where the target
     * tests conditions (gdbserver, rr) only those hits reach gdb. Where the upper end is the end,
     * it stops SWEEP_BELOW short of it, as forwardPass does, so the sides need not run again from
     * their start to come back. Returns forwardPass's {e, differ, upper, 1 if differ was found,
     * 1 if both sides stand at e}.
     */
    private long[] sampledPass(long equal, long differ, long upper, boolean atEqual, boolean upperIsEnd) {
        if (!atEqual) {
            if (!bothTo(equal)) return null;
        }
        long sample = Math.max(2 * SAMPLE_WINDOW, (upper - equal) / PASS_PROBES);
        long stopAt = upperIsEnd ? Math.max(equal + 1, upper - SWEEP_BELOW) : upper;
        long e = equal, d = -1;
        try {
            Both<List<Signature>> rows = both(s -> s.sampledTrace(stopAt, sample, SAMPLE_WINDOW));
            List<Signature> a = rows.rec(), b = rows.rep();
            for (int i = 0, j = 0; i < a.size() && j < b.size(); ) {
                Signature x = a.get(i), y = b.get(j);
                if (x.instr() != y.instr()) {
                    if (x.instr() < y.instr()) i++;
                    else j++;
                    continue;
                }
                long c = x.instr();
                i++;
                j++;
                if (c <= equal) continue;
                if (c > upper) break;
                probes++;
                state.saw(c, x, y);
                boolean same = x.differences(y).isEmpty();
                compared(same);
                if (!same) {
                    d = c;
                    break;
                }
                e = c;
                cheapSame.add(c);
            }
        } finally {
            endTraces();
        }
        progress("narrow", e, d >= 0 ? d : differ, 64 - Long.numberOfLeadingZeros(Math.max(1, (d >= 0 ? d : upper) - e)));
        if (d >= 0) return new long[]{e, d, d, 1, 0};
        boolean together = !rec.ended() && !rep.ended() && rec.lastSeen() == e && rep.lastSeen() == e;
        return new long[]{e, differ, upper, 0, together ? 1 : 0};
    }

    /**
     * Both sides TB by TB from the equal count to the upper end, comparing the cheap signatures
     * at each common boundary: cheaper than bisecting a few TBs, each probe of which restarts.
     * Returns {last equal, first differing, 1 if that differs in state (0: an end)} or null when
     * the sides can't be brought to the equal count.
     */
    private long[] sweep(long equal, long differ, long upper, boolean atEqual) {
        if (!atEqual) {
            if (!bothTo(equal)) return null;
        }
        // the RAM check and the watchpoints come back to the sweep's last equal count: from here,
        // not from a checkpoint hundreds of TBs back
        keepCheckpointIfFar(equal, SWEEP_BELOW);
        List<Analysis.Location> toWatch = watchInSweep;
        watchInSweep = null;
        sweptWatch = null;
        if (toWatch != null && !toWatch.isEmpty()) {
            both(s -> {
                s.armWatch(toWatch, rec);
                return null;
            });
        }
        both(s -> {
            s.beginSweep();
            return null;
        });
        try {
            long e = equal;
            while (true) {
                // one continue per side per TB; the side behind catches up the same way
                Both<Boolean> moved = both(Side::sweepStep);
                long c = -1;
                if (moved.rec() && moved.rep()) {
                    long a = rec.lastSeen(), b = rep.lastSeen();
                    // one TB on from one count, a side that lands further skipped the other's boundary
                    Side skipped = a > b ? rec : b > a ? rep : null;
                    if (skipped != null) pendingSkip = new long[]{skipped == rec ? 0 : 1, Math.min(a, b), Math.max(a, b)};
                    boolean stepped = false;
                    for (int steps = 0; steps < MAX_SYNC_STEPS; steps++) {
                        if (a == b) {
                            // as in sync: the same count, but one side at the first of its two stops there
                            Side chained = skipped != null ? skipped : rec.chains() ? rec : rep.chains() ? rep : null;
                            if (stepped || chained == null) break;
                            Side full = chained == rec ? rep : rec;
                            if (chained.session.pc() == full.session.pc()) break;
                            stepped = true;
                            if (!full.sweepStep()) break;
                        } else {
                            Side behind = a < b ? rec : rep;
                            if (!behind.sweepTo(Math.max(a, b))) break;
                        }
                        a = rec.lastSeen();
                        b = rep.lastSeen();
                    }
                    c = a == b ? a : -1;
                }
                if (c < 0 || c >= differ) return new long[]{e, differ, 0};
                probes++;
                Both<Signature> sig = both(s -> passSignature(s, true));
                state.saw(c, sig.rec(), sig.rep());
                compared(sig.rec().differences(sig.rep()).isEmpty());
                if (!sig.rec().differences(sig.rep()).isEmpty()) return new long[]{e, c, 1};
                e = c;
                // an upper end set by a probe that found no common boundary is no end: go on to differ
                if (c >= upper && !upperUnsure) return new long[]{e, differ, 0};
            }
        } finally {
            for (Side s : List.of(rec, rep)) {
                try {
                    s.endSweep();
                } catch (RuntimeException ignored) {
                    // a side that exited has no breakpoints to disable
                }
            }
            ArmedWatch r = rec.disarmWatch(), q = rep.disarmWatch();
            if (r != null && q != null) sweptWatch = new Both<>(r, q);
        }
    }

    /**
     * Where going back re-executes (a failed replay's last stretch, hi's, or a stretch whose
     * end {@code differ} is known to differ, when {@code differKnown}; the sides at
     * {@code equal}): instead of the TB-by-TB sweep, one continue per side to the upper end
     * with every TB's cheap signature recorded by gdb's Python (Trace), some 0.35 ms per TB
     * against some 4 ms, the sides running apart. The rows are compared at the counts both sides
     * have (where their TB boundaries part, at the next one they share, as the sweep's sync does).
     * At the first that differs, what differs (read by the trace) becomes the analysis' watch, and
     * the sides run again to the last equal TB: the one run back the analysis would take anyway.
     * Returns {last equal, first differing, 1 if a state difference was found} (the sides at the
     * last equal TB then), or {last equal, differ, 0} with the sides past it.
     */
    private long[] traceStretch(long equal, long differ, long upper, boolean differKnown) {
        OpStats.phase("4 narrow: trace");
        Both<List<Signature>> rows;
        long e = equal, d = -1;
        int[] at = null;
        try {
            rows = both(s -> endsStopOther(s, s.trace(PandaSession.EXEC_TB, upper, 0, true)));
            List<Signature> a = rows.rec(), b = rows.rep();
            int i = 0, j = 0;
            while (i < a.size() && j < b.size()) {
                Signature x = a.get(i), y = b.get(j);
                if (x.instr() < y.instr()) {
                    i++;
                    continue;
                }
                if (y.instr() < x.instr()) {
                    j++;
                    continue;
                }
                long c = x.instr();
                // a count known to differ is compared too: it may be the first TB that does
                if (c > differ || c == differ && !differKnown) break;
                probes++;
                state.saw(c, x, y);
                if (!x.differences(y).isEmpty()) {
                    d = c;
                    at = new int[]{i, j};
                    break;
                }
                e = c;
                // as the sweep: an upper end set by a probe that found no common boundary is no end
                if (c >= upper && !upperUnsure) break;
                i++;
                j++;
            }
            progress("narrow", e, d >= 0 ? d : differ, 1);
            if (d < 0) return new long[]{e, differ, 0};
            int ri = at[0], qi = at[1];
            Both<byte[][]> bytes = both(s -> s.tracedBytes(s == rec ? ri : qi));
            watchFromEqual = new Analysis(this).watchLocationsFrom(bytes.rec(), bytes.rep());
        } finally {
            endTraces();
        }
        long lastEqual = e;
        if (!bothTo(lastEqual)) {
            throw new PandaException("can't get both sides back to guest instruction " + lastEqual + " (" + endedSides() + ")");
        }
        return new long[]{lastEqual, d, 1};
    }

    /** What differed at the first differing count, for the analysis to watch when the sides stand at the last equal one; or null. */
    private List<Analysis.Location> watchFromEqual;

    List<Analysis.Location> watchFromEqual() {
        return watchFromEqual;
    }

    /** Locations the next sweep watches (they differed where the sides stood before it), or null. */
    private List<Analysis.Location> watchInSweep;
    /** What the last sweep's watch saw on each side, when it watched to its end. */
    private Both<ArmedWatch> sweptWatch;

    /** The last sweep's watch (for the analysis: writes it need not run back to see), or null. */
    Both<ArmedWatch> sweptWatch() {
        return sweptWatch;
    }

    /**
     * diverge.py: hi from a run of rep to its end, then a plain bisection over [lo, hi] with RAM and
     * register checksums at every probe, both sides moving at once. Its breakpoint conditions read
     * rr_guest_instr_count at its address, and gdb's default condition evaluation (auto) leaves
     * them to the target where it can test them (rr, gdbserver): nothing is set here.
     */
    private long[] divergeBracket() {
        for (Side s : List.of(rec, rep)) s.session.countCondition(s.session.divergeCountExpression());
        OpStats.phase("2 upper bound");
        if (hi < 0) hi = upperBoundFromEnd();
        OpStats.phase("4 narrow");
        // diverge.py's All runs each call on both sides through ThreadPool(2): both move at once
        Probe start = probe(lo, true, false);
        if (start == null) throw noStartAt(lo);
        if (!start.same()) return new long[]{-1, start.instr()};
        Probe end = probe(hi, true, false);
        long differ = end == null ? hi + 1 : end.instr();
        if (end != null && end.same()) return null;
        differIsEnd = end == null;
        state.phase = ResumeState.Phase.NARROW;
        return narrow(start.instr(), differ, true, false);
    }

    /**
     * The last TB count rep reaches: diverge.py runs to the end and reverse-continues twice to the
     * last cpu_loop_exec_tb where the target can reverse; otherwise rep runs forward to its end
     * (PANDA's abort) and the count is read there, or from its failure output.
     */
    long upperBoundFromEnd() {
        PandaSession s = rep.session;
        if (s.debugger().target().canReverse()) {
            try {
                Stop end = s.debugger().cont(opts.moveLimit());
                Breakpoint tb = s.debugger().breakAt(PandaSession.EXEC_TB, null);
                s.debugger().reverseCont(opts.moveLimit());
                s.debugger().reverseCont(opts.moveLimit());
                s.debugger().delete(tb.number());
                long last = s.instrCount();
                note("upper bound from reverse execution to rep's last TB (after " + end + "): " + last);
                return last;
            } catch (DebuggerException e) {
                note("reverse execution failed (" + e.getMessage() + "): running rep forward to its end instead");
            }
        }
        // diverge.py lets rep run to its end with no breakpoint in the way: one continue
        long last = rep.runToEnd();
        if (last < 0) {
            var out = new tandem.panda.ReplayOutput(s.debugger().drainProgramOutput(), 0).lastInstr();
            if (out.isEmpty()) throw new PandaException("can't tell where rep ends: give --instr-max");
            last = out.getAsLong();
        }
        note("upper bound: rep ends at guest instruction " + last + " (" + rep.endedHow() + ")");
        return last;
    }

    /**
     * Where the search ends once a side ended between two stops (hi, when none was given): the
     * earlier end known, or when both exited, how far rep's progress lines say it got.
     */
    private long searchEnd() {
        long end = Math.min(endOf(rec), endOf(rep));
        if (end == Long.MAX_VALUE) {
            end = new tandem.panda.ReplayOutput(rep.gdb.drainProgramOutput(), 0).lastInstr()
                    .orElse(Math.max(rec.lastSeen(), rep.lastSeen()));
        }
        note(endedSides() + ": the search ends at guest instruction " + end);
        if (hi < 0) hi = end;
        return end;
    }

    /**
     * When both sides stopped, alive, at PANDA's end of record / replay at the same count: whether
     * their states agree there in full (noted). False in every other case.
     */
    private boolean agreeAtCommonEnd(long end) {
        if (!rec.ended() || !rep.ended() || endOf(rec) != endOf(rep) || endOf(rec) == Long.MAX_VALUE) return false;
        Both<Signature> sig = both(Side::cheap);
        Both<Long> ram = both(Side::ram);
        Signature a = sig.rec().withRam(ram.rec()), b = sig.rep().withRam(ram.rep());
        probes++;
        state.saw(end, a, b);
        if (!a.differences(b).isEmpty()) return false;
        note("both sides reached their end at guest instruction " + end + " with equal state");
        return true;
    }

    /** Where a side ended, if it is known: a side that exited can't be asked, its last count seen is stale. */
    private static long endOf(Side s) {
        return s.ended() && !s.endedHow().startsWith("exited") ? s.lastSeen() : Long.MAX_VALUE;
    }

    // ---- probing ----

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
    private Probe probe(long n, boolean parallel, boolean cheapFirst, boolean keep, boolean withRam) {
        Both<Boolean> moved = parallel ? both(s -> s.moveTo(n, keep)) : new Both<>(rec.moveTo(n, keep), rep.moveTo(n, keep));
        if (!moved.rec() || !moved.rep()) return null;
        long c = sync();
        if (c < 0) return null;
        probes++;
        Both<Signature> sig = parallel ? both(Side::cheapHere) : new Both<>(rec.cheapHere(), rep.cheapHere());
        boolean same = sig.rec().differences(sig.rep()).isEmpty();
        if (withRam && (same || !cheapFirst)) {
            Both<Long> ram = parallel ? both(this::ramOf) : new Both<>(ramOf(rec), ramOf(rep));
            sig = new Both<>(sig.rec().withRam(ram.rec()), sig.rep().withRam(ram.rep()));
            same = sig.rec().differences(sig.rep()).isEmpty();
        }
        state.saw(c, sig.rec(), sig.rep());
        compared(same);
        return new Probe(c, sig.rec(), sig.rep(), same);
    }

    /**
     * Both sides to the same TB boundary: the side behind moves to the first TB at or after the
     * other's count, in one continue, until the two meet (after a divergence their TB boundaries
     * can stay apart for hundreds of TBs). Gives up past MAX_SYNC_SPAN. -1 if a side ends.
     * <p>
     * A side whose TBs are chained (PANDA recording without {@code -d nochain}) stops only where a
     * chain returns to PANDA's loop: the sides meet at the boundaries both have. When they meet at
     * a count whose stops are not the same point (PANDA stops twice at one count when a TB faults
     * at its first instruction, and a chain hides the first of the two), the side that stops at
     * every TB takes one more step.
     */
    long sync() {
        return sync(Integer.MAX_VALUE);
    }

    /** sync, giving up with NO_COMMON_BOUNDARY after maxMoves moves without the sides meeting. */
    long sync(int maxMoves) {
        long a = rec.count(), b = rep.count();
        long from = Math.min(a, b);
        // moved to the first stop at or after one count, a side that lands further skipped the other's stop
        Side skipped = a > b ? rec : b > a ? rep : null;
        if (skipped != null) pendingSkip = new long[]{skipped == rec ? 0 : 1, Math.min(a, b), Math.max(a, b)};
        boolean stepped = false;
        for (int moves = 0; ; moves++) {
            if (a == b) {
                Side chained = skipped != null ? skipped : rec.chains() ? rec : rep.chains() ? rep : null;
                if (stepped || chained == null) return a;
                Side full = chained == rec ? rep : rec;
                if (chained.session.pc() == full.session.pc()) return a;
                stepped = true;
                if (!OpStats.time("sync step", full::nextTb)) return -1;
                if (full == rec) a = rec.lastSeen();
                else b = rep.lastSeen();
                continue;
            }
            if (moves >= maxMoves) return NO_COMMON_BOUNDARY;
            if (Math.max(a, b) - from > MAX_SYNC_SPAN) {
                throw new PandaException("rec and rep share no TB boundary within " + MAX_SYNC_SPAN
                        + " guest instructions of " + from + ": their TB boundaries never meet (are TB chaining or the icount budget different?)");
            }
            Side behind = a < b ? rec : rep;
            long goal = Math.max(a, b);
            // diverge.py's get_closer too: `cpu_loop_exec_tb` if count >= the other's, one continue
            boolean moved = OpStats.time("sync move", () -> behind.tbAtOrAfter(goal));
            if (!moved) return -1;
            if (behind == rec) a = rec.lastSeen();
            else b = rep.lastSeen();
        }
    }

    /** {side 0 rec / 1 rep, the other's stop it skipped, where it stopped}: the last sync's, until compared. */
    private long[] pendingSkip;

    /**
     * After a comparison at the count the last sync reached: a side that skipped the other's TB
     * boundary while both states still agree runs its TBs chained. Said once, with what it costs.
     */
    void compared(boolean same) {
        long[] skip = pendingSkip;
        pendingSkip = null;
        if (skip == null || !same) return;
        Side s = skip[0] == 0 ? rec : rep;
        Side other = s == rec ? rep : rec;
        // PANDA chains TBs only while recording (cpu-exec.c: `if (!rr_in_replay() && panda_tb_chaining)`):
        // a replay that lands past the other's boundary stopped twice at one count on the other side
        if (s.chains() || s.session.role() == PandaSession.Role.REPLAY) return;
        s.chains(true);
        note(s.name + " runs TBs chained: it stopped at " + skip[2] + ", past " + other.name + "'s TB boundary at "
                + skip[1] + " (" + chainingAdvice(s) + ")");
    }

    /**
     * Whether a side that chains TBs has no stop between the last equal count and the other side's
     * end: the states inside that chain were never compared, so the end (a failed replay's abort)
     * can't be called "no state difference". Noted; the end then counts as the first difference.
     */
    private boolean endInsideChain(long equal, long end) {
        for (Side s : List.of(rec, rep)) {
            if (!s.chains()) continue;
            Side other = s == rec ? rep : rec;
            endInChain = other.name + " ends at " + (end - 1) + ", inside a chain of " + s.name + "'s TBs that starts at "
                    + equal + ": states inside a chain can't be compared, so the divergence lies in (" + equal + ", " + (end - 1) + "]";
            note(endInChain + " (" + chainingAdvice(s) + ")");
            return true;
        }
        return false;
    }

    /** Set when the search ended with a side's end inside the other's chain of TBs: what to say. */
    private String endInChain;

    /** What chaining on a side costs the search, and the fix. */
    static String chainingAdvice(Side s) {
        return s.session.role() == PandaSession.Role.RECORD ? tandem.panda.PandaAdvice.NOCHAIN
                : "cpu_loop_exec_tb and debug_counter see only the first TB of each chain on " + s.name
                + ": the divergence found can lie anywhere in a chain of TBs";
    }

    /**
     * A checkpoint at an equal count both sides stand at, unless one is near: a fork costs about
     * as much as gdb stopping at a few hundred TBs, so it pays only where running again from the
     * nearest checkpoint would cost more.
     */
    private void keepCheckpointIfFar(long at, long distance) {
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
    private Signature passSignature(Side s, boolean here) {
        Signature sig = here ? s.cheapHere() : s.cheap();
        List<MemoryRange> focus = ramFocus;
        return focus == null ? sig : sig.withRam(s.ram(focus));
    }

    /** A side's RAM signature: all of RAM, or only the ranges a search focuses on. */
    private long ramOf(Side s) {
        List<MemoryRange> focus = ramFocus;
        return focus == null ? s.ram() : s.ram(focus);
    }

    /** Moves both sides to TB count {@code n} and syncs them there; false when they do not both stand at {@code n}. */
    private boolean bothTo(long n) {
        Both<Boolean> moved = both(s -> s.moveTo(n, false));
        return moved.rec() && moved.rep() && sync() == n;
    }

    /** Both sides' targets test breakpoint conditions themselves (gdbserver, rr): a false one costs gdb nothing. */
    private boolean targetsTestConditions() {
        return rec.session.debugger().target().evaluatesConditions() && rep.session.debugger().target().evaluatesConditions();
    }

    /** Whether going back on either side means running it again from its start (no checkpoints). */
    private boolean reexecutes() {
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
        notes.add(message);
        listener.note(message);
    }

    List<String> notes() {
        return notes;
    }

    int probes() {
        return probes;
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

    /**
     * Why the first probe at lo found nothing to compare: a side ends before lo (the bound is past
     * the run), or both got there but ended before their TB boundaries met again (lo is past the
     * divergence: after it rep's TBs need not start where rec's do).
     */
    private BoundsRefused noStartAt(long lo) {
        List<String> before = new ArrayList<>(), after = new ArrayList<>();
        for (Side s : List.of(rec, rep)) {
            if (!s.ended()) continue;
            if (s.lastSeen() < lo) before.add(s.endedHow());
            else after.add(s.name + " ended at guest instruction " + s.lastSeen() + " (" + s.endedHow() + ")");
        }
        if (!before.isEmpty()) {
            return new BoundsRefused("lo " + lo + " is past where a side ends: " + String.join("; ", before)
                    + ". Give a lo below that end, or no lo to search from the start");
        }
        return new BoundsRefused("rec and rep reach no TB boundary in common from lo " + lo + " on: "
                + (after.isEmpty() ? "neither side ended" : String.join("; ", after)) + " first, so there is no state at or after lo"
                + " to compare. After a divergence the two sides' TBs need not start at the same counts: give a lo below the"
                + " divergence, or no lo to search from the start");
    }

    long elapsedMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    String endedSides() {
        List<String> s = new ArrayList<>();
        for (Side x : List.of(rec, rep)) if (x.ended()) s.add(x.name + " ended at " + x.lastSeen() + " (" + x.endedHow() + ")");
        return s.isEmpty() ? "neither side ended" : String.join("; ", s);
    }

    /**
     * h -1: the search goes on to where a side ends, not yet known. A bracket's open upper end
     * (hi + 1: the divergence is at the end, or is the end) is shown as the end itself.
     */
    private void progress(String phase, long l, long h, int left) {
        Duration elapsed = Duration.ofMillis(elapsedMillis());
        Duration perProbe = probes == 0 ? Duration.ZERO : elapsed.dividedBy(probes);
        long shown = hi >= 0 && h == hi + 1 ? hi : h;
        listener.progress(new BisectListener.Progress(phase, l, shown, probes, left, elapsed, perProbe.multipliedBy(left), stops()));
    }

    private void save() {
        state.recCheckpoints = new ArrayList<>(pair.rec().checkpoints().snapshot().keySet());
        state.repCheckpoints = new ArrayList<>(pair.rep().checkpoints().snapshot().keySet());
        state.save(opts.resumeFile());
    }

    static Map<String, long[]> regDiff(Registers a, Registers b) {
        return new LinkedHashMap<>(a.diff(b));
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    @SuppressWarnings("unused")
    private static String arr(long[] a) {
        return Arrays.toString(a);
    }
}
