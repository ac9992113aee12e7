package tandem.debugger;

import tandem.mi.AsyncRecord;
import tandem.mi.GdbDiedException;
import tandem.mi.GdbErrorException;
import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiMark;
import tandem.mi.MiResult;
import tandem.mi.MiTimeoutException;
import tandem.mi.PendingStop;
import tandem.mi.ProgramLostException;
import tandem.mi.Settled;
import tandem.mi.TargetLostException;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What runs the program in one gdb session: MI's resuming commands and console commands that may
 * resume (continue, run, an rr restart), each waited for to its stop, with the limit it was given;
 * and the interrupt that stops them (Ctrl-C).
 */
final class GdbMoves {

    /** How long a command that does not resume the target may take (calls into the program included). */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Target target;
    private final MiChannel mi;
    private final GdbErrors errors;
    private final KilledWhileTesting killedWhileTesting;
    private volatile boolean running;
    private volatile boolean interruptRequested;
    /** Counts the commands that may run the program, so an interrupt knows which one it was for. */
    private final AtomicLong moves = new AtomicLong();
    /**
     * Held while an interrupt signals the program and while a command begins: a SIGINT sent for
     * one move is in the program (or answered) before the next begins and counts what waits.
     */
    private final Object signalling = new Object();
    /**
     * SIGINTs of tandem's interrupts that may still wait in the program and are no move's stop:
     * sent while gdb was already stopping it (a follow-up, or gdb's own for -exec-interrupt, that
     * raced the stop). Each surfaces as a SIGINT stop once the program runs again; see
     * {@link #beginMove()}.
     */
    private int leftoverSigints;

    GdbMoves(Target target, MiChannel mi, GdbErrors errors) {
        this.target = target;
        this.mi = mi;
        this.errors = errors;
        this.killedWhileTesting = new KilledWhileTesting(target, mi, this::tracesNatively);
    }

    /** Whether gdb traces the program itself, asked once: the target stack does not change under a session. */
    private Boolean tracesNatively;

    synchronized boolean tracesNatively() {
        if (tracesNatively == null) tracesNatively = asksTracesNatively();
        return tracesNatively;
    }

    private boolean asksTracesNatively() {
        try {
            return console("maint print target-stack").contains("- native");
        } catch (DebuggerException e) {
            return false;
        }
    }

    /** Whether an interrupt of this session's came since the last move began. */
    boolean interruptRequested() {
        return interruptRequested;
    }

    /**
     * For a call in the program that gdb undid on a SIGINT, between moves: whether that SIGINT may
     * be one an earlier interrupt left (see {@link #leftoverSigints}); if so it is counted as met.
     */
    boolean spendLeftoverSigint() {
        synchronized (signalling) {
            if (interruptRequested) {
                // the interrupted move's leftovers, counted as the next move would, and this one
                leftoverSigints = mi.programSigintsPending() + 2;
                interruptRequested = false;
            }
            if (leftoverSigints == 0) return false;
            leftoverSigints--;
            return true;
        }
    }

    // ---- moving ----

    Stop cont(Duration limit) {
        return resume(MiCommand.of("exec-continue"), limit);
    }

    Stop reverseCont(Duration limit) {
        requireReverse("reverse-continue");
        return resume(MiCommand.of("exec-continue").option("--reverse"), limit);
    }

    Stop rerun(Duration limit) {
        Stop stop = OpStats.time("run", () -> consoleMove(target.rerunCommand(), limit).stop());
        if (stop == null) throw new DebuggerException("`" + target.rerunCommand() + "` did not start " + target.description());
        // rr stops a replay it restarted where it restarted it (the resume after a restart meets
        // interrupt_pending, GdbServer.cc:1764, 1453-1461); a live run stops only at a breakpoint,
        // a signal or the end
        if (target.rerunStopsAtStart() && !stop.exited() && stop.reason() != Stop.Reason.BREAKPOINT_HIT
                && stop.reason() != Stop.Reason.WATCHPOINT_TRIGGER) {
            stop = cont(limit);
        }
        return stop;
    }

    Stop stepInstruction() {
        return resume(MiCommand.of("exec-step-instruction"), COMMAND_TIMEOUT);
    }

    Stop reverseStepInstruction() {
        requireReverse("reverse-stepi");
        return resume(MiCommand.of("exec-step-instruction").option("--reverse"), COMMAND_TIMEOUT);
    }

    Stop finish() {
        return resume(MiCommand.of("exec-finish"), COMMAND_TIMEOUT);
    }

    private void requireReverse(String what) {
        if (!target.canReverse()) {
            throw new DebuggerException(what + " needs reverse execution, which " + target.description()
                    + " does not have (rr replays do)");
        }
    }

    private Stop resume(MiCommand command, Duration limit) {
        return OpStats.time(command.text().contains("reverse") ? "reverse-continue" : command.text().contains("step") ? "stepi" : "continue",
                () -> resumeNow(command, limit));
    }

    private Stop resumeNow(MiCommand command, Duration limit) {
        beginMove();
        try {
            MiMark before = mi.mark();
            Stop stop = GdbStops.of(mi.resume(command, limit), interruptRequested);
            while (leftover(stop)) {
                // an earlier interrupt's signal, not this move's stop (gdb keeps SIGINT from the
                // program, and stops before the program moves on): the move again
                leftoverSigints--;
                stop = GdbStops.of(mi.resume(command, limit), interruptRequested);
            }
            moved(stop);
            DebuggerException killed = killedWhileTesting.check(stop, mi.saidSince(before), command.text());
            if (killed != null) throw killed;
            return stop;
        } catch (MiTimeoutException e) {
            throw new DebuggerException(target.description() + " did not stop within " + limit.toSeconds()
                    + " s of " + command.text() + "; " + interruptQuietly());
        } catch (GdbErrorException e) {
            throw new DebuggerException(command.text() + " failed", e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw errors.died(e);
        } catch (TargetLostException e) {
            throw errors.lost(e, command.text());
        } catch (ProgramLostException e) {
            forgetLostProgram();
            throw new DebuggerException(target.description() + " ended during " + command.text()
                    + ", killed from outside tandem: gdb said `" + e.gdbWords() + "` and reported no stop; "
                    + "gdb can run it again", null, e);
        } finally {
            running = false;
        }
    }

    /**
     * Has gdb let go of a program it lost without a stop: gdb holds it as running still, and after
     * "Couldn't get registers: No such process." fails on its registers at every later command,
     * `1 + 1` included (1 of 60 runs of GdbDebuggerSpec's SIGKILL-during-a-continue feature).
     * `kill` reaps it and leaves gdb with no program, to run again.
     */
    private void forgetLostProgram() {
        try {
            mi.console("kill", Duration.ofSeconds(10));
        } catch (tandem.mi.MiException ignored) {
            // the error the caller throws says what happened either way
        }
    }

    /** gdb's "Switching to Thread 0x7ffff7db3740 (LWP 31335)" or "Switching to process 31335" after a restart. */
    private static final Pattern SWITCHED = Pattern.compile("Switching to (?:Thread \\S+ \\(LWP (\\d+)\\)|process (\\d+))");

    // ---- console commands ----

    /** A console command with a PANDA move's limit (4 hours); see {@link #console(String, Duration)}. */
    String console(String command) {
        return console(command, Duration.ofHours(4));
    }

    /**
     * Runs a console command as typed at a gdb prompt. When it resumes the program (continue, rc,
     * stepi, run, an rr restart), waits until gdb has finished it and appends gdb's report of its
     * last stop: "[stopped: REASON in FUNCTION]". A command that goes on after its last stop
     * without a stop of its own (a fork restart after a hook's stepi: "Switching to ...") has
     * gdb's words last.
     */
    String console(String command, Duration limit) {
        return consoleMove(command, limit).text();
    }

    /** The least wait for gdb to finish a command after its first stop, however little of the limit is left. */
    private static final Duration SETTLE_FLOOR = Duration.ofSeconds(5);

    /** A console command's answer, and the stop it ended on when it resumed the program (else null). */
    private record Answer(String text, Stop stop) {
    }

    private Answer consoleMove(String command, Duration limit) {
        if (mi.targetLost() != null) throw new DebuggerException(errors.gone());
        PendingStop stop = mi.expectStop("*stopped after `" + command + "`");
        boolean resumed = false;
        long started = System.nanoTime();
        MiMark before = mi.mark();
        try {
            beginMove();
            MiResult r = mi.send(MiCommand.console(command), COMMAND_TIMEOUT);
            // a command gdb answers only on its log stream (`break nosuchfn`: "Function ... not
            // defined." and the pending query it answered itself) says so there, not nothing
            StringBuilder out = new StringBuilder(r.console().isEmpty() && r.log() != null ? r.log() : r.console());
            Stop last = null;
            if ("running".equals(r.resultClass())) {
                resumed = true;
                AsyncRecord first = stop.await(limit);
                // rr's restart steps first (its run hook) and goes on: the first stop is not its end
                long left = Math.max(limit.toNanos() - (System.nanoTime() - started), SETTLE_FLOOR.toNanos());
                Settled after = mi.settle(stop.mark(), Duration.ofNanos(left));
                last = GdbStops.of(after.stops() > 0 ? after.lastStop() : first, interruptRequested);
                // a console command is not repeated (`run`, `continue N`, a restart): a leftover
                // SIGINT that ends it is shown as gdb reported it, and counted as met
                if (leftover(last)) leftoverSigints--;
                else moved(last);
                DebuggerException killed = killedWhileTesting.check(last, mi.saidSince(before), "`" + command + "`");
                if (killed != null) throw killed;
                out.append(after.text());
                if (after.afterLast().isBlank()) {
                    out.append(out.length() == 0 || out.charAt(out.length() - 1) == '\n' ? "" : "\n").append("[stopped: ").append(last).append("]\n");
                }
            }
            if (command.startsWith("restart")) {
                // a fork checkpoint is another process: interrupts must go to it from now on
                Matcher m = SWITCHED.matcher(out);
                if (m.find() && tracesNatively()) mi.programSwitched(Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)));
            }
            return new Answer(out.toString(), last);
        } catch (GdbErrorException e) {
            throw new DebuggerException("gdb rejected `" + command + "`", e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw errors.died(e);
        } catch (TargetLostException e) {
            throw errors.lost(e, "`" + command + "`");
        } catch (MiTimeoutException e) {
            throw new DebuggerException("`" + command + "` did not finish within " + limit.toSeconds() + " s on "
                    + target.description() + (resumed ? "; " + interruptQuietly() : ""));
        } finally {
            running = false;
            if (!resumed) stop.cancel();
        }
    }

    /**
     * Begins a command that may run the program. After an interrupted move, first counts the
     * SIGINTs that may wait in the program: those /proc shows waiting in tandem's own program, and
     * one more that gdb may keep (a thread took it while gdb stopped the threads for the other
     * stop; gdb holds it as that thread's pending event, where /proc no longer shows it, and
     * reports it at the next resume). In PANDA only the main thread takes SIGINT (QEMU's other
     * threads start with every signal blocked, qemu_thread_create, util/qemu-thread-posix.c:462),
     * so at most two wait: one gdb keeps, one in the process's pending set.
     * Counted here rather than when the interrupted move ends: an interrupt's signal sent as that
     * move ended is in the program by now (see {@link #signalling}).
     */
    private void beginMove() {
        synchronized (signalling) {
            if (interruptRequested) leftoverSigints = mi.programSigintsPending() + 1;
            interruptRequested = false;
            running = true;
            moves.incrementAndGet();
        }
    }

    /**
     * Whether a stop is a SIGINT an earlier interrupt left, not this move's: a SIGINT while one may
     * wait and no interrupt came during this move. A Ctrl-C during this move makes its SIGINT stop
     * {@link Stop.Reason#INTERRUPTED}, never a leftover.
     */
    private boolean leftover(Stop stop) {
        return leftoverSigints > 0 && !interruptRequested && stop.reason() == Stop.Reason.SIGNAL_RECEIVED
                && "SIGINT".equals(stop.signal());
    }

    /**
     * After a move's own stop: a SIGINT gdb kept surfaces at the first resume, before any other
     * stop, so once a move stopped otherwise only what /proc shows waiting may still come.
     */
    private void moved(Stop stop) {
        if (leftoverSigints > 0 && !"SIGINT".equals(stop.signal())) leftoverSigints = Math.min(leftoverSigints, mi.programSigintsPending());
    }

    void interrupt() {
        if (!running) return;
        interruptRequested = true;
        long move = moves.get();
        boolean remote = target.connection() == Target.Connection.REMOTE;
        Thread t = new Thread(() -> {
            // the move may have ended before this thread ran: then there is nothing to interrupt,
            // and an -exec-interrupt or SIGINT now would land in the next command
            synchronized (signalling) {
                if (!running || moves.get() != move) return;
                // a server (gdbserver, rr) honours -exec-interrupt; a gdb tracing the program itself
                // gets its follow-ups sooner
                interruptQuietly(remote ? Duration.ofSeconds(5) : Duration.ofMillis(600));
            }
            // gdb can lose an interrupt that comes while it tests a breakpoint condition at every
            // hit of a program it traces itself; SIGINT to the program is always reported as a stop.
            // Only while the same move runs: a signal landing in the next command (a restart's
            // calls into the program) would break that command instead. Often: the signal goes only
            // to a program caught running, and gdb holds it stopped most of the time at each hit.
            for (int i = 0; i < 50 && running && moves.get() == move && !remote; i++) {
                try {
                    Thread.sleep(100);
                    synchronized (signalling) {
                        if (running && moves.get() == move) mi.interruptPrograms();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    return; // the program is gone: the waiting caller says so
                }
            }
        }, "tandem-interrupt");
        t.setDaemon(true);
        t.start();
    }

    /** Interrupts, and says how it went: "it was interrupted", or what was tried and what came of it. */
    private String interruptQuietly() {
        return interruptQuietly(Duration.ofSeconds(5));
    }

    private String interruptQuietly(Duration wait) {
        try {
            mi.interrupt(wait);
            return "it was interrupted";
        } catch (RuntimeException e) {
            // the waiting caller reports what happened; an interrupt must never throw at Ctrl-C
            return "the interrupt did not stop it either: " + e.getMessage();
        }
    }

    boolean running() {
        return running;
    }
}
