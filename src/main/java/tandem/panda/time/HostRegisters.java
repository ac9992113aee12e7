// The host registers that tell two stops of PANDA at one place and guest instruction count apart
// within one run (ReverseExecution's marks).
package tandem.panda.time;

import tandem.debugger.Debugger;

import java.util.Set;

final class HostRegisters {
    private HostRegisters() {
    }

    /**
     * The host's general registers as gdb lists them, without those a replay does not fix: the
     * segment bases and mask registers a thread switch or the kernel may change, and rcx, r8-r11.
     * At one stop at one count of three replays of the real panda-system-mips, r11 (the RFLAGS a
     * system call leaves), r9 (a pointer into a per-thread malloc arena) and r10 differed; the
     * syscall instruction itself overwrites rcx and r11. What is left tells two stops at the same
     * place and count apart within one run (rr compares registers the same way).
     */
    static String read(Debugger gdb) {
        StringBuilder s = new StringBuilder();
        for (String line : gdb.console("info registers general").split("\n")) {
            String name = line.trim().split("\\s+", 2)[0];
            if (name.isEmpty() || name.endsWith("_base") || name.matches("k\\d") || HOST_TIMING_REGISTERS.contains(name)) continue;
            s.append(line.trim()).append('\n');
        }
        return s.toString();
    }

    /** x86-64 registers whose values at a stop depend on host timing, not on the replay. */
    private static final Set<String> HOST_TIMING_REGISTERS = Set.of("rcx", "r8", "r9", "r10", "r11");
}
