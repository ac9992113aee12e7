// What tandem tells users about PANDA builds and command lines, in one place: TB chaining while
// recording (-d nochain), and which PANDA records MIPS at all.
package tandem.panda;

import java.util.List;

public final class PandaAdvice {
    private PandaAdvice() {
    }

    /**
     * PANDA chains TBs unless replaying or run with {@code -d nochain}
     * ({@code if (!rr_in_replay() && panda_tb_chaining)}, cpu-exec.c:446-460), so PANDA recording
     * stops at cpu_loop_exec_tb, and calls debug_counter, only where a chain returns to its loop.
     */
    public static final String NOCHAIN = "PANDA chains TBs while recording unless run with `-d nochain`: the rr trace of"
            + " PANDA recording then stops at cpu_loop_exec_tb only where a chain of TBs returns to PANDA's loop, and"
            + " debug_counter comes up to a chain after its 2^17 boundary. tandem compares the two sides at the TB"
            + " boundaries both have, so without -d nochain a divergence is found to within a chain of TBs (hundreds"
            + " or thousands of guest instructions) rather than to the TB, and TB-by-TB walks on rec skip whole chains."
            + " For a search exact to the TB, put `-d nochain` on PANDA's command line in the `rr record` of PANDA recording.";

    /**
     * Whether a recorded PANDA command line (as `rr ps` prints it, words joined by spaces) runs
     * with TBs chained: true unless a {@code -d} option's comma-separated items include nochain.
     */
    public static boolean recordsChained(String commandLine) {
        String[] w = commandLine.trim().split("\\s+");
        for (int i = 0; i + 1 < w.length; i++) {
            if ((w[i].equals("-d") || w[i].equals("--d")) && List.of(w[i + 1].split(",")).contains("nochain")) return false;
        }
        return true;
    }

    /** Upstream PANDA's rr_do_begin_record / rr_do_begin_replay on MIPS (rr_log.c:1557-1560,1739-1742), then exit(1). */
    public static final String MIPS_UNSUPPORTED = "Record/replay unsupported on MIPS";

    /** Which PANDA records and replays MIPS, and which diverge.py knows it. */
    public static final String MIPS_BRANCH = "MIPS record/replay needs PANDA's branch mips_serious_rec_attempt (the notes'"
            + " branch): upstream PANDA prints `" + MIPS_UNSUPPORTED + "` and exits 1 at begin_record and -replay, and"
            + " upstream scripts/diverge.py supports i386, x86_64, arm and ppc only (the branch's adds mips)";

    /** Whether PANDA's output says this build refuses MIPS record/replay (upstream PANDA since 2020). */
    public static boolean refusesMips(List<String> output) {
        return output.stream().anyMatch(l -> l.contains(MIPS_UNSUPPORTED));
    }
}
