// What rr printed when it refused a trace or failed: its own reason, without the backtrace of its
// FATAL, and what to do where that reason says it. The one reading of rr's failure texts for
// `rr replay`, `rr ps` and `rr record` (tandem doctor).
package tandem.debugger;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * rr's output (stdout and stderr, in order) and its exit code (128 + N when a signal N ended it).
 *
 * <p>rr's texts (rr src/TraceStream.cc TraceReader(), log.cc FATAL(); seen in rr#3788, rr#3642,
 * rr#2815): a trace it cannot read is a message on stderr and exit 65 (EX_DATAERR),
 * <pre>
 * rr: Trace file `DIR/incomplete' found.
 * rr recording terminated abnormally and the trace is incomplete.
 * </pre>
 * or {@code rr: error: Recorded trace `DIR/version' has an incompatible version N; expected ...};
 * anything else it cannot go on with is one line {@code [FATAL src/FILE.cc:LINE:function()] reason},
 * at times followed by {@code (task ...)} and {@code -> Assertion ...} lines, then its backtrace
 * ({@code === Start rr backtrace:} ... {@code === End rr backtrace}) or a {@code Tail of trace dump:},
 * and abort(). A replay that starts gdb exits 1 when its server child died so.
 */
public record RrFailure(List<String> output, int exitCode) {

    public RrFailure {
        output = output == null ? List.of() : List.copyOf(output);
    }

    /** Where rr's reason ends: its backtrace or its trace dump follow it. */
    private static boolean endOfReason(String line) {
        String l = line.strip();
        return l.startsWith("=== Start rr backtrace") || l.startsWith("=== End rr backtrace") || l.startsWith("Tail of trace dump:");
    }

    /**
     * rr's reason in its own words: the lines before its backtrace or trace dump, blank lines left
     * out, joined by a space with runs of spaces made one; "(no output)" when rr printed nothing.
     */
    public String reason() {
        List<String> words = new ArrayList<>();
        for (String l : output) {
            if (endOfReason(l)) break;
            if (!l.isBlank()) words.add(l.strip());
        }
        return words.isEmpty() ? "(no output)" : String.join(" ", words).replaceAll("\\s+", " ");
    }

    /** How rr ended: "exit 65", or "killed by SIGABRT" (the FATAL's abort()). */
    public String ending() {
        if (exitCode == 128 + 6) return "killed by SIGABRT";
        if (exitCode > 128 && exitCode < 128 + 65) return "killed by signal " + (exitCode - 128);
        return "exit " + exitCode;
    }

    /** What to do, where it follows from rr's reason; empty otherwise (rr's own words then say it all). */
    public String advice() {
        String r = reason().toLowerCase(Locale.ROOT);
        if (r.contains("trace is incomplete")) {
            // rr writes `version` only when its recording ends; killed (SIGKILL) or dead before, the
            // folder keeps `incomplete` and nothing replays it (rr#3788, rr#1639)
            return "An incomplete trace cannot be replayed: record it again, and let `rr record` end with the"
                    + " program, or stop it with SIGINT or SIGTERM (not SIGKILL).";
        }
        if (r.contains("there is no trace there")) return "Give the directory `rr record -o DIR` wrote.";
        if (r.contains("perf_event_open") || r.contains("performance counter")) {
            return "rr needs hardware performance counters: a real CPU, or a VM that exposes its PMU."
                    + " Without rr, name each side by its PANDA command line (--rec-cmd, --rep-cmd).";
        }
        if (r.contains("different cpuid")) return "Replay the trace on the machine that recorded it, or one with the same CPU.";
        return "";
    }

    /** One sentence for an error: "rr (RR) refused to WHAT (exit 65): REASON. ADVICE". */
    public String describe(java.nio.file.Path rr, String what) {
        String advice = advice();
        String reason = reason();
        return "rr (" + rr + ") refused to " + what + " (" + ending() + "): " + reason
                + (advice.isEmpty() ? "" : (reason.endsWith(".") ? " " : ". ") + advice);
    }
}
