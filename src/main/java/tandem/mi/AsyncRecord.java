package tandem.mi;

import tandem.mi.MiValue.MiField;
import tandem.mi.MiValue.MiFields;
import tandem.mi.MiValue.MiTuple;

import java.util.List;

/**
 * {@code async-record → exec-async-output | status-async-output | notify-async-output}
 * (GDB manual, "GDB/MI Async Records"): {@code *stopped,reason=...}, {@code +download,...},
 * {@code =breakpoint-created,bkpt={...}}.
 */
public record AsyncRecord(Long token, Kind kind, String asyncClass, MiTuple results) implements MiRecord, MiFields {

    /** The prefix character names the kind: {@code *} exec, {@code +} status, {@code =} notify. */
    public enum Kind {
        EXEC('*'), STATUS('+'), NOTIFY('=');

        public final char prefix;

        Kind(char prefix) {
            this.prefix = prefix;
        }
    }

    public AsyncRecord {
        if (results == null) results = MiTuple.EMPTY;
    }

    @Override
    public List<MiField> fields() {
        return results.fields();
    }

    /** True for {@code *stopped}. */
    public boolean isStopped() {
        return kind == Kind.EXEC && "stopped".equals(asyncClass);
    }

    /** True for {@code *running}. */
    public boolean isRunning() {
        return kind == Kind.EXEC && "running".equals(asyncClass);
    }

    /** {@code reason} of a {@code *stopped} record, or null (gdb omits it, e.g. after attaching). */
    public String reason() {
        return string("reason", null);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (token != null) sb.append(token);
        sb.append(kind.prefix).append(asyncClass);
        for (MiField f : results.fields()) sb.append(',').append(f);
        return sb.toString();
    }
}
