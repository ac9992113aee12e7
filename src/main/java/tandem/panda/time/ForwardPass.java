// One forward pass of reverse execution (ReverseExecution): from a way back to an end, the user's
// stops on, each stop given its time. Long stretches are crossed with one stop where PANDA's loop
// pass or debug_counter allow it: a condition gdb tests at every TB costs about 0.3 ms a TB on a
// real PANDA, seconds per debug_counter period.
package tandem.panda.time;

import tandem.debugger.Debugger;
import tandem.debugger.Frame;
import tandem.debugger.Stop;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaProcess;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

final class ForwardPass {
    private final PandaProcess side;
    private final Mover mover;
    private final Debugger gdb;
    private final Consumer<Pass> passes;

    /** What a pass does at each of the user's stops: true ends the pass there. */
    interface Visitor {
        boolean visit(Time time, Stop stop);
    }

    /** passes: who hears where the pass stands, at each of its stops. */
    ForwardPass(PandaProcess side, Mover mover, Consumer<Pass> passes) {
        this.side = side;
        this.mover = mover;
        this.gdb = side.debugger();
        this.passes = passes;
    }

    /**
     * To the TB boundary at {@code from} with the user's stops off, then forward with {@code stops}
     * on until {@code end}, giving each of their stops its {@link Time} and ending where {@code
     * visitor} says; {@code stops} stay off up to guest instruction {@code quietBefore} (-1: on from
     * the start), where none of them can fire.
     */
    void run(long from, Mark end, Set<Integer> stops, long quietBefore, Runnable atStart, Visitor visitor) {
        Set<Integer> enabled = BreakpointTable.enabled(gdb);
        if (!enabled.isEmpty()) gdb.disable(BreakpointTable.numbers(enabled));
        try {
            mover.toInstr(from, false);
        } finally {
            if (!enabled.isEmpty()) gdb.enable(BreakpointTable.numbers(enabled));
        }
        atStart.run();
        Set<Integer> off = new LinkedHashSet<>(enabled);
        off.removeAll(stops);
        if (!off.isEmpty()) gdb.disable(BreakpointTable.numbers(off));
        String count = mover.countExpression();
        // PANDA's loop pass stops once at a count where guard and past test a condition at every
        // TB of the last stretch (about 0.3 ms a TB: seconds per debug_counter period)
        LoopPassHop loopPass = mover.loopPass();
        // stops that can't fire before quietBefore stay off up to there on the loop pass where the
        // last stretch needs no loop pass of its own (a call popped from the loop is followed by the
        // loop clearing the field, so one pass arms it once), else up to the debug_counter period before it
        long quietTo = Math.min(quietBefore, end.instr());
        boolean timed = end.timedBy(stops);
        boolean quietByLoopPass = quietBefore > from && loopPass != null && from + LoopPassHop.MIN_SPAN <= quietTo
                && !lastStretchByLoopPass(loopPass, end, timed, quietTo);
        boolean quiet = quietByLoopPass || quietBefore > from && side.hasSymbol(PandaNames.DEBUG_COUNTER)
                && PandaNames.periodStartAtOrBefore(quietTo) > from;
        long bucket = PandaNames.periodStartAtOrBefore(quiet ? Math.min(quietBefore, end.instr()) : end.instr());
        if (!stops.isEmpty()) {
            if (quiet) gdb.disable(BreakpointTable.numbers(stops));
            else gdb.enable(BreakpointTable.numbers(stops));
        }
        Integer hop = null, lastStretch = null, quietPass = null;
        EndGuards g = new EndGuards();
        Map<Long, Integer> atCount = new HashMap<>();
        Map<Integer, Long> hitsBefore = BreakpointTable.hitCounts(gdb);
        Map<Integer, Integer> reported = new HashMap<>();
        Long lastCandidate = null;
        try {
            if (quietByLoopPass) {
                quietPass = mover.loopPassBreakpoint();
                loopPass.arm(quietTo, quietPass);
            } else if (!quiet && lastStretchByLoopPass(loopPass, end, timed, from)) {
                lastStretch = armLoopPass(loopPass, end, !timed);
            } else if (side.hasSymbol(PandaNames.DEBUG_COUNTER) && bucket > from) {
                hop = gdb.breakAt(PandaNames.DEBUG_COUNTER, count + " >= " + bucket).number();
            } else {
                g.arm(end, count, timed);
            }
            while (true) {
                if (mover.interrupted()) throw new PandaException(side.name() + ": interrupted while going back to " + end.instr() + mover.describeWhere());
                Stop stop = gdb.cont(mover.moveLimit());
                mover.countStop();
                if (stop.reason() == Stop.Reason.INTERRUPTED) throw new PandaException(side.name() + ": interrupted while going back to " + end.instr() + mover.describeWhere());
                if (stop.exited() || stop.reason() == Stop.Reason.SIGNAL_RECEIVED) {
                    throw new PandaException(side.name() + " ran to its end (" + stop + ") while going forward from " + from
                            + " to guest instruction " + end.instr() + ": the replay did not take the same path again");
                }
                long instr = side.instrCount();
                passes.accept(new Pass(from, instr, end.instr()));
                if (quietPass != null && stop.breakpoint() == quietPass) {
                    // the loop pass at quietBefore, right before its TB: the stops count from that TB on
                    gdb.returnFromFrame();
                    loopPass.disarm(quietPass);
                    quietPass = null;
                    if (!stops.isEmpty()) gdb.enable(BreakpointTable.numbers(stops));
                    g.arm(end, count, timed);
                    continue;
                }
                if (lastStretch != null && stop.breakpoint() == lastStretch) {
                    // a loop pass right before its TB, within a TB of the end: the guards from here test a few TBs at most
                    gdb.returnFromFrame();
                    loopPass.disarm(lastStretch);
                    lastStretch = null;
                    g.arm(end, count, timed);
                    continue;
                }
                // the user's own breakpoint on debug_counter may be the one gdb reports for the hop's stop
                if (hop != null && (stop.breakpoint() == hop || instr >= bucket && atDebugCounter())) {
                    gdb.delete(hop);
                    hop = null;
                    if (lastStretchByLoopPass(loopPass, end, timed, instr)) lastStretch = armLoopPass(loopPass, end, !timed);
                    else g.arm(end, count, timed);
                    if (quiet && !stops.isEmpty()) gdb.enable(BreakpointTable.numbers(stops));
                    boolean user = !quiet && (stops.contains(stop.breakpoint()) || userHitHere(stops, hitsBefore, reported));
                    if (user) {
                        reported.merge(stop.breakpoint(), 1, Integer::sum);
                        Time t = new Time(instr, atCount.merge(instr, 1, Integer::sum) - 1);
                        if (timed && t.equals(end.time()) || visitor.visit(t, stop)) return;
                    }
                    continue;
                }
                if (end.tbBoundary() && g.guard != null && (stop.breakpoint() == g.guard
                        || instr >= end.instr() && gdb.evaluateUnsigned("$pc") == g.guardPc)) {
                    // a stop of the user's at the very boundary is reported as tandem's: their hit counts tell
                    if (userHitHere(stops, hitsBefore, reported)) {
                        visitor.visit(new Time(instr, atCount.merge(instr, 1, Integer::sum) - 1), stop);
                    }
                    return;
                }
                if (!timed && !end.tbBoundary() && instr == end.instr() && gdb.evaluateUnsigned("$pc") == end.hostPc()) {
                    if (HostRegisters.read(gdb).equals(end.hostRegisters())) return;
                    lastCandidate = instr;
                }
                if (g.past != null && stop.breakpoint() == g.past) {
                    // this run entered now's TB fewer times at its count: every stop before now has been seen
                    if (timed) return;
                    if (lastCandidate == null) {
                        throw new PandaException(side.name() + ": did not find now (guest instruction " + end.instr()
                                + ") again going forward from " + from);
                    }
                    // host registers differ between runs (several threads): now is the count's last candidate
                    return;
                }
                if (stops.contains(stop.breakpoint()) || stop.reason() == Stop.Reason.WATCHPOINT_TRIGGER) {
                    reported.merge(stop.breakpoint(), 1, Integer::sum);
                    Time t = new Time(instr, atCount.merge(instr, 1, Integer::sum) - 1);
                    if (timed && t.equals(end.time()) || visitor.visit(t, stop)) return;
                    continue;
                }
                if (g.guard != null && stop.breakpoint() == g.guard) continue; // same place and count, another moment
                throw new PandaException(side.name() + " stopped (" + stop + ") at guest instruction " + instr
                        + " while going back, at none of the breakpoints it was going through");
            }
        } finally {
            for (Integer b : new Integer[]{lastStretch, quietPass}) if (b != null) loopPass.disarm(b);
            for (Integer b : new Integer[]{hop, g.guard, g.past}) if (b != null) gdb.delete(b);
            if (!off.isEmpty()) gdb.enable(BreakpointTable.numbers(off));
        }
    }

    /**
     * Whether a pass at count {@code here} crosses its last stretch to {@code end} on PANDA's loop
     * pass: where that way is open, the stretch is longer than a TB can be (a few TBs tested cost
     * less than the loop pass's commands), and the pass would
     * otherwise test a condition at every TB (a guard at a TB boundary, or the check past a place
     * inside a TB); a pass that ends at a stop it counts to (timed) at a TB boundary tests none.
     */
    private static boolean lastStretchByLoopPass(LoopPassHop loopPass, Mark end, boolean timed, long here) {
        if (loopPass == null || end.instr() - here <= LoopPassHop.MIN_SPAN) return false;
        return !end.tbBoundary() || !timed;
    }

    /**
     * Arms the loop pass for the last stretch, and gives its breakpoint: at the end's count when it
     * is a TB boundary; for a place inside a TB, within a TB of it when it is to be {@code guarded}
     * (its guard at the place's host pc, tested at every hit of that pc, is set from there), else
     * past its count.
     */
    private int armLoopPass(LoopPassHop loopPass, Mark end, boolean guarded) {
        int bp = mover.loopPassBreakpoint();
        loopPass.arm(end.tbBoundary() ? end.instr() : guarded ? end.instr() - PandaNames.TCG_MAX_INSNS : end.instr() + 1, bp);
        return bp;
    }

    private boolean atDebugCounter() {
        List<Frame> bt = gdb.backtrace();
        return !bt.isEmpty() && PandaNames.DEBUG_COUNTER.equals(bt.get(0).function());
    }

    /**
     * What finds the end from near it: guard, at the end's place (its TB boundary, or its host pc at
     * its count), where the pass does not find it by its time; past, the first TB beyond a place
     * inside a TB (this run entered that TB fewer times at its count).
     */
    private final class EndGuards {
        Integer guard, past;
        long guardPc = -1;

        void arm(Mark end, String count, boolean timed) {
            if (!timed) {
                guard = end.tbBoundary()
                        ? gdb.breakAt(PandaNames.EXEC_TB, count + " >= " + end.instr()).number()
                        : gdb.breakAt("*" + Long.toUnsignedString(end.hostPc()), count + " == " + end.instr()).number();
                guardPc = BreakpointTable.address(gdb, guard);
            }
            if (!end.tbBoundary()) past = gdb.breakAt(PandaNames.EXEC_TB, count + " > " + end.instr()).number();
        }
    }

    /** Whether one of {@code stops} (a breakpoint at this very place) also hit at the stop gdb reported as another. */
    private boolean userHitHere(Set<Integer> stops, Map<Integer, Long> before, Map<Integer, Integer> reported) {
        Map<Integer, Long> after = BreakpointTable.hitCounts(gdb);
        for (int b : stops) {
            long hits = after.getOrDefault(b, 0L) - before.getOrDefault(b, 0L);
            if (hits > reported.getOrDefault(b, 0)) return true;
        }
        return false;
    }
}
