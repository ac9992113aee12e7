// The kernel refusing ptrace to gdb: how gdb says it, and what to do about it.
package tandem.debugger;

public final class PtraceRefused {

    private PtraceRefused() {
    }

    /**
     * What to do: in a container, Docker's default seccomp profile (before kernel 4.8) and a
     * missing CAP_SYS_PTRACE refuse ptrace (gitpod#544, spectre#2349); elsewhere Yama's ptrace_scope.
     */
    public static final String ADVICE = "the system refuses ptrace, which gdb traces programs with."
            + " In a container, start it with --cap-add=SYS_PTRACE --security-opt seccomp=unconfined;"
            + " elsewhere check kernel.yama.ptrace_scope (`tandem doctor` has gdb run /bin/true)";

    /**
     * Whether gdb's words say it could not trace the program: gdb 13 warns "Could not trace the
     * inferior process." and "ptrace: Operation not permitted" when the child's PTRACE_TRACEME
     * fails (inf_ptrace_me, trace_start_error: the child exits 0177), then reports "During startup
     * program exited with code 127.".
     */
    public static boolean said(String gdbWords) {
        return gdbWords != null && (gdbWords.contains("Could not trace the inferior process")
                || gdbWords.contains("ptrace: Operation not permitted"));
    }
}
