package tandem.mi;

import tandem.mi.MiValue.MiField;
import tandem.mi.MiValue.MiFields;
import tandem.mi.MiValue.MiTuple;

import java.util.List;

/**
 * {@code result-record → [ token ] "^" result-class ( "," result )* nl}
 * (GDB manual, "GDB/MI Result Records"). The class is one of done, running, connected,
 * error, exit; {@code token} is null when the command was sent without one.
 */
public record ResultRecord(Long token, String resultClass, MiTuple results) implements MiRecord, MiFields {

    public ResultRecord {
        if (results == null) results = MiTuple.EMPTY;
    }

    @Override
    public List<MiField> fields() {
        return results.fields();
    }

    public boolean isError() {
        return "error".equals(resultClass);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (token != null) sb.append(token);
        sb.append('^').append(resultClass);
        for (MiField f : results.fields()) sb.append(',').append(f);
        return sb.toString();
    }
}
