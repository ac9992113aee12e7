// What the search makes of a side's end: PANDA's abort on a failed replay, a normal exit (which
// takes gdb's fork checkpoints with it), PANDA's end of record / replay, or hi.
package tandem.bisect;

import tandem.debugger.Breakpoint;
import tandem.debugger.DebuggerException;
import tandem.debugger.Stop;
import tandem.panda.Both;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;
import tandem.panda.ReplayOutput;

import java.util.List;

final class Ends {
    private final Search b;
    private final Side rec;
    private final Side rep;

    Ends(Search b) {
        this.b = b;
        this.rec = b.rec;
        this.rep = b.rep;
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
                Stop end = s.debugger().cont(b.opts.moveLimit());
                Breakpoint tb = s.debugger().breakAt(PandaNames.EXEC_TB, null);
                s.debugger().reverseCont(b.opts.moveLimit());
                s.debugger().reverseCont(b.opts.moveLimit());
                s.debugger().delete(tb.number());
                long last = s.instrCount();
                b.note("upper bound from reverse execution to rep's last TB (after " + end + "): " + last);
                return last;
            } catch (DebuggerException e) {
                b.note("reverse execution failed (" + e.getMessage() + "): running rep forward to its end instead");
            }
        }
        // diverge.py lets rep run to its end with no breakpoint in the way: one continue
        long last = rep.runToEnd();
        if (last < 0) {
            var out = new ReplayOutput(s.debugger().drainProgramOutput(), 0).lastInstr();
            if (out.isEmpty()) throw new PandaException("can't tell where rep ends: give --instr-max");
            last = out.getAsLong();
        }
        b.note("upper bound: rep ends at guest instruction " + last + " (" + rep.endedHow() + ")");
        return last;
    }

    /**
     * Where the search ends once a side ended between two stops (hi, when none was given): the
     * earlier end known, or when both exited, how far rep's progress lines say it got.
     */
    long searchEnd() {
        long end = Math.min(endOf(rec), endOf(rep));
        if (end == Long.MAX_VALUE) {
            end = new ReplayOutput(rep.gdb.drainProgramOutput(), 0).lastInstr()
                    .orElse(Math.max(rec.lastSeen(), rep.lastSeen()));
        }
        b.note(b.endedSides() + ": the search ends at guest instruction " + end);
        if (b.hi < 0) b.hi = end;
        return end;
    }

    /**
     * When both sides stopped, alive, at PANDA's end of record / replay at the same count: whether
     * their states agree there in full (noted). False in every other case.
     */
    boolean agreeAtCommonEnd(long end) {
        if (!rec.ended() || !rep.ended() || endOf(rec) != endOf(rep) || endOf(rec) == Long.MAX_VALUE) return false;
        Both<Signature> sig = b.both(Side::cheap);
        Both<Long> ram = b.both(Side::ram);
        Signature x = sig.rec().withRam(ram.rec()), y = sig.rep().withRam(ram.rep());
        b.log.probes++;
        b.log.saw(end, x, y);
        if (!x.differences(y).isEmpty()) return false;
        b.note("both sides reached their end at guest instruction " + end + " with equal state");
        return true;
    }

    /** Both sides ran to a normal exit (which takes gdb's fork checkpoints with it), not to an abort or PANDA's end. */
    boolean bothExited() {
        return rec.ended() && rep.ended() && endOf(rec) == Long.MAX_VALUE && endOf(rep) == Long.MAX_VALUE;
    }

    /** Where a side ended, if it is known: a side that exited can't be asked, its last count seen is stale. */
    static long endOf(Side s) {
        return s.ended() && !s.endedHow().startsWith("exited") ? s.lastSeen() : Long.MAX_VALUE;
    }

    /**
     * Whether a side that chains TBs has no stop between the last equal count and the other side's
     * end: the states inside that chain were never compared, so the end (a failed replay's abort)
     * can't be called "no state difference". Noted; the end then counts as the first difference.
     */
    boolean endInsideChain(long equal, long end) {
        for (Side s : List.of(rec, rep)) {
            if (!s.chains()) continue;
            Side other = s == rec ? rep : rec;
            b.endInChain = new TbBoundaries(s.name, equal, end - 1, -1, true, other.name + " ends at " + (end - 1) + ", inside a chain of "
                    + s.name + "'s TBs that starts at " + equal + ": states inside a chain can't be compared, so the divergence lies in ("
                    + equal + ", " + (end - 1) + "]");
            b.note(b.endInChain + " (" + Sync.chainingAdvice(s) + ")");
            return true;
        }
        return false;
    }
}
