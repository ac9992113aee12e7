// The search's second phase: a bracket from the scan (or the bounds given) narrowed down to two
// adjacent TB boundaries that both sides have, the first of them equal, the second different.
// Tandem's way bisects on the cheap signatures (regs, TLB) and checks RAM once at the end;
// diverge.py's bisects with full signatures at every probe. Narrow brackets, and any bracket
// where going back re-executes, are left to Sweep.
package tandem.bisect;

import tandem.debugger.OpStats;
import tandem.panda.Both;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;
import tandem.panda.time.CheckpointPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

final class Narrowing {
    /**
     * More than the guest instructions in one TB (QEMU's TCG_MAX_INSNS): a step for galloping back
     * and a margin for period-start probes. Only a guess at costs: a side whose TBs are chained
     * reaches debug_counter a whole chain past a period start, and probes cope with that.
     */
    private static final long TB_SLACK = 512;
    /** A RAM search focuses on the words that differ when there are at most this many of them. */
    private static final int RAM_FOCUS_WORDS = 16;

    private final Search b;
    private final Side rec;
    private final Side rep;
    private final Sweep sweep;
    private final Ends ends;

    Narrowing(Search b, Sweep sweep, Ends ends) {
        this.b = b;
        this.sweep = sweep;
        this.ends = ends;
        this.rec = b.rec;
        this.rep = b.rep;
    }

    /**
     * Bisection of {@code found} on the cheap signatures: probes at a debug_counter period start
     * while the bracket holds one (a cheap move), TB by TB below that; a checkpoint at each equal
     * probe. RAM is compared once, at the final equal count: equal there, the bracket is exact
     * (regs, TLB and RAM agree at it, the next common TB boundary differs); different, RAM diverged
     * earlier with regs and TLB equal, and the bracket is searched again with full signatures from
     * the last count where RAM agreed. Null when nothing differs up to the bracket's open end.
     */
    Bracket cheap(Bracket found) {
        OpStats.phase("4 narrow");
        long equal = found.equal(), differ = found.differ();
        boolean differKnown = found.differs();
        long upper = differ;
        final long period = PandaNames.DEBUG_COUNTER_PERIOD;
        // a failed replay ends soon after it diverges: look back from the upper end first, doubling
        long gallop = 2 * TB_SLACK;
        boolean atEqual = false;
        boolean atDiffer = false;
        while (upper - equal > 1) {
            // where going back re-executes, one pass TB by TB from the equal count costs less than
            // the re-executions a bisection needs (one per probe behind the last)
            if (upper - equal <= Sweep.SWEEP_BELOW || b.reexecutes()) {
                boolean traceable = b.reexecutes() && b.ramFocus == null && !rec.chains() && !rep.chains()
                        && rec.canTrace() && rep.canTrace();
                while (b.reexecutes() && upper - equal > Sweep.SWEEP_BELOW) {
                    // a sampled pass stops only where the target lets it; where gdb tests each TB's
                    // condition itself, that is a round trip a TB, and probes cost less
                    Sweep.Pass pass = traceable && b.targetsTestConditions() ? sweep.sampledPass(equal, differ, upper, atEqual, !differKnown)
                            : sweep.forwardPass(equal, differ, upper, atEqual, !differKnown);
                    if (pass == null || pass.upper() - pass.bracket().equal() >= upper - equal) break;
                    equal = pass.bracket().equal();
                    differ = pass.bracket().differ();
                    upper = pass.upper();
                    differKnown |= pass.bracket().differs();
                    atEqual = pass.atEqual();
                    b.bracket(equal, differ);
                    b.save();
                }
                if (traceable && !atEqual) atEqual = b.bothTo(equal);
                if (!traceable && b.reexecutes() && !atEqual && differKnown && rec.lastSeen() == differ && rep.lastSeen() == differ
                        && !rec.ended() && !rep.ended()) {
                    // going back to equal runs each side again from its start, and so would the analysis's
                    // watch: watch in the sweep what differs here, and the analysis need not go back
                    b.watchInSweep = new Analysis(b).firstWatchGroupHere(b.ramFocus);
                }
                boolean trace = traceable && atEqual;
                Bracket swept = trace ? sweep.traceStretch(equal, differ, upper, differKnown) : sweep.sweep(equal, differ, upper, atEqual);
                if (swept != null) {
                    equal = swept.equal();
                    differ = swept.differ();
                    differKnown |= swept.differs();
                    // a trace finds the TB and then brings the sides back to the last equal one
                    atDiffer = swept.differs() && !trace;
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
            Both<Boolean> moved = b.both(s -> coarse ? s.moveNear(m) : s.moveTo(m, false));
            long c = moved.rec() && moved.rep() ? b.sync(Sync.PROBE_SYNC_MOVES) : -1;
            // past m the sides share no boundary nearby: what lies between m and differ is not known
            if (c == Sync.NO_COMMON_BOUNDARY) b.upperUnsure = true;
            Search.Probe p = null;
            if (c >= 0) {
                p = b.compareHere(c, Side::cheapHere);
                b.compared(p.same());
            }
            atEqual = false;
            if (p == null || p.instr() >= differ) {
                upper = m;
                if (gallop > 0) gallop = Math.max(period, gallop * 2);
            } else if (p.same()) {
                equal = p.instr();
                b.cheapSame.add(equal);
                gallop = 0;
                atEqual = true;
                b.keepCheckpointIfFar(equal, CheckpointPolicy.NARROWING_DISTANCE);
            } else {
                differ = p.instr();
                upper = differ;
                differKnown = true;
                if (gallop > 0) gallop = Math.max(period, gallop * 2);
            }
            b.bracket(equal, differ);
            b.progress("narrow", equal, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - equal)));
        }
        b.save();
        OpStats.phase("4b verify ram");
        long e = equal;
        if (atDiffer && b.reexecutes()) {
            // both sides stand at the first differing TB boundary, and going back to e would run
            // each again from its start: RAM that agrees here agreed at e too, unless the one TB
            // between them wrote a difference away
            Both<Long> ram = b.both(b::ramOf);
            if (ram.rec().equals(ram.rep())) return Bracket.differing(equal, differ);
            // going back to e runs each side again; the analysis watches from there what differs
            // here, before it comes forward, so it need not run them again (Analysis.at)
            b.watchFromEqual = new Analysis(b).watchLocationsHere(true);
        }
        Search.Probe full = b.probe(e, true, false, false);
        if (full != null && full.same()) {
            if (!differKnown && ends.endInsideChain(equal, differ)) return Bracket.differing(equal, differ);
            if (!differKnown) {
                noteNoDifference(equal, differ);
                return null;
            }
            return Bracket.differing(equal, differ);
        }
        if (full == null) throw new PandaException("can't get both sides back to guest instruction " + e + " (" + b.endedSides() + ")");
        b.note("registers and TLB agree up to " + e + " but RAM differs there: searching again with RAM compared at every probe");
        // both sides stand at e: the words that differ there are where RAM first differs, unless a
        // difference elsewhere came and went before e. Searching on those words alone costs a few
        // calls per probe instead of a crc32 of all RAM; the full check at the end catches the rest.
        List<MemoryRange> focus = new Analysis(b).differingRam(0, rec.session.ramSize(), RAM_FOCUS_WORDS);
        if (focus != null && !focus.isEmpty()) {
            Bracket again;
            b.ramFocus = focus;
            try {
                again = withRam(e);
            } finally {
                b.ramFocus = null;
            }
            if (again.equal() < 0) return again; // differs already at lo, in those words and so in full
            Search.Probe check = b.probe(again.equal(), true, false, false);
            if (check != null && check.same()) return again;
            b.note("RAM outside the " + focus.size() + " ranges that differ at " + e + " differs at " + again.equal()
                    + " already: searching again over all of RAM");
        }
        return withRam(e);
    }

    /**
     * The bisection with RAM at every probe (all of it, or ramFocus), from the last count that agrees
     * in full below e, where RAM differs: galloping back over the counts the cheap signatures
     * found equal (the scan's, then the narrowing's), nearest first, then lo.
     */
    private Bracket withRam(long e) {
        if (b.reexecutes()) {
            // going back to each compared count would run both sides again from their start, once a
            // count: from lo instead, forward passes and a sweep comparing the focused words too
            Search.Probe l = b.probe(b.lo, true, false);
            if (l == null) throw new PandaException("can't get both sides back to lo " + b.lo + " (" + b.endedSides() + ")");
            if (!l.same()) return Bracket.differing(-1, l.instr());
            Bracket found = cheap(Bracket.differing(l.instr(), e));
            if (found == null) throw new PandaException("RAM differs at " + e + " but no count up to it was found where it starts to");
            return found;
        }
        TreeSet<Long> known = new TreeSet<>(b.verified);
        known.addAll(b.cheapSame);
        List<Long> candidates = new ArrayList<>(known);
        int i = candidates.size() - 1, step = 1;
        long upperFull = e;
        long from = -1;
        while (i >= 0) {
            if (candidates.get(i) >= upperFull) {
                i--;
                continue;
            }
            Search.Probe p = b.probe(candidates.get(i), true, true);
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
            Search.Probe l = b.probe(b.lo, true, true);
            if (l == null) throw new PandaException("can't get both sides back to lo " + b.lo + " (" + b.endedSides() + ")");
            if (!l.same()) return Bracket.differing(-1, l.instr());
            from = l.instr();
        }
        return bisect(Bracket.differing(from, upperFull), true, true);
    }

    /**
     * Bisection of {@code found} (an upper end that differs, or an end beyond which nothing can be
     * compared) with full signatures, down to two adjacent TB boundaries that both sides have.
     * Null when nothing differs up to the bracket's open end.
     */
    Bracket bisect(Bracket found, boolean parallel, boolean cheapFirst) {
        OpStats.phase("4 narrow");
        long equal = found.equal(), differ = found.differ();
        boolean differKnown = found.differs();
        long upper = differ;
        // diverge.py keeps a checkpoint at every position it reaches; tandem only where running
        // again from the nearest one would cost more
        boolean everywhere = b.opts.strategy() == Strategy.DIVERGE;
        while (upper - equal > 1) {
            long m = equal + (upper - equal) / 2;
            Search.Probe p = b.probe(m, parallel, cheapFirst, everywhere);
            if (p == null || p.instr() >= differ) {
                upper = m;
            } else if (p.same()) {
                equal = p.instr();
                if (!everywhere) b.keepCheckpointIfFar(equal, CheckpointPolicy.NARROWING_DISTANCE);
            } else {
                differ = p.instr();
                upper = differ;
                differKnown = true;
            }
            b.bracket(equal, differ);
            b.save();
            b.progress("narrow", equal, differ, 64 - Long.numberOfLeadingZeros(Math.max(1, upper - equal)));
        }
        if (!differKnown) {
            noteNoDifference(equal, differ);
            return null;
        }
        return Bracket.differing(equal, differ);
    }

    /** No state difference up to the bracket's open upper end {@code end} (hi + 1, or a side's end + 1). */
    private void noteNoDifference(long equal, long end) {
        b.note("rec and rep agree at every TB both reach up to " + equal + (b.upperIsHi
                ? " (the search stops at hi " + b.hi + ")"
                : "; where a side ends, at " + (end - 1) + ", is not a state difference"));
    }
}
