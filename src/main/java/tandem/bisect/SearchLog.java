// The search's log and state as it goes: the notes told to the user, the probes counted, the
// progress reported, and the resume state (ResumeState) written after every step.
package tandem.bisect;

import tandem.panda.Pair;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

final class SearchLog {
    private final BisectListener listener;
    private final Path resumeFile;
    private final IntSupplier stops;
    private final List<String> notes = new ArrayList<>();
    private final long started = System.nanoTime();
    /** Where the search stands, as the resume file holds it. */
    ResumeState state = new ResumeState();
    /** Comparisons of both sides at one count so far. */
    int probes;

    /** stops: the debugger stops the search has cost so far, for its progress lines. */
    SearchLog(BisectOptions opts, IntSupplier stops) {
        this.listener = opts.listener();
        this.resumeFile = opts.resumeFile();
        this.stops = stops;
    }

    /** The resume file's state, unless there is none or it is at its start (then a fresh one). */
    void resume() {
        state = new ResumeState();
        if (resumeFile == null || !Files.exists(resumeFile)) return;
        ResumeState old = ResumeState.load(resumeFile);
        if (old.phase == ResumeState.Phase.START) return;
        state = old;
        note("resuming from " + resumeFile + ": equal at " + old.equalAt + ", differing at " + old.differAt);
    }

    /** Writes the state, with the counts each side now holds checkpoints at, to the resume file (if any). */
    void save(Pair pair) {
        state.recCheckpoints = new ArrayList<>(pair.rec().checkpoints().snapshot().keySet());
        state.repCheckpoints = new ArrayList<>(pair.rep().checkpoints().snapshot().keySet());
        state.save(resumeFile);
    }

    /** Both signatures at count c, kept in the resume state. */
    void saw(long c, Signature rec, Signature rep) {
        state.saw(c, rec, rep);
    }

    /** The bracket as it stands, in the resume state. */
    void bracket(long equal, long differ) {
        state.equalAt = equal;
        state.differAt = differ;
    }

    void note(String message) {
        notes.add(message);
        listener.note(message);
    }

    List<String> notes() {
        return notes;
    }

    long elapsedMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /**
     * Reports the bracket [l, h] of a phase with {@code left} probes estimated to go. h -1: the
     * search goes on to where a side ends, not yet known. A bracket's open upper end (hi + 1: the
     * divergence is at the end, or is the end) is shown as the end itself.
     */
    void progress(String phase, long l, long h, int left, long hi) {
        Duration elapsed = Duration.ofMillis(elapsedMillis());
        Duration perProbe = probes == 0 ? Duration.ZERO : elapsed.dividedBy(probes);
        long shown = hi >= 0 && h == hi + 1 ? hi : h;
        listener.progress(new BisectListener.Progress(phase, l, shown, probes, left, elapsed, perProbe.multipliedBy(left), stops.getAsInt()));
    }
}
