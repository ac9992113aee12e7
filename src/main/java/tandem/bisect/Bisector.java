// The divergence search: finds the first guest instruction count at which rep's state differs from
// rec's, and what differs there. It conducts phases that live in files of their own:
//   TracedPass between two live replays where going back re-executes: both run once more outside
//              gdb with tandem's PANDA plugin, whose traces give the bracket at once
//   Scan       forward from lo to the first period (or stride) whose signatures differ
//   Narrowing  bisection of that bracket down to adjacent TB boundaries, RAM checked at its end
//   Sweep      forward passes, TB-by-TB sweeps and traced stretches over a narrow bracket
//   Analysis   what differs at the bracket (registers, RAM ranges, TLB) and the write that did it
//   Ends       what the search makes of a side's end (a failed replay's abort, an exit, hi)
// over what they share (Search: the sides, the bounds, the probe, the search's log and resume
// state). See Strategy for the two ways it moves.
package tandem.bisect;

import tandem.debugger.LiveProgram;
import tandem.debugger.OpStats;
import tandem.panda.Arch;
import tandem.panda.Both;
import tandem.panda.Pair;
import tandem.panda.PandaException;

import java.util.ArrayList;
import java.util.List;

public final class Bisector {
    /** The search's bounds leave nothing to compare: searching again with them meets the same answer. */
    public static final class BoundsRefused extends PandaException {
        BoundsRefused(String message) {
            super(message);
        }
    }

    private final Search search;
    private final Side rec;
    private final Side rep;
    private final BisectOptions opts;
    private final Ends ends;
    private final Scan scan;
    private final Narrowing narrowing;

    private Bisector(Pair pair, BisectOptions opts) {
        this.search = new Search(pair, opts);
        this.rec = search.rec;
        this.rep = search.rep;
        this.opts = opts;
        this.ends = new Ends(search);
        Sweep sweep = new Sweep(search);
        this.scan = new Scan(search, ends);
        this.narrowing = new Narrowing(search, sweep, ends);
    }

    /** Runs a search. Bad input and lost debuggers are PandaExceptions saying what to do. */
    public static Divergence search(Pair pair, BisectOptions opts) {
        return new Bisector(pair, opts).run();
    }

    private Divergence run() {
        if (!rec.hasRegsChecksum() || !rep.hasRegsChecksum()) {
            search.note("this PANDA build has no rr_checksum_regs(): comparing registers read one by one and a crc32 of RAM");
        }
        search.log.resume();
        ResumeState state = search.log.state;
        OpStats.phase("1 begin");
        Both<Long> begins = search.both(s -> s.session.begin() >= 0 ? s.session.begin() : s.session.beginRecordOrReplay());
        // ram_size comes from -m: compare once both programs have started, not at their first instruction
        checkSameBuild();
        // the TLB array is reached through the CPU state, which exists once the program runs
        if (!rec.hasTlbHash() && rec.session.arch().hasSoftwareTlb()) {
            search.note("gdb finds no TLB entry array (env->tlb->mmu.r4k.tlb) in this PANDA build: TLB differences are not compared");
        }
        long first = Math.max(begins.rec(), begins.rep());
        search.lo = opts.lo() != null ? opts.lo() : state.lo >= 0 ? state.lo : first;
        search.hi = opts.hi() != null ? opts.hi() : opts.instrMax() != null ? opts.instrMax() : state.hi;
        if (search.lo < first) {
            throw new BoundsRefused("lo " + search.lo + " is before the first TB after record/replay began (" + first
                    + "): use a lo of at least " + first);
        }
        if (search.hi >= 0 && search.hi <= search.lo) {
            throw new BoundsRefused("the bounds are reversed or empty: lo " + search.lo + ", hi " + search.hi + " (want lo < hi)");
        }
        state.lo = search.lo;
        state.hi = search.hi;
        state.strategy = opts.strategy().name();
        search.save();
        // the first probes can take seconds (a side may run from its start): say at once what is searched
        search.progress("start", search.lo, search.hi, 0);

        Bracket bracket = opts.skipBisectTime() ? givenBracket()
                : opts.strategy() == Strategy.DIVERGE ? divergeBracket() : tandemBracket();
        if (bracket == null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            search.save();
            long end = search.hi >= 0 ? search.hi : Math.max(rec.lastSeen(), rep.lastSeen());
            return Divergence.none(search.lo, end, search.notes(), search.probes(), search.stops(), search.elapsedMillis(),
                    search.instrMax(end));
        }
        if (sameReplay()) search.note(NOT_DETERMINISTIC);
        OpStats.phase("5 analysis");
        if (bracket.equal() >= 0) search.progress("analyse", bracket.equal(), bracket.differ(), 0);
        state.phase = ResumeState.Phase.ANALYSE;
        search.log.bracket(bracket.equal(), bracket.differ());
        search.save();
        if (search.endInChain != null) {
            OpStats.phase("-");
            state.phase = ResumeState.Phase.DONE;
            search.save();
            return Divergence.withinChain(search.lo, search.hi, bracket.equal(), bracket.differ() - 1, search.endInChain,
                    search.notes(), search.probes(), search.stops(), search.elapsedMillis(), search.instrMax(search.hi));
        }
        Divergence d = new Analysis(search).at(bracket.equal(), bracket.differ());
        OpStats.phase("-");
        state.phase = ResumeState.Phase.DONE;
        search.save();
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
        Arch a = search.pair.rec().arch(), b = search.pair.rep().arch();
        if (a != b) {
            throw new PandaException("rec is a " + a.qemuName() + " PANDA and rep a " + b.qemuName()
                    + " one: give the two traces of one recording (PANDA recording it, PANDA replaying it)");
        }
        for (String size : List.of("sizeof(CPUState)", "sizeof(" + a.stateStruct() + ")", "ram_size")) {
            Both<Long> v = search.both(s -> s.gdb.evaluateUnsigned(size));
            if (!v.rec().equals(v.rep())) {
                throw new PandaException("rec and rep are different PANDA builds or machines: " + size + " is "
                        + v.rec() + " in rec and " + v.rep() + " in rep. Record and replay with the same build and -m.");
            }
        }
    }

    // ---- the bracket each way of searching finds (null: the runs agree up to hi or their end) ----

    /** --skip-bisect-time: the bounds are the bracket, checked rather than trusted blindly. */
    private Bracket givenBracket() {
        if (search.hi < 0) throw new PandaException("--skip-bisect-time needs both bounds: --instr-bounds=LO,HI");
        Search.Probe h = search.probe(search.hi, true, true);
        if (h == null) throw new PandaException("a side ends before hi " + search.hi + " (" + search.endedSides() + ")");
        if (h.same()) throw new PandaException("rec and rep agree at hi " + search.hi + ": it is not a bracket; drop --skip-bisect-time");
        Search.Probe l = search.probe(search.lo, true, true);
        if (l == null || !l.same()) throw new PandaException("rec and rep already differ at lo " + search.lo + ": it is not a bracket");
        // the bracket is trusted, not its width: narrow inside it so the count named is the first that differs
        search.log.state.phase = ResumeState.Phase.NARROW;
        return narrowing.bisect(Bracket.differing(l.instr(), h.instr()), true, true);
    }

    /** tandem's way (Strategy.TANDEM): scan, then narrow on the cheap signatures. */
    private Bracket tandemBracket() {
        ResumeState state = search.log.state;
        Bracket found;
        if (state.phase.compareTo(ResumeState.Phase.NARROW) >= 0 && state.equalAt >= 0) {
            found = Bracket.differing(state.equalAt, state.differAt);
        } else {
            // regs and TLB only: lo's RAM is hashed only if the final check finds RAM differing
            // (see Narrowing.cheap), which saves a crc32 of all RAM per side on most searches
            Search.Probe start = search.probe(search.lo, true, true, true, false);
            if (start == null) throw noStartAt(search.lo);
            if (!start.same()) return Bracket.differing(-1, start.instr());
            if (search.reexecutes() && opts.tracedReplays()) {
                // both sides once more outside gdb, traced by tandem's plugin: the bracket is then exact
                // (adjacent TB boundaries, both sides at its equal end), with no run back under gdb
                TracedPass traced = new TracedPass(search);
                String refused = traced.refusal();
                Bracket exact = refused == null ? traced.find() : null;
                if (refused != null) search.note("searching under gdb, not by traced replays: " + refused);
                if (exact != null) {
                    state.phase = ResumeState.Phase.NARROW;
                    return exact;
                }
                if (refused == null && traced.below() != null) {
                    state.phase = ResumeState.Phase.NARROW;
                    return narrowing.cheap(traced.below());
                }
            }
            // going back re-executes a whole run: scan forward period by period instead of striding
            // out and bisecting back, so that the search runs each side from its start only a few times
            found = search.reexecutes() ? scan.periods(start.instr()) : scan.strides(start.instr());
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
        if (search.hi < 0) search.hi = ends.upperBoundFromEnd();
        OpStats.phase("4 narrow");
        // diverge.py's All runs each call on both sides through ThreadPool(2): both move at once
        Search.Probe start = search.probe(search.lo, true, false);
        if (start == null) throw noStartAt(search.lo);
        if (!start.same()) return Bracket.differing(-1, start.instr());
        Search.Probe end = search.probe(search.hi, true, false);
        long differ = end == null ? search.hi + 1 : end.instr();
        if (end != null && end.same()) return null;
        search.log.state.phase = ResumeState.Phase.NARROW;
        return narrowing.bisect(new Bracket(start.instr(), differ, end != null), true, false);
    }

    /**
     * Why the first probe at lo found nothing to compare: a side ends before lo (the bound is past
     * the run), or both got there but ended before their TB boundaries met again (lo is past the
     * divergence: after it rep's TBs need not start where rec's do).
     */
    private BoundsRefused noStartAt(long lo) {
        List<String> before = new ArrayList<>(), after = new ArrayList<>();
        for (Side s : List.of(search.rec, search.rep)) {
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

}
