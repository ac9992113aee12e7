// One PANDA process's side of the host-level lockstep: hoststep.py, sourced into its gdb, steps
// the host code of the TB the process stopped at (on the vCPU thread) and records it as events
// (HostEvent). This class loads the script, arms it and reads its events a chunk at a time, so
// that the lockstep (HostLockstep) compares the two sides as they go and can stop between chunks.
package tandem.bisect;

import tandem.debugger.Debugger;
import tandem.debugger.GdbPythonScripts;
import tandem.debugger.DebuggerException;
import tandem.panda.PandaException;
import tandem.panda.PandaSession;

import java.util.ArrayList;
import java.util.List;

final class HostStep {
    private static final String EVENTS = "tandem-host events ";
    private static final String BACKTRACE = "tandem-host backtrace";
    private static final String REGION = "tandem-host region count ";
    private static final String BEGUN = "tandem-host begun ";
    /** The functions stepped through, not run whole: cpu_exec's way into the TB's host code (cpu-exec.c). */
    static final List<String> INTO = List.of("cpu_loop_exec_tb", "cpu_tb_exec");

    final PandaSession session;
    private final Debugger gdb;
    /** The events of the region being stepped, as hoststep.py numbers them. */
    final List<HostEvent> events = new ArrayList<>();
    /** The indices in events of the calls, returns and the end: what the sides compare (instructions are only where). */
    final List<Integer> marks = new ArrayList<>();
    private boolean done;
    private long regionStart;
    private long steps;

    private HostStep(PandaSession session) {
        this.session = session;
        this.gdb = session.debugger();
    }

    /**
     * Arms the stepper where {@code session} stands (a stop at cpu_loop_exec_tb): at most
     * {@code maxSteps} host instructions and calls in all. Needs gdb's Python and an x86-64 host.
     */
    static HostStep begin(PandaSession session, long maxSteps) {
        HostStep s = new HostStep(session);
        Debugger gdb = session.debugger();
        try {
            if (!gdb.console("python print('tandem-python ' + str(1 + 1))").contains("tandem-python 2")) {
                throw new PandaException(session.name() + ": this gdb has no Python: the host-level lockstep needs it");
            }
            String arch = gdb.console("python print('tandem-arch ' + gdb.selected_frame().architecture().name())");
            if (!arch.contains("x86-64")) {
                throw new PandaException(session.name() + ": the host-level lockstep steps x86-64 host code; gdb says " + arch.strip());
            }
            gdb.console("source " + GdbPythonScripts.file(HostStep.class, "hoststep.py"));
            String frame = gdb.console("python print('tandem-frame ' + str(gdb.selected_frame().name()))");
            if (!frame.contains("tandem-frame cpu_loop_exec_tb")) {
                throw new PandaException(session.name() + ": not stopped at cpu_loop_exec_tb (" + frame.strip() + "): the lockstep starts at a TB");
            }
            long lo = 0, size = 0;
            try {
                // the prologue (the TB's way in and out) lies just before the buffer's TBs
                long buffer = gdb.evaluateUnsigned("(unsigned long) tcg_ctx.code_gen_buffer");
                long prologue = gdb.evaluateUnsigned("(unsigned long) tcg_ctx.code_gen_prologue");
                lo = Math.min(buffer, prologue);
                size = buffer + gdb.evaluateUnsigned("tcg_ctx.code_gen_buffer_size") - lo;
            } catch (DebuggerException noTcg) {
                // no TCG (mini-PANDA): no host code of TBs, the functions alone are stepped
            }
            StringBuilder blocks = new StringBuilder("[");
            for (List<long[]> group : new StateHash(session).traceGroups()) {
                for (long[] b : group) blocks.append('(').append(b[0]).append(", ").append(b[1]).append("), ");
            }
            blocks.append(']');
            StringBuilder into = new StringBuilder("[");
            for (String f : INTO) into.append('\'').append(f).append("', ");
            into.append(']');
            String out = gdb.console("python tandem_host_begin(" + session.instrCountAddress() + ", " + blocks + ", " + lo + ", "
                    + (lo + size) + ", " + into + ", " + maxSteps + ")");
            if (!out.contains(BEGUN)) throw new PandaException(session.name() + ": hoststep.py did not begin: " + out.strip());
            s.regionStart = session.instrCount();
            return s;
        } catch (DebuggerException e) {
            throw new PandaException(session.name() + ": the host-level lockstep could not begin: " + e.getMessage());
        }
    }

    /** Starts the next region where the last ended; {@code into}: the ordinal of the call stepped into, or -1. */
    void region(int into) {
        String out = gdb.console("python tandem_host_region(" + into + ")");
        int at = out.indexOf(REGION);
        if (at < 0) throw new PandaException(session.name() + ": hoststep.py began no region: " + out.strip());
        regionStart = Long.parseLong(out.substring(at + REGION.length()).strip().split("\\s+")[0]);
        events.clear();
        marks.clear();
        done = false;
    }

    long regionStart() {
        return regionStart;
    }

    boolean done() {
        return done;
    }

    long steps() {
        return steps;
    }

    /**
     * Steps up to {@code limit} more events of the region. The stepping resumes the program, so
     * gdb answers it as a move; the events are read after, by a command that does not.
     */
    void step(int limit) {
        if (done) return;
        gdb.console("python tandem_host_step_quiet(" + limit + ")");
        String out = gdb.console("python tandem_host_events(" + events.size() + ")");
        int at = out.indexOf(EVENTS);
        if (at < 0) throw new PandaException(session.name() + ": hoststep.py printed no events: " + out.strip());
        String[] lines = out.substring(at).split("\n");
        String[] head = lines[0].substring(EVENTS.length()).strip().split("\\s+");
        done = head[1].equals("done");
        steps = Long.parseLong(head[3]);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            HostEvent e = HostEvent.parse(lines[i].strip());
            if (e.kind() != 'i') marks.add(events.size());
            events.add(e);
        }
    }

    /** The k-th call, return or end of the region. */
    HostEvent mark(int k) {
        return events.get(marks.get(k));
    }

    /** Where event {@code index} of this region happened, innermost function first. */
    List<String> backtrace(int index) {
        String out = gdb.console("python tandem_host_backtrace(" + index + ")");
        int at = out.indexOf(BACKTRACE);
        if (at < 0) return List.of();
        List<String> frames = new ArrayList<>();
        for (String line : out.substring(at + BACKTRACE.length()).split("\n")) {
            if (!line.isBlank()) frames.add("#" + frames.size() + " " + line.strip());
        }
        return frames;
    }

    /** Deletes the stepper's breakpoints and gives back the others and gdb's scheduler locking. Never throws. */
    void end() {
        try {
            gdb.console("python tandem_host_end()");
        } catch (RuntimeException ignored) {
            // a side that is gone has nothing left to give back
        }
    }
}
