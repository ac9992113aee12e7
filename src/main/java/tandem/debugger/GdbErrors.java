package tandem.debugger;

import tandem.mi.GdbDiedException;
import tandem.mi.GdbErrorException;
import tandem.mi.MiChannel;
import tandem.mi.MiTimeoutException;
import tandem.mi.TargetLostException;

import java.util.function.Supplier;

/**
 * The words of one gdb session's failures: a gdb error, gdb gone, its target lost (one sentence
 * for the first operation that met the loss and every later one), no answer in time.
 */
final class GdbErrors {

    private final Target target;
    private final MiChannel mi;
    /** The sentence of a lost target: the first operation that met the loss names itself, later ones the same words. */
    private volatile String lostSentence;

    GdbErrors(Target target, MiChannel mi) {
        this.target = target;
        this.mi = mi;
    }

    /** Runs {@code op}, a request to gdb; its failures become a {@link DebuggerException} that says what was tried. */
    <T> T ask(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (GdbErrorException e) {
            throw new DebuggerException("gdb could not " + what, e.getMessage(), e);
        } catch (GdbDiedException e) {
            throw died(e);
        } catch (TargetLostException e) {
            throw lost(e, what);
        } catch (MiTimeoutException e) {
            throw new DebuggerException("gdb did not answer in time while trying to " + what + ": " + e.getMessage());
        }
    }

    DebuggerException died(GdbDiedException e) {
        return new DebuggerException("gdb for " + target.description() + " is gone", e.getMessage(), e);
    }

    DebuggerException lost(TargetLostException e, String during) {
        synchronized (this) {
            if (lostSentence == null) lostSentence = lostSentence(e.gdbWords(), during);
        }
        return new DebuggerException(lostSentence, null, e);
    }

    /**
     * The errno text of ESRCH (strerror). A program gdbserver holds stopped under ptrace is gone
     * from under it only by SIGKILL, the one signal ptrace cannot hold back (ptrace(2)): gdbserver
     * 13.1 quits when its next ptrace call on it meets this.
     */
    private static final String NO_SUCH_PROCESS = "No such process";

    private String lostSentence(String gdbWords, String during) {
        String sentence = target.description() + " is gone: gdb lost its connection to it during " + during
                + " (gdb said `" + gdbWords + "`)";
        String server = target.serverLastError();
        if (server != null) {
            sentence += "; the server quit, saying `" + server + "`";
            if (server.contains(NO_SUCH_PROCESS)) sentence += ": its program was killed from outside tandem";
        }
        return sentence + ", and nothing more can be done on it";
    }

    /** See {@link Debugger#gone()}. */
    String gone() {
        if (lostSentence != null) return lostSentence;
        String words = mi.targetLost();
        // lost while no operation waited (gdb said it on its own, an interrupt's stop awaited)
        if (words != null) {
            synchronized (this) {
                if (lostSentence == null) lostSentence = lostSentence(words, "a move");
            }
            return lostSentence;
        }
        if (!mi.isAlive()) return "gdb for " + target.description() + " is gone";
        return null;
    }
}
