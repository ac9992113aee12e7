// Checkpoints of a program behind gdbserver. gdb's own `checkpoint` forks only a program it traces
// itself (linux-fork.c: an inferior call of fork, then gdb's native target adopts the child).
// Through gdbserver that call crashes gdb 13 when the child is kept (dummy-frame.c:212,
// "dummy_frame_pop: Assertion `dp != NULL' failed"), and loses the child when it is not. So tandem
// has the program's thread run one fork system call by itself, with gdb keeping the child as an
// inferior of its own (detach-on-fork off); then both processes get back the registers they had.
package tandem.debugger;

import tandem.mi.GdbNumber;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fork checkpoints of an x86-64 Linux program behind a gdbserver, with gdb's semantics: a restart
 * switches to the checkpoint's process, which goes on from there and is no checkpoint any more.
 * The process left behind by a restart is killed (gdb keeps it as a checkpoint; nothing here goes
 * back to it). Costs one single-step and about a dozen gdb commands per checkpoint; the kernel
 * copies the program's page tables, not its memory.
 */
final class ServerForks {

    /** x86-64 Linux's fork (arch/x86/entry/syscalls/syscall_64.tbl). */
    private static final int SYS_FORK = 57;
    /**
     * What the system call changes in the thread that runs it: rax (the result), rcx and r11 (the
     * syscall instruction's return address and flags), rip; eflags to be safe. orig_rax is set to
     * -1 afterwards, as gdb's amd64_linux_write_pc does, so that the kernel never takes the
     * restored rax for an interrupted system call to restart.
     */
    private static final String[] CLOBBERED = {"rip", "rax", "rcx", "r11", "eflags"};
    /** gdb's `find` answer: "0x7ffff7eb6827 <syscall+23>". */
    private static final Pattern FOUND = Pattern.compile("(?m)^(0x[0-9a-f]+)");
    /** A row of `info inferiors`: "* 1    process 19221     1 (extended-remote ...) /path". */
    private static final Pattern INFERIOR_ROW = Pattern.compile("(?m)^[* ]\\s*(\\d+)\\s+process (\\d+)\\b");

    private final Function<String, String> gdb;
    /** Checkpoint number to the gdb inferior that holds its process. */
    private final NavigableMap<Integer, Integer> inferiorOf = new TreeMap<>();
    private int lastNumber;

    /** @param gdb runs one gdb console command and returns its output; throws DebuggerException when gdb refuses it. */
    ServerForks(Function<String, String> gdb) {
        this.gdb = gdb;
    }

    /**
     * Forks the stopped program. Returns the checkpoint's number. Throws DebuggerException when
     * the program runs several threads (a fork copies only the calling one; the copy would keep
     * the others' locks held: gdb refuses the same, with the same words), when it has no syscall
     * instruction gdb can find (libc's {@code syscall}), or when the fork fails.
     */
    synchronized int take() {
        long threads = number(gdb.apply("output $_inferior_thread_count"));
        if (threads > 1) {
            throw new DebuggerException("checkpoint failed: the program runs " + threads + " threads",
                    "checkpoint: can't checkpoint multiple threads.", null);
        }
        String at = syscallInstruction();
        int parent = currentInferior();
        gdb.apply("set var " + assignments("$tandem_fork_%1$s = $%1$s"));
        long pid;
        try {
            gdb.apply("set var $rip = " + at + ", $rax = " + SYS_FORK);
            gdb.apply("set detach-on-fork off");
            try {
                stepOverSyscall(GdbNumber.parse(at));
            } finally {
                gdb.apply("set detach-on-fork on");
            }
            pid = number(gdb.apply("output (long) $rax"));
        } finally {
            restoreRegisters();
        }
        if (pid <= 0) throw new DebuggerException("checkpoint failed: fork returned " + pid + " (-errno) in the program");
        int child = processes().entrySet().stream().filter(e -> e.getValue() == pid).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new DebuggerException("checkpoint failed: gdb did not take the forked process " + pid + " as an inferior"));
        gdb.apply("inferior " + child);
        try {
            restoreRegisters();
        } finally {
            gdb.apply("inferior " + parent);
        }
        int n = ++lastNumber;
        inferiorOf.put(n, child);
        return n;
    }

    /**
     * Goes on in checkpoint {@code n}'s process, which stops being a checkpoint, and kills the
     * process that ran until now. Throws DebuggerException for a number that is not a checkpoint.
     */
    synchronized long restart(int n) {
        Integer inferior = inferiorOf.get(n);
        if (inferior == null) {
            throw new DebuggerException("no checkpoint " + n + " of the program behind gdbserver", "Not found: checkpoint id " + n, null);
        }
        int previous = currentInferior();
        Map<Integer, Long> processes = processes();
        Long pid = processes.get(inferior);
        if (pid == null) {
            inferiorOf.remove(n);
            throw new DebuggerException("checkpoint " + n + "'s process is gone (gdb inferior " + inferior + ")");
        }
        gdb.apply("inferior " + inferior);
        inferiorOf.remove(n);
        if (processes.containsKey(previous)) gdb.apply("kill inferiors " + previous);
        gdb.apply("remove-inferiors " + previous);
        return pid;
    }

    /** The checkpoints whose processes still exist. */
    synchronized Set<Integer> listed() {
        Set<Integer> withProcess = processes().keySet();
        Set<Integer> alive = new TreeSet<>();
        inferiorOf.forEach((n, inferior) -> {
            if (withProcess.contains(inferior)) alive.add(n);
        });
        return alive;
    }

    /** The process gdb runs now; -1 when it has none. */
    synchronized long currentPid() {
        return processes().getOrDefault(currentInferior(), -1L);
    }

    /** gdb's current inferior ($_inferior). */
    private int currentInferior() {
        return (int) number(gdb.apply("output $_inferior"));
    }

    /** gdb's inferiors that have a process, to their pids, from `info inferiors`. */
    private Map<Integer, Long> processes() {
        Map<Integer, Long> processes = new TreeMap<>();
        Matcher m = INFERIOR_ROW.matcher(gdb.apply("info inferiors"));
        while (m.find()) processes.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        return processes;
    }

    /** The address of a syscall instruction (0f 05) in libc's syscall(): any copy of those two bytes runs it. */
    private String syscallInstruction() {
        String found;
        try {
            found = gdb.apply("find /b (char *) &syscall, +64, 0x0f, 0x05");
        } catch (DebuggerException e) {
            throw new DebuggerException("checkpoint failed: gdb finds no libc syscall() in the program to fork it with", e.gdbMessage(), e);
        }
        Matcher m = FOUND.matcher(found);
        if (!m.find()) throw new DebuggerException("checkpoint failed: no syscall instruction in libc's syscall()", found.strip(), null);
        return m.group(1);
    }

    /** How many times a step that a pending signal ended before the syscall ran is tried again. */
    private static final int STEP_TRIES = 3;

    /**
     * Single-steps the syscall instruction at {@code at}. A SIGINT still pending from an interrupt
     * that raced the end of the last move stops the step before the instruction runs (gdb does
     * not pass SIGINT on): the step is made again.
     */
    private void stepOverSyscall(long at) {
        for (int tries = 1; ; tries++) {
            String said = gdb.apply("stepi");
            long pc = number(gdb.apply("output (long) $pc"));
            if (pc == at + 2) return;
            if (pc != at || tries == STEP_TRIES) {
                throw new DebuggerException("checkpoint failed: the fork's step ended at 0x" + Long.toHexString(pc)
                        + ", not past the syscall at 0x" + Long.toHexString(at), said.strip(), null);
            }
        }
    }

    private void restoreRegisters() {
        gdb.apply("set var " + assignments("$%1$s = $tandem_fork_%1$s") + ", $orig_rax = -1");
    }

    private static String assignments(String format) {
        StringBuilder s = new StringBuilder();
        for (String r : CLOBBERED) s.append(s.length() == 0 ? "" : ", ").append(String.format(format, r));
        return s.toString();
    }

    private static long number(String output) {
        try {
            return Long.parseLong(output.strip());
        } catch (NumberFormatException e) {
            throw new DebuggerException("checkpoint: gdb answered `" + output.strip() + "` where a number was due");
        }
    }
}
