// One side of the search (rec or rep): its gdb-Python trace (Trace), the watch armed for a sweep,
// its signatures (hashed by StateHash), and whether it has ended (exited, or stopped by a fatal
// signal such as PANDA's abort()). It moves only through its timeline: toInstr and the ways back,
// and the search's single continues (Continues), each of which says where it arrived.
package tandem.bisect;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.panda.PandaException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;
import tandem.panda.time.Continues;
import tandem.panda.time.Continues.Arrival;
import tandem.panda.time.Timeline;
import tandem.panda.time.WaysBack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

final class Side {
    final PandaSession session;
    final Debugger gdb;
    final String name;
    private final Timeline timeline;
    private final Continues continues;
    /** How this side's state is hashed (StateHash). */
    final StateHash hash;
    private boolean ended;
    private String endedHow = "";
    private long lastSeen = -1;
    private volatile boolean chains;

    Side(PandaSession session, Duration limit) {
        this.session = session;
        this.gdb = session.debugger();
        this.name = session.name();
        this.timeline = session.timeline();
        this.hash = new StateHash(session);
        // PandaSession.open has gdb keep PANDA's abort() to itself (handle SIGABRT nopass)
        this.continues = timeline.continues(limit);
    }

    /** Whether this side was seen to run TBs chained (skipping TB boundaries the other side stops at). */
    boolean chains() {
        return chains;
    }

    void chains(boolean seen) {
        chains = seen;
    }

    boolean hasRegsChecksum() {
        return hash.hasRegsChecksum();
    }

    /** Whether signatures cover the TLB: see PandaSession.tlbHash. */
    boolean hasTlbHash() {
        return session.hasTlbHash();
    }

    boolean ended() {
        return ended;
    }

    String endedHow() {
        return endedHow;
    }

    /** The last guest instruction count seen on this side (at the end: where it ended). */
    long lastSeen() {
        return lastSeen;
    }

    long count() {
        lastSeen = session.instrCount();
        return lastSeen;
    }

    // ---- moving ----

    /** To the first TB at or after n, from the nearest checkpoint (the timeline's toInstr). False if the side ends first. */
    boolean moveTo(long n) {
        return moveTo(n, true);
    }

    /** moveTo; keep: whether the count reached gets a checkpoint. */
    boolean moveTo(long n, boolean keep) {
        if (ended) revive(n);
        try {
            lastSeen = timeline.toInstr(n, keep);
            return true;
        } catch (PandaException e) {
            if (interrupted(e)) throw e;
            markEnded(e.getMessage());
            return false;
        }
    }

    /**
     * To the TB boundary of the first debug_counter call at or after n (one stop per 2^17 guest
     * instructions on the way, each a condition gdb evaluates), from the nearest checkpoint. No
     * checkpoint is kept. False if the side ends first.
     */
    boolean moveNear(long n) {
        continues.clearYield();
        if (ended) revive(n);
        if (!session.hasSymbol(PandaNames.DEBUG_COUNTER)) return moveTo(n, false);
        long target = PandaNames.periodStartAtOrAfter(n);
        try {
            timeline.readyToMoveTo(target);
            return arrived(continues.toCounterCall(target));
        } catch (PandaException e) {
            if (interrupted(e)) throw e;
            markEnded(e.getMessage());
            return false;
        }
    }

    /** A checkpoint at the current count, unless there is one. */
    void keepCheckpointHere() {
        keepCheckpoint(lastSeen);
    }

    /** Forward to the next debug_counter call, then to the TB that follows it. False if the side ends first. */
    boolean nextCounter() {
        if (!session.hasSymbol(PandaNames.DEBUG_COUNTER)) throw new PandaException(name + " has no debug_counter");
        return arrived(continues.nextCounterCall());
    }

    /** Takes in where a continue arrived: the count there (when read), and the end when the side ended. */
    private boolean arrived(Arrival a) {
        if (a.instr() >= 0) lastSeen = a.instr();
        if (a.ended()) markEnded(a.how());
        return a.arrived();
    }

    /** Whether trace.py runs in this side's gdb (gdb has Python) and the signature's blocks are known. */
    boolean canTrace() {
        if (traceLoaded == null) {
            traceLoaded = hash.readsBlocks() && Trace.load(gdb);
        }
        return traceLoaded;
    }

    private Boolean traceLoaded;

    /**
     * One continue that records, at each call of {@code location}, the count and the cheap
     * signature (the same crc32s as {@link #cheapHere}), without stopping there (see Trace). It
     * stops at the first call at or past {@code stopAt} ({@code period} > 0: the first whose next
     * period's call would reach it; -1: none), at PANDA's end or abort (the side ends), or when the
     * other side yields it. Returns the rows, in order; the trace stays armed, for
     * {@link #tracedBytes}, until {@link #endTrace}. {@link #lastSeen} is where the side stopped.
     */
    List<Signature> trace(String location, long stopAt, long period, boolean keepRaw) {
        traceArm(location, stopAt, period, keepRaw);
        traceRun();
        return traceRows(0);
    }

    /**
     * A trace of the TBs whose count lies in the first {@code window} guest instructions of each
     * multiple of {@code sample}, to the first TB at or past {@code stopAt} (see {@link #trace}).
     */
    List<Signature> sampledTrace(long stopAt, long sample, long window) {
        traceArm(PandaNames.EXEC_TB, stopAt, 0, false, sample, window);
        traceRun();
        return traceRows(0);
    }

    /** Arms a trace at {@code location} (see {@link #trace}) without moving. */
    void traceArm(String location, long stopAt, long period, boolean keepRaw) {
        traceArm(location, stopAt, period, keepRaw, 0, 0);
    }

    private void traceArm(String location, long stopAt, long period, boolean keepRaw, long sample, long window) {
        List<List<long[]>> groups = hash.traceGroups();
        // the extra registers are read for what differs (tracedBytes), not for the signature
        if (!keepRaw && !hash.extraBlocks().isEmpty()) groups = groups.subList(0, groups.size() - 1);
        Trace.begin(gdb, location, session.instrCountAddress(), groups, stopAt, period, keepRaw, sample, window);
    }

    /** The armed trace on, to its next hit at or past {@code stopAt}, or the side's end. False if the side ended. */
    boolean traceTo(long stopAt) {
        Trace.stopAt(gdb, stopAt);
        traceRun();
        return !ended;
    }

    /** One continue with the armed trace (and PANDA's end) enabled; counts where it stopped, or marks the end. */
    private void traceRun() {
        arrived(continues.traced());
    }

    /** The armed trace's rows from index {@code from} on; they live in gdb's Python and outlast the program's exit. */
    List<Signature> traceRows(int from) {
        return signatures(Trace.rows(gdb, from, false));
    }

    /** traceRows while the trace runs (gdb answers between hits). */
    List<Signature> traceRowsAside(int from) {
        return signatures(Trace.rows(gdb, from, true));
    }

    private List<Signature> signatures(List<long[]> traced) {
        boolean tlb = session.hasTlbHash();
        List<Signature> rows = new ArrayList<>();
        for (long[] r : traced) rows.add(new Signature(r[0], r[1], tlb ? r[2] : null, null));
        return rows;
    }

    /** The bytes of the traced blocks at row i: {register array + PC, TLB entries (if any)}. */
    byte[][] tracedBytes(int i) {
        return Trace.raw(gdb, i);
    }

    /**
     * A trace running on this side stops at its next hit at or past n (its very next hit when it
     * is past n already): the other side ended at n, and nothing past it can be compared. No
     * interrupt: it could land after the trace stopped by itself, in the next command. A side
     * with no hit left runs on to its end, less than a period (a TB, for a TB trace). Sent while
     * the trace runs; a trace that has stopped, or not begun, is left as it is.
     */
    void stopTraceAt(long n) {
        try {
            Trace.stopAt(gdb, n);
        } catch (DebuggerException e) {
            // no trace armed (yet, or any more): nothing runs on to stop
        }
    }

    /** Deletes the trace's breakpoint. */
    void endTrace() {
        Trace.end(gdb);
    }

    /** Forward exactly one TB. False if the side ends first. */
    boolean nextTb() {
        return arrived(continues.nextTb());
    }

    /**
     * Forward to the first TB at or after n in one continue: gdb tests the count at each TB, but
     * tandem sees one stop instead of one per TB. False if the side ends first.
     */
    boolean tbAtOrAfter(long n) {
        return arrived(continues.tbAtOrAfter(n));
    }

    /** Readies {@link #sweepStep()}: the TB breakpoint (and the end one) stay enabled until {@link #endSweep()}. */
    void beginSweep() {
        continues.beginSweep();
    }

    void endSweep() {
        continues.endSweep();
    }

    /** Between beginSweep and endSweep: forward to the first TB at or after n in one continue. */
    boolean sweepTo(long n) {
        long from = lastSeen;
        return arrived(continues.sweepTo(n, armed != null, () -> triggered(from)));
    }

    /** Watchpoints armed for the sweep (see ArmedWatch), or null. */
    private ArmedWatch armed;

    /**
     * Watch stops a sweep takes before it gives its watch up: a location written at every few
     * instructions would make each TB step many stops, each with a backtrace. The analysis then
     * watches as it does without a sweep.
     */
    static final int ARMED_TRIGGERS_MAX = 64;

    /** Arms watchpoints on {@code group} for the sweep that follows; writes are kept with their counts. */
    void armWatch(List<Location> group, Side rec) {
        disarmWatch();
        armed = new ArmedWatch(session, this == rec, group);
    }

    /** The watch armed for the sweep and what it saw (null when none was, or it was given up); removes its watchpoints. */
    ArmedWatch disarmWatch() {
        ArmedWatch w = armed;
        armed = null;
        if (w != null) w.close();
        return w;
    }

    /** Forward exactly one TB between beginSweep and endSweep: one continue and one read of the count. */
    boolean sweepStep() {
        long from = lastSeen;
        return arrived(continues.sweepStep(armed != null, () -> triggered(from)));
    }

    /** A watch stop of a sweep that left the TB boundary at {@code from}: the armed watch takes it; whether it stays armed. */
    private boolean triggered(long from) {
        armed.triggered(from, 8);
        if (armed.triggers() > ARMED_TRIGGERS_MAX) {
            armed.close();
            armed = null;
            return false;
        }
        return true;
    }

    /**
     * Forward with no breakpoint but PANDA's end of record / replay: to where this side ends (its
     * abort, its exit, or that end), in one continue. Returns the count there, -1 when it exited.
     */
    long runToEnd() {
        Arrival a = continues.toEnd();
        arrived(a);
        return a.instr() >= 0 ? lastSeen : -1;
    }

    /**
     * Stops a move running on this side because the other side ended: its comparisons are over.
     * The move returns false without this side counting as ended; the next move restarts from a checkpoint.
     */
    void yieldNow() {
        continues.yieldNow();
    }

    private void markEnded(String how) {
        ended = true;
        endedHow = how;
    }

    /** After the end, a checkpoint at or before n brings the side back. */
    private void revive(long n) {
        if (timeline.checkpoints().atOrBefore(n).isEmpty() && timeline.rewind() != WaysBack.Rewind.REEXECUTION) {
            throw new PandaException(name + " ended (" + endedHow + ") and has no checkpoint before " + n);
        }
        ended = false;
        endedHow = "";
    }

    private static boolean interrupted(PandaException e) {
        return e.getMessage() != null && e.getMessage().contains("interrupted");
    }

    void keepCheckpoint(long at) {
        timeline.keepCheckpointAt(at);
    }

    // ---- signatures ----

    /** The cheap signature at the count last read (no new read of the count): see StateHash. */
    Signature cheapHere() {
        return hash.readsBlocks() ? hash.fromBlocks(lastSeen) : hash.called(count());
    }

    /** The cheap signature at the count read now: see StateHash. */
    Signature cheap() {
        return hash.readsBlocks() ? hash.fromBlocks(count()) : hash.called(count());
    }

    /** A crc32 of all guest RAM, computed in the PANDA process (diverge.py's RAM checksum). */
    long ram() {
        return hash.ram();
    }

    /** A crc32 of the given ranges of guest RAM only. */
    long ram(List<MemoryRange> ranges) {
        return hash.ram(ranges);
    }

    /** See StateHash.traceGroups. */
    List<List<long[]>> traceGroups() {
        return hash.traceGroups();
    }

    /** See StateHash.extraBlocks. */
    List<long[]> extraBlocks() {
        return hash.extraBlocks();
    }

    List<String> backtrace() {
        List<String> bt = new ArrayList<>();
        session.backtrace().forEach(f -> bt.add(f.toString()));
        return bt;
    }
}
