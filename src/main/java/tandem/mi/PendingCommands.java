package tandem.mi;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commands sent to gdb that await their result record, by token, in the order sent: each gets
 * the console and log text gdb writes before its answer, and its answer.
 */
final class PendingCommands {

    /** The channel's lock: a command is taken only while gdb and its target are there, atomic to their loss. */
    private final Object lock;
    private final GdbLosses losses;
    private final AtomicLong tokens = new AtomicLong(1);
    private final LinkedHashMap<Long, Pending> pending = new LinkedHashMap<>(); // guarded by lock

    PendingCommands(Object lock, GdbLosses losses) {
        this.lock = lock;
        this.losses = losses;
    }

    /**
     * Gives {@code command} a token and awaits its answer.
     *
     * @throws GdbDiedException when gdb is gone
     * @throws TargetLostException when gdb lost its remote target (for any command but {@code -gdb-exit})
     */
    Pending add(MiCommand command) {
        long token = tokens.getAndIncrement();
        Pending p = new Pending(command, token, command.render(token));
        synchronized (lock) {
            losses.failIfDead("the answer to " + p.line);
            // gdb without its target would answer some commands from the program file alone, and
            // start the program under itself on a `run`: nothing more goes to it but its exit
            if (!"gdb-exit".equals(command.operation())) losses.failIfLost("the answer to " + p.line);
            pending.put(token, p);
        }
        return p;
    }

    void forget(long token) {
        synchronized (lock) {
            pending.remove(token);
        }
    }

    /** Every command still awaiting an answer, no longer awaited. */
    List<Pending> takeAll() {
        synchronized (lock) {
            List<Pending> ps = new ArrayList<>(pending.values());
            pending.clear();
            return ps;
        }
    }

    /** Gives a console or log record to the oldest command awaiting an answer; false when none does. */
    boolean collect(StreamRecord s) {
        synchronized (lock) {
            Iterator<Pending> it = pending.values().iterator();
            if (!it.hasNext()) return false;
            it.next().collect(s);
            return true;
        }
    }

    /** A result record: the answer of the command with its token. */
    void answer(ResultRecord r) {
        Pending p = null;
        if (r.token() != null) {
            synchronized (lock) {
                p = pending.remove(r.token());
            }
        }
        // an answer nobody waits for (timed out, or a command typed without token) is dropped
        if (p != null) p.answer.complete(new MiResult(p.command, p.token, r, p.console.toString(), p.log.toString()));
    }

    /**
     * A result record found after program output on a line took every digit before its {@code ^}
     * as its token; when that token is not one sent but a shorter tail of it is, the leading
     * digits were the program's ("count 5" then {@code 12^done}).
     */
    List<MiRecord> withTokenOfPending(ProgramOutput before, ResultRecord r) {
        if (r.token() == null) return List.of(before, r);
        String digits = Long.toString(r.token());
        synchronized (lock) {
            for (int cut = 0; cut < digits.length(); cut++) {
                String tail = digits.substring(cut);
                if (tail.startsWith("0") && tail.length() > 1) continue;
                long token = Long.parseLong(tail);
                if (pending.containsKey(token)) {
                    if (cut == 0) return List.of(before, r);
                    return List.of(new ProgramOutput(before.line() + digits.substring(0, cut)),
                            new ResultRecord(token, r.resultClass(), r.results()));
                }
            }
        }
        return List.of(before, r);
    }

    /** A command awaiting its answer. */
    static final class Pending {
        final MiCommand command;
        final long token;
        final String line;
        final CompletableFuture<MiResult> answer = new CompletableFuture<>();
        final StringBuilder console = new StringBuilder();
        final StringBuilder log = new StringBuilder();

        Pending(MiCommand command, long token, String line) {
            this.command = command;
            this.token = token;
            this.line = line;
        }

        void collect(StreamRecord s) {
            (s.kind() == StreamRecord.Kind.CONSOLE ? console : log).append(s.text());
        }
    }
}
