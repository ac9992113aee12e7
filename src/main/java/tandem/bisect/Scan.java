// The search's first phase: forward from lo (equal on both sides) to the first debug_counter
// period, or stride of periods, whose signatures differ, or to where a side ends or hi. Two ways:
// strides that double (where going back is cheap: rr's checkpoints, gdb's forks), or period by
// period (where going back runs a side again from its start). Both record every period with
// gdb's Python where they can (Trace), and both keep checkpoints as they go (CheckpointPolicy says where).
package tandem.bisect;

import tandem.debugger.OpStats;
import tandem.panda.Both;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;
import tandem.panda.time.CheckpointPolicy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

final class Scan {
    /**
     * Guest instructions (512 periods) the traced stride scan's strides grow to and then keep: every
     * period is compared anyway, and going back to the differing one runs at most this far from
     * the checkpoint before it (some 0.25 s on mini-PANDA), at a fork per stride.
     */
    private static final long TRACED_STRIDE_MAX = 512 * PandaNames.DEBUG_COUNTER_PERIOD;
    /** How often the rows of a running traced scan are compared (watchRows). */
    private static final long WATCH_ROWS_MILLIS = 200;

    private final Search b;
    private final Side rec;
    private final Side rep;
    private final Ends ends;

    Scan(Search b, Ends ends) {
        this.b = b;
        this.ends = ends;
        this.rec = b.rec;
        this.rep = b.rep;
    }

    // ---- strides: where going back is cheap ----

    /**
     * Forward from an equal count, both sides at once, to counts lo + 2^17 * 2^k: a debug_counter
     * breakpoint whose condition (count >= target) gdb evaluates once per 2^17 guest instructions,
     * one stop per target, so O(log n) compared stops. Each stop compares the cheap signatures and
     * keeps a checkpoint. Returns the bracket from the last equal stop to the first differing one
     * (or to a side's end + 1), or null when the runs agree up to hi or their end.
     */
    Bracket strides(long from) {
        b.log.state.phase = ResumeState.Phase.SCAN;
        OpStats.phase("2 scan");
        if (!b.pair.rec().hasSymbol(PandaNames.DEBUG_COUNTER)) return periods(from);
        b.verified.add(from);
        if (rec.canTrace() && rep.canTrace()) return tracedStrides(from);
        long last = from;
        long step = PandaNames.DEBUG_COUNTER_PERIOD;
        while (true) {
            long target = from + step;
            if (b.hi >= 0 && target >= b.hi) {
                Search.Probe h = b.probe(b.hi, true, true);
                if (h == null) return Bracket.upTo(last, b.hi + 1);
                if (h.same()) {
                    b.verified.add(h.instr());
                    return null;
                }
                return Bracket.differing(last, h.instr());
            }
            Both<Boolean> moved = b.both(s -> {
                boolean ok = s.moveNear(target);
                // a failed replay aborts: the other side need not run on to the target
                if (!ok && s.ended()) (s == rec ? rep : rec).yieldNow();
                return ok;
            });
            long c = moved.rec() && moved.rep() ? b.sync() : -1;
            if (c < 0) {
                // a side ended between the last stop and this one: PANDA's abort on a failed replay
                long end = ends.searchEnd();
                if (ends.bothExited()) {
                    // both ran to a normal exit, which takes gdb's fork checkpoints with it
                    Search.Probe p = b.probe(last, true, true);
                    if (p != null && p.same()) {
                        b.note("both sides ran to their end; their states agree at the last stop compared (" + last + ")");
                        return null;
                    }
                    return Bracket.differing(from, last);
                }
                if (ends.agreeAtCommonEnd(end)) return null;
                return Bracket.upTo(last, end + 1);
            }
            Search.Probe p = b.compareHere(c, Side::cheapHere);
            b.compared(p.same());
            if (!p.same()) return Bracket.differing(last, c);
            strideStopEqual(c, step);
            last = c;
            b.progress("scan", last, b.hi, 0);
            step *= 2;
        }
    }

    /** A stride stop where both sides agree at count c: a checkpoint there on each side (see CheckpointPolicy.SCAN_STRIDE), and c verified. */
    private void strideStopEqual(long c, long step) {
        if (step >= CheckpointPolicy.SCAN_STRIDE) {
            b.both(s -> {
                s.keepCheckpointHere();
                return null;
            });
        }
        b.verified.add(c);
        b.log.state.equalAt = c;
        b.save();
    }

    /**
     * strides with a trace (Trace): the sides still stop at counts lo + 2^17 * 2^k, to keep a
     * checkpoint there, but between those stops gdb's Python records the cheap signature at every
     * debug_counter call, so a difference (or a side's end) is placed within one period, not one
     * stride: the sides then go back to that period's start from the checkpoint before it (one run
     * of at most a stride), keep a checkpoint there, and the narrowing bisects one period. Returns
     * the bracket (to a side's end + 1 when a side ended), or null when the runs agree up to hi or
     * their end.
     */
    private Bracket tracedStrides(long from) {
        long last = from;
        long step = PandaNames.DEBUG_COUNTER_PERIOD;
        int[] seen = {0, 0}; // rows compared so far, per side
        long lastRow = from;
        try {
            b.both(s -> {
                s.traceArm(PandaNames.DEBUG_COUNTER, -1, 0, false);
                return null;
            });
            while (true) {
                long target = (step > TRACED_STRIDE_MAX ? last : from) + Math.min(step, TRACED_STRIDE_MAX);
                boolean atHi = b.hi >= 0 && target >= b.hi;
                long stopAt = atHi ? b.hi : target;
                Both<Boolean> ran = b.both(s -> b.endsStopOther(s, s.traceTo(stopAt)));
                int fromRec = seen[0], fromRep = seen[1];
                Both<List<Signature>> rows = b.both(s -> s.traceRows(s == rec ? fromRec : fromRep));
                int[] at = {0, 0};
                Rows cmp = compareRows(rows.rec(), rows.rep(), at, b.hi, true);
                if (cmp.equal() >= 0) lastRow = cmp.equal();
                if (cmp.differ() >= 0) return backToPeriod(Bracket.differing(lastRow, cmp.differ()));
                seen[0] += at[0];
                seen[1] += at[1];
                b.progress("scan", lastRow, b.hi, 0);
                if (!ran.rec() || !ran.rep()) {
                    // a side ended: the end lies in the period after the last row both have
                    long end = ends.searchEnd();
                    if (ends.agreeAtCommonEnd(end)) return null;
                    if (ends.bothExited()) {
                        // both ran to a normal exit, which takes gdb's fork checkpoints with it
                        b.note("both sides ran to their end; their states agree at every debug_counter call compared (up to " + lastRow + ")");
                        return null;
                    }
                    return backToPeriod(Bracket.upTo(lastRow, end + 1));
                }
                if (atHi) {
                    // every call below hi agrees; hi itself is compared at its TB, as before
                    Search.Probe h = b.probe(b.hi, true, true);
                    if (h == null) return backToPeriod(Bracket.upTo(lastRow, b.hi + 1));
                    if (h.same()) {
                        b.verified.add(h.instr());
                        return null;
                    }
                    return backToPeriod(Bracket.differing(lastRow, h.instr()));
                }
                // both stand at the call of debug_counter at or past target: on to its TB, the same
                // count, where an interrupt PANDA takes there has been taken, and compare there too
                Both<Boolean> moved = b.both(Side::nextTb);
                long c = moved.rec() && moved.rep() ? b.sync() : -1;
                if (c < 0) return backToPeriod(Bracket.upTo(lastRow, ends.searchEnd() + 1));
                Search.Probe p = b.compareHere(c, Side::cheapHere);
                if (!p.same()) return backToPeriod(Bracket.differing(last, c));
                strideStopEqual(c, step);
                last = c;
                lastRow = c;
                step *= 2;
            }
        } finally {
            b.endTraces();
        }
    }

    /**
     * The bracket where the traced stride scan found a difference (or an end) in the period after
     * {@code found.equal()}: both sides go back to that count (its debug_counter call agreed; at
     * its TB, compared again, it may not, when an interrupt there differs: then the bracket starts
     * a stride earlier) and keep a checkpoint there, so that the narrowing's runs back cost at
     * most a period.
     */
    private Bracket backToPeriod(Bracket found) {
        long equal = found.equal();
        b.log.state.differAt = found.differ();
        Search.Probe p = equal >= b.lo ? b.probe(equal, true, true, true, false) : null;
        if (p != null && p.same()) {
            b.verified.add(p.instr());
            b.log.state.equalAt = p.instr();
            b.save();
            return new Bracket(p.instr(), found.differ(), found.differs());
        }
        // the interrupt case, or the sides could not come back: from the last stride stop verified
        long before = b.verified.stream().filter(v -> v < equal).max(Long::compare).orElse(b.lo);
        b.log.state.equalAt = before;
        b.save();
        // they differ at equal's TB itself
        if (p != null) return Bracket.differing(before, p.instr());
        return new Bracket(before, found.differ(), found.differs());
    }

    // ---- periods: where going back re-executes ----

    /**
     * Forward from an equal count, both sides at once, stopping only at debug_counter (every 2^17 guest
     * instructions) and comparing the cheap signatures. Then back over the scan's stops with full
     * signatures (RAM too), doubling the step, to the last one that is fully equal. Returns the
     * bracket {equal, differing-or-end}, or null when the runs agree up to hi or their end.
     */
    Bracket periods(long from) {
        OpStats.phase("2 scan");
        b.log.state.phase = ResumeState.Phase.SCAN;
        if (!b.pair.rec().hasSymbol(PandaNames.DEBUG_COUNTER)) {
            b.note("no debug_counter in this build: bisecting [lo, hi] with TB breakpoints instead of scanning");
            long end = b.hi >= 0 ? b.hi : ends.upperBoundFromEnd();
            return Bracket.upTo(from, end + 1);
        }
        List<Long> seen = new ArrayList<>(List.of(from));
        long differ = -1;
        boolean pastHi = false;
        boolean traced = !nextCallReachesHi(from) && rec.canTrace() && rep.canTrace();
        if (traced) {
            b.progress("scan", from, b.hi, 0);
            TracedScan found = tracedPeriods(seen);
            if (found.below() != null) return found.below();
            differ = found.differ();
            pastHi = found.pastHi();
        }
        while (!traced) {
            long at = seen.get(seen.size() - 1);
            if (nextCallReachesHi(at)) {
                // the next debug_counter call comes at or past hi: going on there and back to hi would
                // run each side again from its start where going back re-executes; narrow from here instead
                Bracket below = belowHi(at);
                if (below != null) return below;
                differ = at;
                break;
            }
            Both<Boolean> moved = b.both(Side::nextCounter);
            if (!moved.rec() || !moved.rep()) break;
            long c = b.sync();
            if (c < 0) break;
            if (b.hi >= 0 && c >= b.hi) {
                pastHi = true;
                break;
            }
            Search.Probe p = b.compareHere(c, Side::cheapHere);
            b.compared(p.same());
            if (!p.same()) {
                differ = c;
                break;
            }
            seen.add(c);
            if (seen.size() % CheckpointPolicy.SCAN_PERIODS == 0) {
                b.both(s -> {
                    s.keepCheckpoint(c);
                    return null;
                });
            }
            b.progress("scan", seen.get(seen.size() - 1), b.hi, b.hi >= 0 ? (int) ((b.hi - c) >> 17) : 0);
            if (seen.size() % 64 == 0) b.save();
        }
        if (differ < 0) {
            long end = pastHi ? b.hi : ends.searchEnd();
            if (!pastHi && ends.agreeAtCommonEnd(end)) return null;
            Search.Probe atEnd = b.hi >= 0 && pastHi ? b.probe(end, true, true) : null;
            if (atEnd != null && !atEnd.same()) {
                differ = atEnd.instr();
            } else {
                // the cheap signatures never differed: RAM may have, or the end lies between two stops
                long last = seen.get(seen.size() - 1);
                boolean bothExited = ends.bothExited();
                Search.Probe p = b.probe(last, true, true);
                if (p != null && p.same()) {
                    if (pastHi) return null;
                    if (bothExited) {
                        // both ran to a normal exit, which takes gdb's fork checkpoints with it
                        b.note("both sides ran to their end; their states agree at the last stop compared (" + last + ")");
                        return null;
                    }
                    // the narrowing probes (last, end]; unreachable counts are "beyond"
                    return Bracket.upTo(last, end + 1);
                }
                differ = last;
            }
        }
        b.log.state.differAt = differ;
        OpStats.phase("3 gallop");
        // gallop back over the scan's stops to the last fully equal one
        int i = seen.size() - 1, step = 1;
        while (i > 0) {
            if (seen.get(i) >= differ) {
                i--;
                continue;
            }
            Search.Probe p = b.probe(seen.get(i), true, true);
            if (p != null && p.same()) break;
            if (p != null) differ = p.instr();
            i -= step;
            step *= 2;
        }
        long equal = seen.get(Math.max(i, 0));
        b.log.state.equalAt = equal;
        b.save();
        return Bracket.differing(equal, differ);
    }

    /** Whether, from count {@code at}, the next debug_counter call comes at or past hi (a given hi). */
    private boolean nextCallReachesHi(long at) {
        return b.hi >= 0 && PandaNames.nextPeriodStart(at) >= b.hi;
    }

    /**
     * What the traced period scan found: the bracket when both sides stopped below hi, equal there
     * ({@code below}); otherwise the first differing count (-1: none) and whether the rows reached hi.
     */
    private record TracedScan(Bracket below, long differ, boolean pastHi) {
    }

    /**
     * The scan as one continue per side, both at once: gdb's Python records the cheap signature at
     * each debug_counter call and lets the program run on (Trace), so a period costs about what it
     * costs PANDA to run it, not two stops and a dozen gdb commands. The sides stop below hi (when
     * given) where the next call would reach it, or run on to their end; a side that ends stops the
     * other. The rows are compared afterwards, with the counts found equal added to {@code seen}
     * (the breakpoint-by-breakpoint scan's tail takes over from there).
     * <p>
     * A row is the state at debug_counter, before PANDA's loop takes a pending interrupt at that
     * count (cpu-exec.c: debug_checkpoint, then cpu_handle_interrupt): the counts found equal are
     * compared again at their TB (probe) before anything is narrowed from them.
     */
    private TracedScan tracedPeriods(List<Long> seen) {
        long hi = b.hi;
        long stopAt = hi >= 0 ? hi : -1;
        Both<List<Signature>> rows;
        Thread watch = watchRows();
        try {
            rows = b.both(s -> b.endsStopOther(s, s.trace(PandaNames.DEBUG_COUNTER, stopAt, stopAt >= 0 ? PandaNames.DEBUG_COUNTER_PERIOD : 0, false)));
        } finally {
            watch.interrupt();
            joinQuietly(watch);
            b.endTraces();
        }
        List<Signature> x = rows.rec(), y = rows.rep();
        int[] at = {0, 0};
        Rows cmp = compareRows(x, y, at, hi, true);
        long differ = cmp.differ();
        // the rows compared equal, in order: the counts the tail may go back to
        Set<Long> repCounts = new HashSet<>();
        for (int i = 0; i < at[1]; i++) repCounts.add(y.get(i).instr());
        for (int i = 0; i < at[0]; i++) {
            long c = x.get(i).instr();
            if (c <= cmp.equal() && repCounts.contains(c)) seen.add(c);
        }
        boolean pastHi = differ < 0 && hi >= 0 && (at[0] < x.size() && x.get(at[0]).instr() >= hi || at[1] < y.size() && y.get(at[1]).instr() >= hi);
        long last = seen.get(seen.size() - 1);
        b.progress("scan", last, hi, 0);
        b.save();
        boolean bothBelowHi = differ < 0 && !pastHi && !rec.ended() && !rep.ended()
                && rec.lastSeen() == last && rep.lastSeen() == last && nextCallReachesHi(last);
        if (bothBelowHi) {
            // both stand at debug_counter's call at `last`: on to its TB (the same count) to compare there
            Both<Boolean> moved = b.both(Side::nextTb);
            if (moved.rec() && moved.rep() && b.sync() == last) {
                if (b.compareHere(last, Side::cheapHere).same()) {
                    Bracket below = belowHi(last);
                    if (below != null) return new TracedScan(below, -1, false);
                }
                differ = last;
                if (seen.size() > 1) seen.remove(seen.size() - 1);
            }
        }
        return new TracedScan(null, differ, pastHi);
    }

    /**
     * While tracedPeriods' continues run, compares the rows both sides recorded so far, every
     * WATCH_ROWS_MILLIS, and at the first difference stops both at their next debug_counter call:
     * nothing after a difference is needed, and each period run past it costs a run back as long
     * (where going back re-executes) plus its trace hits (about 0.7 ms each through gdbserver).
     */
    private Thread watchRows() {
        Thread t = new Thread(() -> {
            List<Signature> x = new ArrayList<>(), y = new ArrayList<>();
            int[] at = {0, 0};
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(WATCH_ROWS_MILLIS);
                    x.addAll(rec.traceRowsAside(x.size()));
                    y.addAll(rep.traceRowsAside(y.size()));
                    Rows cmp = compareRows(x, y, at, b.hi, false);
                    if (cmp.differ() >= 0) {
                        rec.stopTraceAt(cmp.differ());
                        rep.stopTraceAt(cmp.differ());
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
    private Bracket belowHi(long at) {
        Both<Long> ram = b.both(b::ramOf);
        if (!ram.rec().equals(ram.rep())) return null;
        b.upperIsHi = true;
        b.log.state.equalAt = at;
        b.save();
        // the narrowing probes (at, hi]: nothing past hi is compared
        return Bracket.upTo(at, b.hi + 1);
    }

    // ---- trace rows ----

    /** Where a comparison of trace rows stopped: the last count equal on both (-1: none), the first that differs (-1: none). */
    private record Rows(long equal, long differ) {
    }

    /**
     * Two sides' trace rows compared in order from {@code at} (updated to where the comparison
     * stopped), rows at or past {@code limit} left alone (-1: none); counted as probes and kept in
     * the resume state when {@code record}. Where both sides are replays, which never chain TBs,
     * rows pair by position (TraceRows.walk); where a side records (its TBs may be chained, and
     * debug_counter then fires at the end of a chain), only rows at counts both sides have are
     * compared, as sync meets them.
     */
    private Rows compareRows(List<Signature> x, List<Signature> y, int[] at, long limit, boolean record) {
        boolean pairwise = rec.session.role() == PandaSession.Role.REPLAY && rep.session.role() == PandaSession.Role.REPLAY;
        var found = new Object() {
            long equal = -1;
            long differ = -1;
        };
        TraceRows.walk(x, y, at, pairwise, (c, r, q) -> {
            if (limit >= 0 && c >= limit) return false;
            if (record) {
                b.log.probes++;
                b.log.saw(c, r, q);
            }
            if (!r.differences(q).isEmpty()) {
                found.differ = c;
                return false;
            }
            found.equal = c;
            return true;
        });
        return new Rows(found.equal, found.differ);
    }
}
