package tandem.mi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.OptionalLong;

/**
 * A process tandem may signal: one it started, or a descendant of one, as the kernel's process
 * tree under /proc says at the time it was found. The pid gdb reports is not proof: under
 * {@code rr replay} {@code =thread-group-started,pid=...} carries the recorded pid (rr keeps
 * recorded ids across replays), which on this machine is any process or none.
 *
 * <p>{@code startTicks} (field 22 of {@code /proc/PID/stat}, clock ticks since boot) tells the
 * same process from a later one that reused its pid.
 */
record OwnProcess(long pid, long startTicks) {

    /** How far up the tree to look before giving up (a loop in /proc would be a kernel bug). */
    private static final int MAX_DEPTH = 4096;

    /**
     * The process {@code pid} if it is one of {@code roots} or descends from one of them now;
     * empty when it is gone or belongs to someone else.
     */
    static java.util.Optional<OwnProcess> of(long pid, Collection<Long> roots) {
        OptionalLong start = startTicks(pid);
        if (start.isEmpty()) return java.util.Optional.empty();
        long p = pid;
        for (int depth = 0; depth < MAX_DEPTH && p > 1; depth++) {
            if (roots.contains(p)) return java.util.Optional.of(new OwnProcess(pid, start.getAsLong()));
            OptionalLong parent = field(p, 4);
            if (parent.isEmpty()) break;
            p = parent.getAsLong();
        }
        return java.util.Optional.empty();
    }

    /** Whether this very process (not a later one with its pid) still exists. */
    boolean exists() {
        OptionalLong now = startTicks(pid);
        return now.isPresent() && now.getAsLong() == startTicks;
    }

    /** The process handle, when this very process still exists. */
    java.util.Optional<ProcessHandle> handle() {
        return exists() ? ProcessHandle.of(pid) : java.util.Optional.empty();
    }

    private static OptionalLong startTicks(long pid) {
        return field(pid, 22);
    }

    /**
     * Field {@code n} (1-based, proc(5)) of {@code /proc/PID/stat}, numeric. The command name
     * (field 2) is in parentheses and may hold spaces: fields are counted after its last ')'.
     */
    private static OptionalLong field(long pid, int n) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int end = stat.lastIndexOf(')');
            if (end < 0) return OptionalLong.empty();
            String[] rest = stat.substring(end + 2).trim().split(" ");
            int i = n - 3; // rest[0] is field 3 (state)
            return i >= 0 && i < rest.length ? OptionalLong.of(Long.parseLong(rest[i])) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
