package tandem.mi;

import tandem.mi.MiValue.MiField;
import tandem.mi.MiValue.MiFields;

import java.util.List;

/**
 * gdb's answer to one command: its result record plus the console ({@code ~}) and log
 * ({@code &}) stream text gdb printed between the command being sent and that record.
 * gdb runs commands one at a time, so text is credited to the oldest command still unanswered.
 */
public record MiResult(MiCommand command, long token, ResultRecord record, String console, String log)
        implements MiFields {

    @Override
    public List<MiField> fields() {
        return record.fields();
    }

    /** done, running, connected, error or exit. */
    public String resultClass() {
        return record.resultClass();
    }

    public boolean isError() {
        return record.isError();
    }

    @Override
    public String toString() {
        return record.toString();
    }
}
