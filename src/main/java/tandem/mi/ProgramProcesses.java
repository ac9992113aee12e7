package tandem.mi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes of one gdb session that tandem may signal and must end: what it started (gdb, or
 * rr running gdb; a target's server), and the debugged programs gdb reported that descend from
 * them (see {@link OwnProcess}). Pids gdb reported that are not tandem's (under rr, the recorded
 * ones) are kept apart and never signalled.
 */
final class ProgramProcesses {

    /** The debugged programs gdb reported that are tandem's own, by pid. */
    private final Map<Long, OwnProcess> inferiors = new ConcurrentHashMap<>();
    /** Pids gdb reported that are not tandem's processes: never signalled (under rr, recorded pids). */
    private final Set<Long> foreignPids = ConcurrentHashMap.newKeySet();
    /** The processes tandem started for this session: the roots of what it may signal. */
    private final Set<Long> roots = ConcurrentHashMap.newKeySet();
    /** The process gdb runs now, when known: after a checkpoint restart it is not the one first started. */
    private volatile OwnProcess current;

    /** A process tandem started for this session: it and its descendants are tandem's to signal and end. */
    void addRoot(long pid) {
        roots.add(pid);
    }

    /** gdb names the process it runs now: taken only if it is tandem's own, per the process tree. */
    void reported(long pid) {
        java.util.Optional<OwnProcess> own = OwnProcess.of(pid, roots);
        if (own.isPresent()) {
            inferiors.put(pid, own.get());
            current = own.get();
        } else {
            foreignPids.add(pid);
            current = null;
        }
    }

    Set<Long> inferiorPids() {
        return Set.copyOf(inferiors.keySet());
    }

    Set<Long> foreignPids() {
        return Set.copyOf(foreignPids);
    }

    /** The reported programs that are tandem's own and still the same processes. */
    List<ProcessHandle> ownPrograms() {
        List<ProcessHandle> own = new ArrayList<>();
        for (OwnProcess p : inferiors.values()) p.handle().ifPresent(own::add);
        return own;
    }

    /**
     * Sends SIGINT to the program gdb runs now (else to every one it reported), if it is tandem's
     * own and running. Returns what it did, for messages: "SIGINT to program pid 123", "program pid
     * 4242 that gdb reported is not a process tandem started: not signalled", or "".
     */
    String interruptPrograms() {
        List<String> did = new ArrayList<>();
        // only the process running now: a SIGINT queued in a stopped checkpoint fork would hit
        // whoever restarts it later
        OwnProcess now = current;
        for (OwnProcess p : now != null ? List.of(now) : List.copyOf(inferiors.values())) {
            if (p.exists() && runs(p.pid())) {
                GdbProcess.sigint(p.pid());
                did.add("SIGINT to program pid " + p.pid());
            }
        }
        if (!foreignPids.isEmpty()) {
            did.add("program pid " + joined(foreignPids) + " that gdb reported "
                    + (foreignPids.size() == 1 ? "is not a process" : "are not processes")
                    + " tandem started (under rr it is the recorded pid): not signalled");
        }
        return String.join("; ", did);
    }

    /**
     * How many SIGINTs wait in the program gdb runs now (else in every one it reported), if
     * tandem's own: one at most in each one's shared pending set
     * ({@code ShdPnd} of /proc/PID/status, where a signal sent to the process waits while every
     * thread that could take it is stopped) and one at most in each thread's own ({@code SigPnd}
     * of /proc/PID/task/TID/status). SIGINT is a standard signal: a second one sent while one
     * waits in the same set is merged with it (signal(7)). Per /proc, at the time asked.
     */
    int sigintsPending() {
        int n = 0;
        // the process running now, as interruptPrograms signals it: a waiting checkpoint fork's
        // signal is not the next move's
        OwnProcess now = current;
        for (OwnProcess p : now != null ? List.of(now) : List.copyOf(inferiors.values())) {
            if (!p.exists()) continue;
            java.nio.file.Path proc = java.nio.file.Path.of("/proc/" + p.pid());
            if (sigintIn(proc.resolve("status"), "ShdPnd:")) n++;
            try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(proc.resolve("task"))) {
                for (java.nio.file.Path task : tasks.toList()) {
                    if (sigintIn(task.resolve("status"), "SigPnd:")) n++;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the process ended meanwhile: nothing waits in it
            }
        }
        return n;
    }

    /** Whether the pending-signal mask {@code key} of a /proc status file has SIGINT (2, bit 1) set. */
    private static boolean sigintIn(java.nio.file.Path status, String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(status)) {
                if (line.startsWith(key)) return new java.math.BigInteger(line.substring(key.length()).trim(), 16).testBit(1);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone or unreadable: nothing known to wait there
        }
        return false;
    }

    private static String joined(Set<Long> pids) {
        return pids.stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Whether a program gdb names as the one it runs has ended under it: a zombie gdb has not
     * reaped yet, gone, or no longer a process tandem started (its pid taken by another). Per
     * /proc, at the time asked.
     */
    boolean ended(long pid) {
        if (OwnProcess.of(pid, roots).isEmpty()) return true;
        char state = state(pid);
        return state == 'Z' || state == 'X' || state == '?';
    }

    /**
     * The same, waiting up to {@code wait} for a program on its way out: SIGKILL takes a process
     * out of the stop its tracer holds it in at once, but it shows as a zombie only once the kernel
     * has torn it down, its memory first (gdb's reads of it fail meanwhile). One in a tracing or
     * job-control stop ('t', 'T') is alive and held: false at once.
     */
    boolean ended(long pid, java.time.Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!ended(pid)) {
            char state = state(pid);
            if (state == 't' || state == 'T' || System.nanoTime() >= deadline) return false;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the process runs, as opposed to being stopped under ptrace (at a breakpoint, or by
     * the interrupt already), a zombie, or gone. A SIGINT sent to a stopped program stays pending
     * and hits its next resumption, which may be a call gdb makes in it (a restart's lseek).
     */
    static boolean runs(long pid) {
        char state = state(pid);
        if (state == '?') return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return state == 'R' || state == 'S' || state == 'D';
    }

    /** The state letter of {@code /proc/PID/stat} (field 3, proc(5)): 'X' without one, '?' when unreadable. */
    private static char state(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return '?';
        }
    }
}
