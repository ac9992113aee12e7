// One PANDA process under gdb (the rr replay of PANDA recording, or of PANDA replaying), seen in
// guest terms: instruction counts, guest registers, TLB, checksums, disassembly.
package tandem.panda;

import tandem.debugger.Breakpoint;
import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Frame;
import tandem.debugger.Stop;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class PandaSession implements AutoCloseable {

    /** Which side of the pair: PANDA taking the recording, or PANDA replaying it. */
    public enum Role {
        RECORD("rec", PandaNames.BEGIN_RECORD, PandaNames.END_RECORD),
        REPLAY("rep", PandaNames.BEGIN_REPLAY, PandaNames.END_REPLAY);

        public final String shortName;
        public final String beginFunction;
        public final String endFunction;

        Role(String shortName, String beginFunction, String endFunction) {
            this.shortName = shortName;
            this.beginFunction = beginFunction;
            this.endFunction = endFunction;
        }
    }

    /** PandaNames.DEBUG_COUNTER_PERIOD, for scripts that name it here. */
    public static final long DEBUG_COUNTER_PERIOD = PandaNames.DEBUG_COUNTER_PERIOD;
    /** PandaNames.EXEC_TB, for scripts that name it here. */
    public static final String EXEC_TB = PandaNames.EXEC_TB;

    private final String name;
    private final Role role;
    private final Debugger gdb;
    private final Arch arch;
    private final Checkpoints checkpoints = new Checkpoints();
    private final Map<String, Boolean> symbols = new HashMap<>();
    /** Goal count -> the count of the first TB at or after it, as found by earlier moves. */
    private final Map<Long, Long> firstTbAtOrAfter = new HashMap<>();
    private volatile Duration moveLimit = Duration.ofHours(4);
    private volatile boolean useDebugCounter = true;
    private Integer execTbBreakpoint;
    private Integer debugCounterBreakpoint;
    private Integer endBreakpoint;
    private String countLvalue;
    private Long ramPointer;
    /** Call targets of library functions, by name: see libraryFunction. */
    private final Map<String, String> libraryFunctions = new java.util.concurrent.ConcurrentHashMap<>();
    private String dumpFpuFlag;
    private long begin = -1;
    private int stops;
    private volatile boolean interrupted;
    private volatile Rewind rewind;
    private int reexecutions;
    private volatile java.util.function.Consumer<String> notices = text -> { };
    private volatile java.util.function.Consumer<Timeline.Pass> passes = pass -> { };

    /**
     * How this side goes back in time (the one mechanism behind toInstr back, the search and the
     * walks): rr's own checkpoints, which survive a restart; gdb's fork checkpoints, used up by a
     * restart and forked again; or running the program again from its start, which reaches the
     * same state at the same guest instruction count because a PANDA replay is deterministic (gdb
     * cannot fork a program with several threads, and real PANDA runs at least three).
     */
    public enum Rewind {
        RR_CHECKPOINTS("rr checkpoints"),
        FORK_CHECKPOINTS("gdb fork checkpoints"),
        REEXECUTION("re-execution from the start");

        public final String description;

        Rewind(String description) {
            this.description = description;
        }
    }

    private PandaSession(String name, Role role, Debugger gdb, Arch arch) {
        this.name = name;
        this.role = role;
        this.gdb = gdb;
        this.arch = arch;
        this.rewind = !gdb.target().canCheckpoint() ? Rewind.REEXECUTION
                : gdb.restartKeepsCheckpoint() ? Rewind.RR_CHECKPOINTS : Rewind.FORK_CHECKPOINTS;
    }

    /**
     * Wraps a debugger session on a PANDA process. Fails with a message naming what is missing
     * when the program has no debug symbols or its arch can't be told.
     */
    public static PandaSession open(String name, Role role, Debugger gdb, Optional<Arch> arch) {
        String program = gdb.target().program() == null ? "the program" : gdb.target().program().getFileName().toString();
        try {
            // the struct path, not just the symbol: a build stripped of debug info still exports
            // `cpus` as a minimal symbol of unknown type
            gdb.evaluate("&" + PandaNames.INSTR_COUNT);
        } catch (DebuggerException e) {
            throw new PandaException(program + " has no debug symbols tandem can use: gdb does not know `cpus` as a list of CPUState with rr_guest_instr_count ("
                    + e.gdbMessage() + "). Use a PANDA build configured with --enable-debug, or built with -g.", e);
        }
        Arch a = arch.or(() -> Arch.fromCommandLine(program)).orElseThrow(() -> new PandaException(
                "can't tell the guest arch of " + program + ": name it with --arch (one of " + Arch.knownNames() + ")"));
        try {
            gdb.evaluate("sizeof(" + a.stateStruct() + ")");
        } catch (DebuggerException e) {
            throw new PandaException(program + " has no " + a.stateStruct() + ": it is not a " + a.qemuName()
                    + " build of PANDA (use --arch to name the right one)", e);
        }
        try {
            // PANDA ends a failed replay with abort(). Stop there, but never hand the signal back on a
            // resume: after a restart to a fork checkpoint, gdb resumes the aborted copy too, which
            // would die of it and be reported as the end of the move made from the checkpoint
            gdb.console("handle SIGABRT stop print nopass");
        } catch (DebuggerException e) {
            throw new PandaException(name + ": gdb refused `handle SIGABRT`: " + e.getMessage(), e);
        }
        PandaSession session = new PandaSession(name, role, gdb, a);
        session.readBuildSymbols();
        return session;
    }

    /**
     * Asks, while gdb knows PANDA's code (open just read {@code cpus}), which of the functions tandem
     * may use this build has: a run from the start stopped before the dynamic loader mapped
     * libpanda-ARCH.so knows none of them, and must not be taken for a build without them.
     */
    private void readBuildSymbols() {
        for (String s : List.of(PandaNames.DEBUG_COUNTER, PandaNames.LOOP_PASS_FUNCTION, PandaNames.RR_CHECKSUM_REGS, role.endFunction)) {
            hasSymbol(s);
        }
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    public Arch arch() {
        return arch;
    }

    public Debugger debugger() {
        return gdb;
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** How this side goes back in time now (fork checkpoints turn into re-execution when gdb refuses them). */
    public Rewind rewind() {
        return rewind;
    }

    /** Times this side ran its program again from the start to go back (each a full pass up to the goal). */
    public synchronized int reexecutions() {
        return reexecutions;
    }

    /**
     * Where this side says what it does that the user should know of, such as a move that runs the
     * program again from its start (a one-line sentence, without the side's name prefix).
     */
    public void onNotice(java.util.function.Consumer<String> listener) {
        this.notices = listener == null ? text -> { } : listener;
    }

    /** Who hears where a long forward pass of this side's timeline stands, at each of its stops. */
    public void onPass(java.util.function.Consumer<Timeline.Pass> listener) {
        this.passes = listener == null ? pass -> { } : listener;
    }

    void passed(Timeline.Pass pass) {
        passes.accept(pass);
    }

    private volatile List<String> atBegin = List.of();

    /**
     * gdb commands to run each time this side stops at rr_do_begin_record / rr_do_begin_replay
     * (the first time, and after every re-execution): state the run needs that PANDA does not log.
     */
    public void atBegin(List<String> commands) {
        this.atBegin = List.copyOf(commands);
    }

    /** The gdb commands this side runs at rr_do_begin_record / rr_do_begin_replay (see {@link #atBegin(List)}). */
    public List<String> atBeginCommands() {
        return atBegin;
    }

    private void runAtBegin() {
        for (String c : atBegin) {
            try {
                gdb.console(c);
            } catch (DebuggerException e) {
                // rr (GdbServer.cc): "Attempt to write memory outside diversion session", which gdb shows as
                // "Cannot access memory at address ..."
                String why = !gdb.target().acceptsMemoryWrites() && String.valueOf(e.getMessage()).contains("Cannot access memory")
                        ? " (rr refuses memory writes outside a call into the program; an rr trace replays the recorded run as it was, so it needs no state set at its start)"
                        : "";
                throw new PandaException(name + ": the command `" + c + "` given for " + role.beginFunction + " failed: " + e.getMessage() + why, e);
            }
        }
    }

    /**
     * Why this side can do nothing more, in one sentence naming the side (its server went away,
     * or its gdb ended), or null while it can. The other side of a pair is not affected.
     */
    public String gone() {
        String why = gdb.gone();
        return why == null ? null : name + ": " + why;
    }

    /** Refuses a move on a side that is gone, before any gdb command (a `run` there would start PANDA under gdb itself). */
    private void requireTarget() {
        String why = gone();
        if (why != null) throw new PandaException(why);
    }

    /** Debugger stops caused by moves so far (a measure of how much a search cost). */
    public synchronized int stops() {
        return stops;
    }

    public void moveLimit(Duration limit) {
        this.moveLimit = limit;
    }

    Duration moveLimit() {
        return moveLimit;
    }

    /** Counts a stop of a move made by this side's {@link Timeline}. */
    synchronized void countStop() {
        stops++;
    }

    private Timeline timeline;

    /** This side's reverse execution: reverse-continue, reverse-stepi, reverse-finish, origin. */
    public synchronized Timeline timeline() {
        if (timeline == null) timeline = new Timeline(this);
        return timeline;
    }

    /**
     * Whether toInstr may cover long spans with debug_counter (on by default; it is used only when
     * the build has it). Off, every span is one conditional breakpoint on cpu_loop_exec_tb.
     */
    public void useDebugCounter(boolean use) {
        this.useDebugCounter = use;
    }

    /**
     * The recording's snapshot, as rr_do_begin_replay names it from its {@code file_name_full}
     * (rr_get_snapshot_file_name, rr_log.c:1404-1410: DIR/NAME-rr-snp for {@code -replay DIR/NAME}),
     * resolved against the folder tandem ran PANDA in; null on the record side or when gdb cannot
     * read the name.
     */
    private String snapshotFile;

    private String snapshotFileHere() {
        String full;
        try {
            Matcher m = C_STRING.matcher(gdb.evaluate("file_name_full"));
            if (!m.find()) return null;
            full = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        } catch (DebuggerException e) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(full);
        java.nio.file.Path dir = p.getParent() == null ? java.nio.file.Path.of(".") : p.getParent();
        // an rr trace's PANDA ran in a folder the trace does not tell; a program tandem started runs in its own
        if (!dir.isAbsolute() && gdb.target() instanceof tandem.debugger.LiveProgram live && live.workingDirectory() != null) {
            dir = live.workingDirectory().resolve(dir).normalize();
        }
        return dir.resolve(p.getFileName() + "-rr-snp").toString();
    }

    /** A {@code char *} as gdb prints it: {@code 0x5555559a1c0 "ls"}. */
    private static final Pattern C_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The guest instruction count at the first TB after record or replay began (-1 before). */
    public long begin() {
        return begin;
    }

    // ---- moving ----

    /**
     * Runs to {@code rr_do_begin_record} (rec) or {@code rr_do_begin_replay} (rep), then to the
     * first TB executed after it, and keeps a checkpoint there. Returns that TB's instruction count.
     */
    public synchronized long beginRecordOrReplay() {
        requireTarget();
        // an earlier call stopped (Ctrl-C) after the begin function and its start commands: the
        // function does not come again in this run, so go on from there to the first TB
        if (!pastBeginFunction) toBeginFunction(() -> go(null, role.beginFunction), "");
        begin = runToTb(null);
        keepCheckpoint(begin);
        return begin;
    }

    /**
     * Stops at the first TB executed at or after guest instruction {@code n} (the notes'
     * {@code break cpu_loop_exec_tb if ...rr_guest_instr_count > n} stops one TB later when a TB
     * starts exactly at n). Moves forward from here or from the nearest checkpoint at or before n,
     * using debug_counter to cover long spans with few stops when the build has it; the last stretch
     * (at most two debug_counter periods, 2^18 instructions) goes TB by TB on a conditional
     * breakpoint. A goal reached before, or the count of a TB boundary, costs no move when the
     * session is already there. Returns the count reached.
     */
    public synchronized long toInstr(long n) {
        return toInstr(n, true);
    }

    /**
     * {@link #toInstr(long)}; keep: whether the count reached gets a checkpoint (a fork, some
     * 20 ms): a search that knows it will not come back here saves it.
     */
    public synchronized long toInstr(long n, boolean keep) {
        if (n < 0) throw new PandaException("instruction counts start at 0, not " + n);
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        if (n < begin) {
            throw new PandaException(name + ": instruction " + n + " is before the first TB after "
                    + role.beginFunction + " (" + begin + ")");
        }
        long cur = here();
        Long known = firstTbAtOrAfter.get(n);
        // counts only grow, so a count at a TB boundary names that boundary; below n, where the
        // side stands in its TB does not matter (fromNearest goes forward from anywhere)
        if ((cur == n || (known != null && cur == known)) && atExecTb()) return cur;
        if (known != null && checkpoints.has(known)) {
            restart(known, checkpoints.snapshot().get(known));
            return known;
        }
        cur = fromNearest(n, cur);
        if (cur == n) return cur;
        long bucket = PandaNames.periodStartAtOrBefore(n);
        // where the loop-pass hop works it crosses any span in one stop; debug_counter's condition
        // stops gdb once a period on the way (about 0.4 ms each, a third of a period on mini-PANDA)
        boolean oneHop = canHopToLoopPass() && cur + LOOP_PASS_MIN_SPAN <= n;
        if (useDebugCounter && !oneHop && bucket > cur && hasSymbol(PandaNames.DEBUG_COUNTER)) {
            // the hop stops at the first pass through PANDA's loop at or past the period start,
            // where debug_counter is called; no TB boundary the loop sees lies between the period
            // start and that call, so when it comes past n (TBs chained while recording can run
            // thousands of instructions beyond the period start) it is n's first TB itself
            hopToCounter(bucket, n);
            cur = -1; // moved: read it again where it matters
        }
        long reached = runToTb(n, cur);
        if (reached < n) {
            // another stop came first: this side is not at n, and must never be reported as if it were
            throw new PandaException(name + " stopped before reaching " + n + ", in " + functionHere() + describeWhere());
        }
        firstTbAtOrAfter.put(n, reached);
        firstTbAtOrAfter.put(reached, reached);
        if (keep) keepCheckpoint(reached);
        return reached;
    }

    /**
     * The count here, or Long.MAX_VALUE when the program can't be asked (it ran to its end, by a
     * move of this session or by a command typed at gdb): only a checkpoint brings it back.
     */
    private long here() {
        // a run from the start that did not reach its first TB after the begin function: what the
        // count says there (0 before PANDA's replay began) is no place to go on from
        if (reexecuting) return Long.MAX_VALUE;
        try {
            return instrCount();
        } catch (DebuggerException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Restarts from the nearest checkpoint at or before n unless going forward from here is
     * nearer (we are before n, past that checkpoint: at a TB boundary or inside a TB). Returns the count then.
     */
    private long fromNearest(long n, long cur) {
        Optional<Map.Entry<Long, Integer>> from = checkpoints.atOrBefore(n);
        // inside a TB (at a breakpoint of the user's, after rc) the count is that TB's or one of its
        // instructions'; every TB boundary still ahead comes later, so below n forward is as good
        boolean forwardFromHere = cur < n && (from.isEmpty() || cur >= from.get().getKey());
        if (forwardFromHere) return cur;
        if (from.isEmpty()) return reexecute(n, cur);
        restart(from.get().getKey(), from.get().getValue());
        return from.get().getKey();
    }

    /**
     * Runs the program again from its start to the first TB after record/replay began: the way
     * back where no checkpoint is at or before n. Only a replay may be run again (it reaches the
     * same state at the same counts); a live PANDA record run is a new execution each time.
     */
    private long reexecute(long n, long cur) {
        String from0 = reexecuting ? "a run from its start stopped before its first TB after " + role.beginFunction
                : cur == Long.MAX_VALUE ? "the end of the program" : "instruction " + cur;
        if (role == Role.RECORD) {
            throw new PandaException(name + ": can't go back from " + from0 + " to " + n + ": " + gdb.target().description()
                    + " runs PANDA recording live, and running it again is a new execution, not the same recording"
                    + " (use an rr trace of the record run, or a replay of a recording known to be right as " + name + ")");
        }
        if (rewind != Rewind.REEXECUTION && !checkpoints.snapshot().isEmpty()) {
            throw new PandaException(name + ": can't go back from " + from0 + " to " + n + ": its first checkpoint is at "
                    + checkpoints.snapshot().firstKey() + ", after it");
        }
        notices.accept("re-executing " + gdb.target().description() + " from its start to go back to " + n
                + " (from " + from0 + (cur == n ? ", inside the TB there" : "") + ")");
        synchronized (this) {
            reexecutions++;
        }
        // until the run reaches its first TB after the begin function, this side is nowhere it can
        // go on from: a move after an interrupted one runs it from the start again (see here())
        reexecuting = true;
        toBeginFunction(() -> {
            // only the begin breakpoint may stop the run from the start
            if (execTbBreakpoint != null) gdb.disable(execTbBreakpoint);
            if (debugCounterBreakpoint != null) gdb.disable(debugCounterBreakpoint);
            return move(gdb.rerun(moveLimit), role.beginFunction);
        }, " when run again");
        // host addresses come from the new process: same as before without address randomization,
        // which gdb turns off, but asked again rather than trusted
        countLvalue = null;
        ramPointer = null;
        long again = runToTb(null);
        if (begin >= 0 && again != begin) {
            throw new PandaException(name + " is not deterministic: its first TB after " + role.beginFunction + " was at "
                    + begin + " and is at " + again + " when run again");
        }
        begin = again;
        reexecuting = false;
        return again;
    }

    /**
     * Runs the program ({@code run}: on from where it stands, or again from its start) to the begin
     * function on a temporary breakpoint, and runs the start commands there. {@code when} ends the
     * error of a run that stopped elsewhere ("" or " when run again").
     */
    private void toBeginFunction(java.util.function.Supplier<Stop> run, String when) {
        pastBeginFunction = false;
        // an earlier run reached the begin function, so PANDA has it; this run, interrupted before the
        // dynamic loader mapped libpanda-ARCH.so, may not know it yet (gdb: Function "..." not defined)
        Breakpoint bp = begin >= 0 ? gdb.temporaryBreakAtOnceLoaded(role.beginFunction)
                : gdb.temporaryBreakAt(role.beginFunction, null);
        boolean hit = false;
        try {
            Stop stop = run.get();
            if (stop.breakpoint() != bp.number()) {
                throw new PandaException(name + " stopped (" + stop + ") before reaching " + role.beginFunction + when);
            }
            hit = true;
            if (role == Role.REPLAY) snapshotFile = snapshotFileHere();
        } finally {
            // a temporary breakpoint left armed would stop the next run at the begin function, which
            // a move would then take for its goal, or, next to a new one there, for another stop
            if (!hit && gone() == null) {
                try {
                    gdb.delete(bp.number());
                } catch (DebuggerException e) {
                    // gdb has it no more (it was hit as the run ended): nothing armed
                }
            }
        }
        runAtBegin();
        pastBeginFunction = true;
    }

    /** A run from the start (reexecute) is under way or was stopped before its first TB after the begin function. */
    private volatile boolean reexecuting;

    /**
     * This run of the program stopped at the begin function and ran the start commands there: it
     * does not pass that function again, and a move stopped (Ctrl-C) before the first TB after it
     * goes on from where it is.
     */
    private volatile boolean pastBeginFunction;

    /**
     * PANDA's cpu_exec loop gives back an rr breakpoint its gdbstub set aside: at the first pass with
     * {@code rr_get_guest_instr_count() > cpu->temp_rr_bp_instr} it calls cpu_rr_breakpoint_insert
     * and clears the field (cpu-exec.c:856-860, right before that pass's cpu_loop_exec_tb). PANDA
     * makes that test itself on every pass, so with the field set to n - 1 and a breakpoint on
     * cpu_rr_breakpoint_insert the program stops once, on the first pass at or past n, where a
     * conditional breakpoint on cpu_loop_exec_tb stops gdb at every TB to test its condition (about
     * 0.3 ms a TB on a real PANDA). The call is popped before it runs: it would insert an rr
     * breakpoint, flush the TB cache and print. True when the move went on to that pass, or when
     * this way is not open (then the caller's conditional breakpoint does it all); false when
     * another stop came first (a user's breakpoint). Not on rr, which refuses memory writes outside
     * a diversion (nor on a server tandem did not start, which may be rr), nor for a strategy with
     * its own count expression (the diverge strategy's).
     */
    private boolean canHopToLoopPass() {
        return countCondition == null && gdb.target().acceptsMemoryWrites() && hasLoopPassStop();
    }

    private boolean hopToLoopPass(long n, long from) {
        if (n < 2 || !canHopToLoopPass()) return true;
        // a short span is cheaper TB by TB than the gdb commands of this way
        if ((from >= 0 ? from : instrCount()) + LOOP_PASS_MIN_SPAN > n) return true;
        String field = PandaNames.LOOP_PASS_FIELD;
        int bp = loopPassBreakpoint();
        gdb.evaluate(field + " = " + (n - 1));
        boolean ours = false;
        try {
            Stop stop = go(bp, n);
            ours = stop.breakpoint() == bp;
            // popped before it runs: the loop's next statement, `cpu->temp_rr_bp_instr = 0`, clears the
            // field when the program goes on (cpu-exec.c:856-860)
            if (ours) gdb.returnFromFrame();
        } finally {
            if (!ours) {
                try {
                    gdb.evaluate(field + " = 0");   // the pass never came: leave it as PANDA would
                } catch (DebuggerException e) {
                    // the program is gone: nothing left to clear
                }
            }
        }
        return ours;
    }

    private Boolean loopPassStop;

    /** Whether this PANDA has the cpu_exec loop's saved rr breakpoint (PANDA's gdbstub time travel, 2019 on). */
    private boolean hasLoopPassStop() {
        if (loopPassStop == null) {
            boolean field;
            try {
                gdb.evaluate(PandaNames.LOOP_PASS_FIELD);
                field = true;
            } catch (DebuggerException e) {
                field = false;
            }
            loopPassStop = field && hasSymbol(PandaNames.LOOP_PASS_FUNCTION);
        }
        return loopPassStop;
    }

    /**
     * Guest instructions a move must span for {@link #hopToLoopPass} to pay: its six gdb commands
     * cost about as much as a conditional breakpoint's stops over some ten TBs of a real PANDA.
     */
    static final long LOOP_PASS_MIN_SPAN = 512;

    private Integer loopPassBreakpoint;

    private int loopPassBreakpoint() {
        if (loopPassBreakpoint == null) loopPassBreakpoint = offBreakpoint(PandaNames.LOOP_PASS_FUNCTION);
        return loopPassBreakpoint;
    }

    /** Forward to the first debug_counter call at or past count `at`: one gdb-evaluated condition per period. */
    private void hopToCounter(long at, long goal) {
        int counter = debugCounterBreakpoint();
        gdb.condition(counter, countLvalue() + " >= " + at);
        go(counter, goal);
    }

    /**
     * To the TB boundary where debug_counter is called for the first period starting at or after
     * n (within one period and one TB past n; where PANDA chains TBs, while recording, up to a
     * chain further), from the nearest checkpoint: the cheap move, one stop per period rather
     * than per TB. Without debug_counter, {@link #toInstr(long, boolean)}.
     * Keeps no checkpoint. Returns the count reached.
     */
    public synchronized long toCounter(long n) {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        if (!useDebugCounter || !hasSymbol(PandaNames.DEBUG_COUNTER)) return toInstr(n, false);
        long target = PandaNames.periodStartAtOrAfter(n);
        long cur = here();
        cur = fromNearest(target, cur);
        hopToCounter(target, n);
        // debug_counter runs at a TB boundary, right before that TB's cpu_loop_exec_tb
        long reached = runToTb(null);
        firstTbAtOrAfter.put(reached, reached);
        return reached;
    }

    /**
     * Readies a forward move to n: stays when this is a TB boundary before n past the nearest
     * checkpoint at or before n, else restarts from that checkpoint. Returns the count then.
     */
    public synchronized long readyToMoveTo(long n) {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        long cur = here();
        return fromNearest(n, cur);
    }

    /** Keeps a checkpoint at the current count (a TB boundary the caller will come back to). */
    public synchronized void keepCheckpointHere() {
        keepCheckpoint(instrCount());
    }

    /** Executes exactly one TB: stops at the next cpu_loop_exec_tb. Returns the count reached. */
    public synchronized long nextTb() {
        requireTarget();
        if (begin < 0) beginRecordOrReplay();
        // a run from the start stopped before its first TB after the begin function: going on would
        // pass the begin function without its start commands, so run it again to that TB first
        else if (reexecuting) fromNearest(begin, here());
        return runToTb(null);
    }

    /** To the next TB executed (at or after count n when n is not null); the count there. */
    private long runToTb(Long n) {
        return runToTb(n, -1);
    }

    /** runToTb; from: the count where the side stands (-1: to be read), at or below n. */
    private long runToTb(Long n, long from) {
        if (n != null && !hopToLoopPass(n, from)) return instrCount();   // stopped elsewhere on the way
        int tb = execTbBreakpoint();
        gdb.condition(tb, n == null ? "" : countLvalue() + " >= " + n);
        go(tb, n == null ? PandaNames.EXEC_TB : n);
        return instrCount();
    }

    private void restart(long instr, int checkpoint) {
        gdb.restart(checkpoint);
        synchronized (this) {
            stops++;
        }
        if (!gdb.restartKeepsCheckpoint()) {
            // gdb's fork checkpoints are consumed by restart: the forked copy becomes the live
            // process. Fork a fresh copy so the count stays reachable.
            checkpoints.put(instr, gdb.checkpoint());
        }
    }

    /**
     * After the program ended on gdb's fork checkpoints: gdb carries on in one of them, which is the
     * live process from then on and no longer a checkpoint (restarting it says "Not found:
     * checkpoint id N"); keeps only the checkpoints gdb still lists.
     */
    public synchronized void forgetCheckpointsGdbDropped() {
        if (rewind != Rewind.FORK_CHECKPOINTS || checkpoints.size() == 0) return;
        java.util.NavigableMap<Long, Integer> before = checkpoints.snapshot();
        java.util.Set<Integer> listed;
        try {
            listed = gdb.listedCheckpoints();
        } catch (DebuggerException e) {
            // gdb has no process at all: no checkpoint survived
            checkpoints.clear();
            return;
        }
        checkpoints.retainCheckpoints(listed);
        // gdb went on in the newest one it dropped, which stands where it was taken: fork it again,
        // so that the count stays reachable after the live process moves on
        Long at = before.entrySet().stream().filter(e -> !listed.contains(e.getValue()))
                .map(Map.Entry::getKey).max(Long::compare).orElse(null);
        try {
            if (at != null && instrCount() == at) checkpoints.put(at, gdb.checkpoint());
        } catch (DebuggerException e) {
            // no process gdb can fork: the checkpoints it still lists are the ways back
        }
    }

    private void keepCheckpoint(long instr) {
        if (rewind == Rewind.REEXECUTION || checkpoints.has(instr)) return;
        try {
            checkpoints.put(instr, gdb.checkpoint());
        } catch (DebuggerException e) {
            String said = e.gdbMessage() == null ? e.getMessage() : e.gdbMessage();
            // gdb 13 linux-fork.c: "checkpoint: can't checkpoint multiple threads."
            if (said == null || !said.contains("multiple threads")) throw e;
            rewind = Rewind.REEXECUTION;
            notices.accept("gdb can't fork a checkpoint of " + gdb.target().description()
                    + " (it runs several threads): going back re-executes it from its start");
        }
    }

    /**
     * Keeps a way back to the current count: a checkpoint where this side can take one, nothing
     * where going back re-executes from the start. For the search, which chooses where.
     */
    public synchronized void keepCheckpointAt(long instr) {
        keepCheckpoint(instr);
    }

    /**
     * Stops the move in progress (Ctrl-C) and every move after it until {@link #clearInterrupt()}:
     * a move of several continues must not carry on with the next one. Never blocks.
     */
    public void interrupt() {
        interrupted = true;
        gdb.interrupt();
    }

    /** Lets moves run again after {@link #interrupt()}: the console calls it before each command. */
    public void clearInterrupt() {
        interrupted = false;
    }

    public boolean interrupted() {
        return interrupted;
    }

    /**
     * Continues to the next stop on the way to {@code goal}, unless interrupted, with tandem's
     * breakpoint {@code bp} (null: none) and PANDA's end enabled for this continue only: one gdb
     * command enables both, one disables them, so tandem's breakpoints are off between moves.
     */
    private Stop go(Integer bp, Object goal) {
        if (interrupted) throw new PandaException(name + ": interrupted on the way to " + goal + describeWhere());
        requireTarget();
        Integer end = endBreakpoint();
        int[] on = java.util.stream.Stream.of(bp, end).filter(java.util.Objects::nonNull).mapToInt(Integer::intValue).toArray();
        if (on.length > 0) gdb.enable(on);
        Stop stop;
        try {
            stop = gdb.cont(moveLimit);
        } catch (DebuggerException e) {
            String why = gone();
            if (why != null) throw new PandaException(name + " did not reach " + goal + ": " + gdb.gone(), e);
            throw e;
        } finally {
            if (on.length > 0 && gone() == null) gdb.disable(on);
        }
        if (end != null && stop.breakpoint() == end) {
            synchronized (this) {
                stops++;
            }
            throw new PandaException(name + " did not reach " + goal + ": " + endedHere(goal));
        }
        return move(stop, goal);
    }

    /**
     * Why the program stopped at PANDA's end of record / replay, which it has just reached. A replay
     * that fails ends there too: PANDA's rr_assertion calls rr_do_end_replay(is_error = 1)
     * (rr_log_all.h:282) and prints "ERROR: replay failed!"; that is the replay failing, not the
     * recording ending.
     */
    private String endedHere(Object goal) {
        long at = here();
        // the count can be past the goal: the failure came inside the TB that spans it, before a
        // TB at or past it began
        String inside = goal instanceof Long g && at >= g ? ", before a TB at or past " + g + " began" : "";
        if (replayFailedHere()) {
            return "PANDA's replay failed at guest instruction " + at + inside + " (" + role.endFunction + " with is_error set)"
                    + lastWords(gdb.drainProgramOutput());
        }
        return (inside.isEmpty() ? "the recording ends before it, at guest instruction " + at
                : "the recording ends at guest instruction " + at + inside) + " (stopped in " + role.endFunction + ")";
    }

    /**
     * Stopped in PANDA's end of replay, whether it is ending a failed replay: rr_assertion calls
     * rr_do_end_replay(is_error = 1) (rr_log_all.h:282), the end of the log calls it with 0.
     */
    public synchronized boolean replayFailedHere() {
        if (role != Role.REPLAY) return false;
        try {
            return gdb.evaluateUnsigned("is_error") != 0;
        } catch (DebuggerException e) {
            return false;   // not there, or a build whose end function has no such parameter
        }
    }

    /**
     * PANDA's end of record / replay: a move stops there rather than letting the program exit,
     * so the process, and with it gdb's fork checkpoints, stays for the next move. Disabled
     * between moves; null when the build has no such function. Callers that move the program
     * themselves (the divergence search) enable it around their own continues.
     */
    public synchronized Integer endBreakpoint() {
        if (endBreakpoint == null && hasSymbol(role.endFunction)) {
            endBreakpoint = offBreakpoint(role.endFunction);
        }
        return endBreakpoint;
    }

    /** Counts the stop and turns "the program ended" into an error saying where. */
    private Stop move(Stop stop, Object goal) {
        synchronized (this) {
            stops++;
        }
        if (stop.reason() == Stop.Reason.INTERRUPTED) {
            throw new PandaException(name + ": interrupted on the way to " + goal + describeWhere());
        }
        if (stop.exited()) forgetCheckpointsGdbDropped();
        if (killedFromOutside(stop)) {
            throw new PandaException(name + " did not reach " + goal + ": its PANDA (" + gdb.target().description()
                    + ") was killed with SIGKILL from outside tandem during the move; "
                    + (rewind != Rewind.REEXECUTION ? "`toInstr N` goes on from a checkpoint"
                    : role == Role.REPLAY ? "`toInstr N` runs the replay again from its start"
                    : "a live record run cannot be run again") + lastWords(gdb.drainProgramOutput()));
        }
        if (stop.exited() || stop.reason() == Stop.Reason.SIGNAL_RECEIVED || stop.reason() == Stop.Reason.NO_HISTORY) {
            if (begin < 0) throw notBegun(stop, goal);
            throw new PandaException(name + " did not reach " + goal + ": " + ending(stop)
                    + (stop.exited() ? " (the recording ends before it)" : describeWhere()) + lastWords(gdb.drainProgramOutput()));
        }
        return stop;
    }

    /**
     * The program died of SIGKILL: PANDA never sends itself one (it ends a failed replay with
     * abort(), rr_log.c:257) and tandem sends one only to what it closes, so someone else did
     * (kill -9, the OOM killer). gdb reports {@code *stopped,reason="exited-signalled",signal-name="SIGKILL"},
     * natively and through gdbserver alike.
     */
    private static boolean killedFromOutside(Stop stop) {
        return stop.reason() == Stop.Reason.EXITED_SIGNALLED && "SIGKILL".equals(stop.signal());
    }

    /**
     * The program ended before its record or replay reached its first TB: no recording was
     * played, so none ended. A replay whose snapshot PANDA could not load says which file and why.
     */
    private PandaException notBegun(Stop stop, Object goal) {
        try {
            gdb.awaitProgramOutput();   // PANDA's reason may still be on its way when gdb reports the end
        } catch (RuntimeException e) {
            // what has arrived is still worth saying
        }
        List<String> printed = gdb.drainProgramOutput();
        if (role == Role.REPLAY) {
            Optional<String> why = new ReplayOutput(printed, 1).snapshotNotLoaded();
            if (why.isPresent()) {
                return new PandaException(name + ": " + ReplayOutput.snapshotFailure(
                        snapshotFile == null ? "of the recording" : snapshotFile, why.get()));
            }
        }
        return new PandaException(name + " did not reach " + goal + ": " + ending(stop) + " before the "
                + (role == Role.REPLAY ? "replay" : "recording") + " began" + lastWords(printed));
    }

    /**
     * A stop that ends this program, in words: a replay that stops on SIGABRT inside rr_assert_fail
     * is PANDA's replay failing (rr_log.c:92-94,257: a failed rr_assert prints its expression and
     * calls abort()), not any abort; anything else as gdb said it.
     */
    public String ending(Stop stop) {
        if (role == Role.REPLAY && stop.reason() == Stop.Reason.SIGNAL_RECEIVED && stop.toString().contains("SIGABRT")) {
            try {
                if (gdb.backtrace().stream().anyMatch(f -> PandaNames.RR_ASSERT_FAIL.equals(f.function()))) {
                    return "PANDA's replay failed there: " + PandaNames.RR_ASSERT_FAIL + " aborted it";
                }
            } catch (RuntimeException e) {
                // no stack to read: say what gdb said
            }
        }
        return stop.toString();
    }

    /**
     * What PANDA printed last, for an error about its end: its own reason (a missing snapshot, a
     * failed rr_assertion) says more than the signal it died of.
     */
    private String lastWords(List<String> printed) {
        List<String> out = printed.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (out.isEmpty()) return "";
        return "; PANDA printed: " + String.join(" / ", out.subList(Math.max(0, out.size() - 3), out.size()));
    }

    /** " (now at guest instruction N)" (or before the first TB, see {@link #where()}), or nothing when the count can't be read. */
    String describeWhere() {
        try {
            return " (now " + where() + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /**
     * Where this side stands, for messages: "at guest instruction N"; before the first TB after the
     * begin function of this run (a first move or a run from the start, stopped by Ctrl-C) what the
     * count reads there (0 before PANDA's replay began) is no place, and this says so and what the
     * next move does. Throws DebuggerException when the program can't be asked.
     */
    public String where() {
        if (reexecuting) {
            return "before the first TB after " + role.beginFunction + " of a run from its start that was stopped;"
                    + " the next move runs it from its start again";
        }
        if (begin < 0) return "before the first TB after " + role.beginFunction + "; the next move goes on from there";
        return "at guest instruction " + instrCount();
    }

    /** The function the program stands in, for messages; "an unknown function" when gdb can't say. */
    private String functionHere() {
        try {
            List<Frame> bt = gdb.backtrace();
            return bt.isEmpty() || bt.get(0).function() == null ? "an unknown function" : bt.get(0).function();
        } catch (RuntimeException e) {
            return "an unknown function";
        }
    }

    private boolean atExecTb() {
        List<Frame> bt = gdb.backtrace();
        return !bt.isEmpty() && PandaNames.EXEC_TB.equals(bt.get(0).function());
    }

    private int execTbBreakpoint() {
        if (execTbBreakpoint == null) execTbBreakpoint = offBreakpoint(PandaNames.EXEC_TB);
        return execTbBreakpoint;
    }

    private int debugCounterBreakpoint() {
        if (debugCounterBreakpoint == null) debugCounterBreakpoint = offBreakpoint(PandaNames.DEBUG_COUNTER);
        return debugCounterBreakpoint;
    }

    /**
     * A breakpoint of tandem's at {@code location}, disabled: {@link #go} enables it for its one
     * continue. Left enabled, a move stopped (Ctrl-C) before that continue would leave it armed to
     * stop the next move, which would take that stop for its goal or end short of it.
     */
    private int offBreakpoint(String location) {
        int n = gdb.breakAt(location, null).number();
        gdb.disable(n);
        return n;
    }

    /**
     * The count expression diverge.py puts in its breakpoint conditions: {@code *(uint64_t *)ADDR},
     * ADDR the address of {@code cpus->tqh_first->rr_guest_instr_count} (diverge.py's
     * condition_instr, panda/scripts/diverge.py:233-239). Not QEMU's icount fields: PANDA updates
     * timers_state.qemu_icount, icount_decr and icount_extra only under -icount (cpus.c:1185-1213),
     * which record/replay does not use, so they read 0.
     */
    public String divergeCountExpression() {
        return "*(uint64_t *) " + gdb.evaluateUnsigned("&" + PandaNames.INSTR_COUNT);
    }

    private volatile String countCondition;

    /** The count expression breakpoint conditions use (null: a plain read of the count at its address). */
    public void countCondition(String expression) {
        this.countCondition = expression;
    }

    /**
     * The count as a plain memory read at a fixed address: cheaper for gdb to evaluate per hit than
     * the pointer chain, and compilable to an agent expression for target-side evaluation.
     */
    String countExpression() {
        return countLvalue();
    }

    private String countLvalue() {
        if (countCondition != null) return "(" + countCondition + ")";
        if (countLvalue == null) countLvalue = "*(unsigned long long *) " + instrCountAddress();
        return countLvalue;
    }

    /** Host address of the guest instruction count (a uint64 in the first CPU's state). */
    public long instrCountAddress() {
        return gdb.evaluateUnsigned("&" + PandaNames.INSTR_COUNT);
    }

    // ---- looking ----

    public long instrCount() {
        return gdb.evaluateUnsigned(PandaNames.INSTR_COUNT);
    }

    public long pc() {
        return gdb.evaluateUnsigned(arch.pcExpression());
    }

    public Registers regs() {
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("pc", pc());
        List<String> names = arch.registerNames();
        for (int i = 0; i < names.size(); i++) {
            values.put(names.get(i), gdb.evaluateUnsigned(arch.registerExpression(i)));
        }
        arch.extraRegisters().forEach((label, field) -> values.put(label, gdb.evaluateUnsigned(arch.field(field))));
        return new Registers(arch, values);
    }

    /** MIPS CP0_EPC: where the guest returns after an exception. */
    public long epc() {
        requireMips("epc()");
        return gdb.evaluateUnsigned(arch.field("CP0_EPC"));
    }

    /** MIPS ASID: the low 8 bits of CP0_EntryHi. */
    public long asid() {
        requireMips("asid()");
        return gdb.evaluateUnsigned(arch.field("CP0_EntryHi")) & 0xff;
    }

    private void requireMips(String what) {
        if (arch != Arch.MIPS) throw new PandaException(what + " is MIPS-only; " + name + " is " + arch.qemuName());
    }

    public Translation v2p(long virtualAddress) {
        long phys = gdb.evaluateUnsigned("panda_virt_to_phys(cpus->tqh_first, " + Long.toUnsignedString(virtualAddress) + ")");
        // hwaddr is 64-bit in QEMU; -1 means "not mapped". A 32-bit all-ones answer is read the same way.
        boolean unmapped = phys == -1L || phys == 0xffffffffL;
        return new Translation(virtualAddress, unmapped ? OptionalLong.empty() : OptionalLong.of(phys));
    }

    /**
     * The state signatures here, each named with its source: PANDA's rr_checksum_regs() (null when
     * the build lacks it), tandem's crc32 of guest RAM computed in the PANDA process (diverge.py's
     * RAM checksum), and tandem's hash of the TLB entries (null on archs without a software TLB).
     * No PANDA has a RAM or TLB checksum function of that kind (only rr_checksum_memory()).
     */
    public Checksums checksums() {
        long instr = instrCount();
        Long regs = hasSymbol(PandaNames.RR_CHECKSUM_REGS) ? gdb.evaluateUnsigned("(unsigned int) " + PandaNames.RR_CHECKSUM_REGS + "()") : null;
        return new Checksums(instr, regs, ramCrc(0, ramSize()), tlbHash());
    }

    /** Host address and byte size of the TLB entry array; empty when the arch has none. */
    private long[] tlbBlock;

    /**
     * A guest-state name ({@link Arch#guestState}: 'EntryHi', 'gpr[5]', 'tlb[3].VPN2') as a gdb
     * lvalue, else the text itself (any gdb lvalue). A register past the arch's array, or a TLB
     * entry past this PANDA's count (env->tlb->nb_tlb), is refused: gdb would read what follows.
     */
    public String guestState(String name) {
        String expr = arch.guestState(name).orElse(name);
        java.util.OptionalLong entry = arch.tlbEntry(name);
        if (entry.isPresent()) {
            long n = gdb.evaluateUnsigned(arch.tlbCount());
            if (entry.getAsLong() >= n) {
                throw new PandaException(name.trim() + ": this PANDA's " + arch.name() + " TLB has " + n
                        + " entries (env->tlb->nb_tlb), tlb[0] to tlb[" + (n - 1) + "]");
            }
        }
        return expr;
    }

    /**
     * Whether the arch keeps a software TLB whose entries tandem found (MIPS: env->tlb->mmu.r4k.tlb).
     * Throws PandaException where a run from the start stopped before its first TB cannot tell.
     */
    public synchronized boolean hasTlbHash() {
        if (tlbBlock != null) return tlbBlock.length > 0;
        if (!arch.hasSoftwareTlb()) {
            tlbBlock = new long[0];
            return false;
        }
        try {
            String tlb = arch.field("tlb->mmu.r4k.tlb");
            long n = gdb.evaluateUnsigned(arch.tlbCount());
            tlbBlock = new long[]{gdb.evaluateUnsigned("&" + tlb + "[0]"), n * gdb.evaluateUnsigned("sizeof(" + tlb + "[0])")};
            return true;
        } catch (DebuggerException noTlbArray) {
            // a run from the start stopped before its first TB may stand where PANDA's CPU state, or
            // gdb's knowledge of its code, is not there yet: no answer, rather than "no TLB" for good
            if (reexecuting) {
                throw new PandaException(name + ": can't tell whether this PANDA keeps its " + arch.name()
                        + " TLB where tandem reads it (" + arch.field("tlb->mmu.r4k.tlb") + "): " + noTlbArray.getMessage() + describeWhere(), noTlbArray);
            }
            // before the program runs there is no CPU state to reach it through: ask again later
            if (begin >= 0) tlbBlock = new long[0];
            return false;
        }
    }

    /**
     * tandem's hash of the TLB: a crc32 of the entries {@code env->tlb->mmu.r4k.tlb[0 .. nb_tlb)}
     * read in one piece (no PANDA has a TLB checksum function: rr_checksum_tlb() is only named in
     * the notes). Raw bytes: QEMU's CPU state starts zeroed and the entries' fields are written one
     * by one, so the padding around them is the same on both sides. Null without a software TLB.
     */
    /** Host address and length (bytes) of the TLB entries tlbHash hashes; hasTlbHash() must be true. */
    public long[] tlbBlock() {
        return tlbBlock.clone();
    }

    public Long tlbHash() {
        if (!hasTlbHash()) return null;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(gdb.readMemory(tlbBlock[0], (int) tlbBlock[1]));
        return crc.getValue();
    }

    public long ramSize() {
        return gdb.evaluateUnsigned("ram_size");
    }

    /**
     * The 32-bit guest word at {@code offset} bytes into guest RAM (guest-physical where RAM starts
     * at 0, as on MIPS Malta), read through {@link #ramPointer()} as the search compares RAM, in the
     * guest's byte order as PANDA's target_words_bigendian() (exec.c) gives it: mips is big-endian,
     * mipsel, x86 and arm little-endian; the host's order (x86-64) is not the guest's.
     */
    public long ramWord(long offset) {
        byte[] b = gdb.readMemory(ramPointer() + offset, 4);
        if (bigEndian == null) bigEndian = gdb.evaluateUnsigned("(int) target_words_bigendian()") != 0;
        return java.nio.ByteBuffer.wrap(b).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt() & 0xffffffffL;
    }

    private Boolean bigEndian;

    /** zlib crc32 of guest RAM [offset, offset+length), computed inside the PANDA process. */
    public long ramCrc(long offset, long length) {
        long crc = 0;
        long step = 1L << 30; // crc32's length is a 32-bit uInt
        for (long at = offset; at < offset + length; at += step) {
            long n = Math.min(step, offset + length - at);
            crc = gdb.evaluateUnsigned("(unsigned long) " + libraryFunction("crc32", "unsigned long (*)(unsigned long, const unsigned char *, unsigned int)")
                    + "(" + crc + ", (unsigned char *) " + ramPointer() + " + " + at + ", " + n + ")");
        }
        return crc;
    }

    /**
     * Host address of guest RAM, found the way PANDA finds it: panda_find_ram() (panda/src/common.c,
     * the largest RAM region of system memory; rr_checksum_memory uses it). Builds without it get
     * diverge.py's lookup of the region at guest-physical 0x2000000, which is RAM on MIPS Malta but
     * not on every board (ARM virt has flash there, RAM from 0x40000000).
     */
    public long ramPointer() {
        if (ramPointer == null) {
            ramPointer = gdb.evaluateUnsigned(hasSymbol("panda_find_ram") ? "panda_find_ram()->ram_block->host"
                    : "memory_region_find(get_system_memory(), 0x2000000, 1).mr->ram_block->host");
        }
        return ramPointer;
    }

    /** The TB about to execute, disassembled by PANDA's own target_disas. */
    public String disas() {
        String range = inExecTbFrame() ? "tb->pc, tb->size" : pc() + ", 32";
        return captureOutput("target_disas(%FILE%, cpus->tqh_first, " + range + ", 0)");
    }

    /** PANDA's cpu_dump_state text for the first CPU. */
    public String cpuDump() {
        return captureOutput("cpu_dump_state(cpus->tqh_first, %FILE%, (fprintf_function) fprintf, " + dumpFpuFlag() + ")");
    }

    /**
     * CPU_DUMP_FPU by name when the build's debug info has it; gcc leaves out enums no code uses,
     * so otherwise QEMU's value of it.
     */
    private String dumpFpuFlag() {
        if (dumpFpuFlag == null) {
            try {
                gdb.evaluate("CPU_DUMP_FPU");
                dumpFpuFlag = "CPU_DUMP_FPU";
            } catch (DebuggerException e) {
                dumpFpuFlag = "0x20000";
            }
        }
        return dumpFpuFlag;
    }

    private boolean inExecTbFrame() {
        try {
            return atExecTb() && gdb.evaluateUnsigned("tb") != 0;
        } catch (DebuggerException e) {
            return false;
        }
    }

    /**
     * Runs a call that prints to a FILE* into a memory stream inside the PANDA process and reads the
     * text back. This needs neither the program's stdout (a block-buffered pipe, or rr's terminal) nor
     * libc debug info (every libc call is cast to its declared type), and works in rr's diversions.
     */
    /**
     * A library function without debug info (libc, zlib) as a call target: its address, looked up
     * once, cast to its type. gdb looks a name up again at every call, which costs ~3 ms for such a
     * symbol here against ~0.2 ms for a call through the address (the RAM search makes dozens).
     * Addresses hold for the life of the session: gdb and rr run the program without address
     * randomization, and checkpoints are forks of it.
     */
    private String libraryFunction(String name, String type) {
        return libraryFunctions.computeIfAbsent(name, n -> "((" + type + ") " + gdb.evaluateUnsigned("(unsigned long) &" + n) + ")");
    }

    private String captureOutput(String callWithFile) {
        String malloc = libraryFunction("malloc", "void *(*)(unsigned long)");
        String free = libraryFunction("free", "void (*)(void *)");
        long cell = gdb.evaluateUnsigned("(unsigned long) " + malloc + "(16)");
        if (cell == 0) throw new PandaException(name + ": malloc failed in the PANDA process");
        try {
            gdb.evaluate("*(unsigned long *) " + cell + " = 0");
            gdb.evaluate("*(unsigned long *) " + (cell + 8) + " = 0");
            long file = gdb.evaluateUnsigned("(unsigned long) " + libraryFunction("open_memstream", "void *(*)(char **, unsigned long *)")
                    + "((char **) " + cell + ", (unsigned long *) " + (cell + 8) + ")");
            if (file == 0) throw new PandaException(name + ": open_memstream failed in the PANDA process");
            String f = "(FILE *) " + file;
            try {
                gdb.call(callWithFile.replace("%FILE%", f));
            } finally {
                gdb.evaluate("(int) " + libraryFunction("fclose", "int (*)(void *)") + "(" + f + ")");
            }
            long buf = gdb.evaluateUnsigned("*(unsigned long *) " + cell);
            long len = gdb.evaluateUnsigned("*(unsigned long *) " + (cell + 8));
            String text = len == 0 ? "" : new String(gdb.readMemory(buf, (int) len), StandardCharsets.UTF_8);
            if (buf != 0) gdb.evaluate("(void) " + free + "((void *) " + buf + ")");
            return text;
        } finally {
            gdb.evaluate("(void) " + free + "((void *) " + cell + ")");
        }
    }

    public List<Frame> backtrace() {
        return gdb.backtrace();
    }

    public String eval(String expression) {
        return gdb.evaluate(expression);
    }

    public String gdb(String command) {
        return gdb.console(command);
    }

    /**
     * Whether the PANDA build defines a function or global (debug_counter, rr_checksum_tlb, ...).
     * Throws PandaException where gdb knows none of PANDA's code, so cannot tell (a run from the
     * start stopped before the dynamic loader mapped libpanda-ARCH.so, or a program that ended),
     * for a name not asked before.
     */
    public synchronized boolean hasSymbol(String symbol) {
        Boolean known = symbols.get(symbol);
        if (known != null) return known;
        try {
            gdb.evaluate("&" + symbol);
            symbols.put(symbol, true);
            return true;
        } catch (DebuggerException e) {
            // gdb forgets a shared library's symbols when the program starts again and reads them when
            // the dynamic loader maps it: where it does not know PANDA's own count either (a run from
            // the start stopped before libpanda-ARCH.so was mapped), "no" says nothing of the build
            if (!knowsPandaCode()) {
                throw new PandaException(name + ": can't tell whether this PANDA has " + symbol + ": gdb knows none of its code here"
                        + " (it forgets libpanda's symbols when the program ends or starts again, until the dynamic loader maps it)"
                        + describeWhere(), e);
            }
            symbols.put(symbol, false);
            return false;
        }
    }

    /** Whether gdb knows the symbols of PANDA's code here: the count open checked for. */
    private boolean knowsPandaCode() {
        try {
            gdb.evaluate("&" + PandaNames.INSTR_COUNT);
            return true;
        } catch (DebuggerException e) {
            return false;
        }
    }

    @Override
    public void close() {
        gdb.close();
    }

    @Override
    public String toString() {
        return name + " (" + gdb.target().description() + ")";
    }
}
