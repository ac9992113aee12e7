package tandem.mi;

import tandem.mi.MiValue.MiConst;
import tandem.mi.MiValue.MiField;
import tandem.mi.MiValue.MiList;
import tandem.mi.MiValue.MiTuple;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Parses gdb's MI output, one line at a time, into {@link MiRecord}s.
 *
 * <p>One method per rule of the grammar in the GDB manual, section "GDB/MI Output Syntax"
 * (https://sourceware.org/gdb/current/onlinedocs/gdb.html/GDB_002fMI-Output-Syntax.html).
 * Each line is read in a single pass over its characters. A line that is not MI, or that
 * looks like MI but does not follow the grammar, becomes {@link ProgramOutput}: the
 * debugged program shares gdb's stdout and may print anything, so parsing never throws.
 *
 * <p>An instance keeps per-line state and is not thread-safe; {@link #parseLine} is the
 * thread-safe entry point.
 */
public final class MiParser {

    private String s;
    private int pos;
    private int len;
    // reused for octal escapes that spell out multi-byte UTF-8 sequences
    private byte[] bytes = new byte[64];

    /** Parses one line (without its line terminator) with a fresh parser. */
    public static MiRecord parseLine(String line) {
        return new MiParser().parse(line);
    }

    /** Parses every line of {@code reader}, handing each record to {@code sink}; returns the line count. */
    public long parseAll(BufferedReader reader, Consumer<MiRecord> sink) throws IOException {
        long n = 0;
        for (String line; (line = reader.readLine()) != null; n++) {
            sink.accept(parse(line));
        }
        return n;
    }

    /** Parses several lines, e.g. a captured transcript. */
    public List<MiRecord> parseLines(List<String> lines) {
        List<MiRecord> records = new ArrayList<>(lines.size());
        for (String line : lines) records.add(parse(line));
        return records;
    }

    /** Parses one line (a trailing {@code \r} is ignored). Never throws. */
    public MiRecord parse(String line) {
        s = line;
        pos = 0;
        len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') len--;
        try {
            return output();
        } catch (Malformed e) {
            // MI-looking but not MI (a program printed "~oops" or "123^x"): keep it as output
            return new ProgramOutput(line);
        } finally {
            s = null;
        }
    }

    /**
     * Result and async classes gdb prints (GDB manual, "GDB/MI Result Records", "GDB/MI Async
     * Records"): a record recovered after program output on a line must have one of these, so
     * that program text such as {@code key=value} is not taken for a {@code =value} notification.
     */
    private static final java.util.Set<String> KNOWN_CLASSES = java.util.Set.of(
            "done", "running", "connected", "error", "exit", "stopped", "download",
            "thread-group-added", "thread-group-removed", "thread-group-started", "thread-group-exited",
            "thread-created", "thread-exited", "thread-selected", "library-loaded", "library-unloaded",
            "traceframe-changed", "tsv-created", "tsv-deleted", "tsv-modified", "breakpoint-created",
            "breakpoint-modified", "breakpoint-deleted", "record-started", "record-stopped",
            "cmd-param-changed", "memory-changed");

    /**
     * Parses one line that may hold program output followed by an MI record: the debugged program
     * shares gdb's stdout, and text it printed without a newline (PANDA's monitor prompt
     * {@code "(qemu) "}) is followed on the same line by gdb's next record, e.g.
     * {@code (qemu) *stopped,reason="function-finished",...}. Returns that text as
     * {@link ProgramOutput} and the record after it, or the one record of the line when it is MI
     * from its first character or has no MI record in it. A recovered record starts at the first
     * {@code ~ @ & ^ * + = (} (with the digits of a token before it) from which the rest of the
     * line is a whole record; result and async records must have a class gdb prints. A token is
     * taken with every digit before the prefix: {@code MiChannel} gives digits that belong to the
     * program's text back to it.
     */
    public List<MiRecord> parseRecovering(String line) {
        MiRecord whole = parse(line);
        if (!(whole instanceof ProgramOutput)) return List.of(whole);
        int end = line.length();
        for (int i = 1; i < end; i++) {
            char c = line.charAt(i);
            int start = i;
            switch (c) {
                case '~': case '@': case '&':
                    if (i + 1 >= end || line.charAt(i + 1) != '"') continue;
                    break;
                case '(':
                    if (!line.startsWith("(gdb)", i)) continue;
                    break;
                case '^': case '*': case '+': case '=':
                    if (i + 1 >= end || !Character.isLetter(line.charAt(i + 1))) continue;
                    while (start > 0 && isDigit(line.charAt(start - 1))) start--;
                    break;
                default:
                    continue;
            }
            MiRecord r = parse(line.substring(start));
            if (r instanceof ProgramOutput) continue;
            if (r instanceof ResultRecord rr && !KNOWN_CLASSES.contains(rr.resultClass())) continue;
            if (r instanceof AsyncRecord ar && !KNOWN_CLASSES.contains(ar.asyncClass())) continue;
            return List.of(new ProgramOutput(line.substring(0, start)), r);
        }
        return List.of(whole);
    }

    /**
     * {@code output → ( out-of-band-record )* [ result-record ] "(gdb)" nl}, taken a line at a time:
     * each line is one out-of-band record, a result record, or the prompt.
     */
    private MiRecord output() {
        if (len == 0) return new ProgramOutput(s);
        char c = s.charAt(0);
        switch (c) {
            case '~': case '@': case '&':
                return streamRecord(c);
            case '(':
                return prompt();
            default:
                break;
        }
        // token → any sequence of digits
        int start = pos;
        while (pos < len && isDigit(s.charAt(pos))) pos++;
        if (pos == len) return new ProgramOutput(s);
        Long token = pos > start ? parseToken(start, pos) : null;
        char kind = s.charAt(pos);
        switch (kind) {
            case '^':
                return resultRecord(token);
            case '*':
                return asyncRecord(token, AsyncRecord.Kind.EXEC);
            case '+':
                return asyncRecord(token, AsyncRecord.Kind.STATUS);
            case '=':
                return asyncRecord(token, AsyncRecord.Kind.NOTIFY);
            default:
                return new ProgramOutput(s);
        }
    }

    /** {@code "(gdb)" nl}; gdb actually prints {@code "(gdb) "} with a trailing space. */
    private MiRecord prompt() {
        if (!s.startsWith("(gdb)")) return new ProgramOutput(s);
        for (int i = 5; i < len; i++) {
            if (!Character.isWhitespace(s.charAt(i))) return new ProgramOutput(s);
        }
        return Prompt.INSTANCE;
    }

    /** {@code result-record → [ token ] "^" result-class ( "," result )* nl} */
    private ResultRecord resultRecord(Long token) {
        pos++; // '^'
        String resultClass = className();
        return new ResultRecord(token, resultClass, trailingResults());
    }

    /**
     * {@code exec-async-output → [ token ] "*" async-output nl},
     * {@code status-async-output → [ token ] "+" async-output nl},
     * {@code notify-async-output → [ token ] "=" async-output nl},
     * {@code async-output → async-class ( "," result )*}
     */
    private AsyncRecord asyncRecord(Long token, AsyncRecord.Kind kind) {
        pos++; // '*', '+' or '='
        String asyncClass = className();
        return new AsyncRecord(token, kind, asyncClass, trailingResults());
    }

    /** {@code result-class} / {@code async-class}: a word such as {@code done}, {@code breakpoint-created}. */
    private String className() {
        int start = pos;
        while (pos < len) {
            char c = s.charAt(pos);
            if (c == ',') break;
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_')) throw Malformed.INSTANCE;
            pos++;
        }
        if (pos == start) throw Malformed.INSTANCE;
        return s.substring(start, pos);
    }

    /** {@code ( "," result )* nl} to the end of the line. */
    private MiTuple trailingResults() {
        if (pos == len) return MiTuple.EMPTY;
        List<MiField> fields = new ArrayList<>();
        while (pos < len) {
            expect(',');
            fields.add(result());
        }
        return new MiTuple(fields);
    }

    /**
     * {@code stream-record → console-stream-output | target-stream-output | log-stream-output},
     * {@code console-stream-output → "~" c-string nl}, {@code target-stream-output → "@" c-string nl},
     * {@code log-stream-output → "&" c-string nl}
     */
    private MiRecord streamRecord(char prefix) {
        pos++;
        String text = cString();
        if (pos != len) throw Malformed.INSTANCE;
        StreamRecord.Kind kind = prefix == '~' ? StreamRecord.Kind.CONSOLE
                : prefix == '@' ? StreamRecord.Kind.TARGET : StreamRecord.Kind.LOG;
        return new StreamRecord(kind, text);
    }

    /** {@code result → variable "=" value}, {@code variable → string} */
    private MiField result() {
        int start = pos;
        while (pos < len && s.charAt(pos) != '=') {
            char c = s.charAt(pos);
            if (c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"') throw Malformed.INSTANCE;
            pos++;
        }
        if (pos == start || pos == len) throw Malformed.INSTANCE;
        String name = s.substring(start, pos);
        pos++; // '='
        return new MiField(name, value());
    }

    /** {@code value → const | tuple | list} */
    private MiValue value() {
        if (pos >= len) throw Malformed.INSTANCE;
        switch (s.charAt(pos)) {
            case '"':
                return new MiConst(cString());
            case '{':
                return tuple();
            case '[':
                return list();
            default:
                throw Malformed.INSTANCE;
        }
    }

    /** {@code tuple → "{}" | "{" result ( "," result )* "}"} */
    private MiTuple tuple() {
        pos++; // '{'
        if (peek() == '}') {
            pos++;
            return MiTuple.EMPTY;
        }
        List<MiField> fields = new ArrayList<>();
        // a name may repeat (gdb bug 22217, e.g. thread-ids={thread-id="1",thread-id="2"}):
        // every field is kept in order, MiFields.get returns the first, getAll every one
        fields.add(result());
        while (peek() == ',') {
            pos++;
            fields.add(result());
        }
        expect('}');
        return new MiTuple(fields);
    }

    /** {@code list → "[]" | "[" value ( "," value )* "]" | "[" result ( "," result )* "]"} */
    private MiList list() {
        pos++; // '['
        if (peek() == ']') {
            pos++;
            return MiList.EMPTY;
        }
        List<MiField> items = new ArrayList<>();
        boolean ofValues = isValueStart(peek());
        do {
            if (!items.isEmpty()) pos++; // ','
            items.add(ofValues ? new MiField(null, value()) : result());
        } while (peek() == ',');
        expect(']');
        return new MiList(items);
    }

    /**
     * {@code c-string → """ seven-bit-iso-c-string-content """}. gdb escapes with C rules:
     * {@code \n \t \" \\ \e} and the like, and any other byte as octal {@code \NNN}; a non-ASCII
     * character arrives as several octal bytes of its UTF-8 encoding, so runs of octal escapes
     * are collected as bytes and decoded together; under another charset (ISO-8859-1's é is
     * {@code \351}) a byte that is no UTF-8 is kept as itself ({@link GdbText}).
     */
    private String cString() {
        if (peek() != '"') throw Malformed.INSTANCE;
        pos++;
        int start = pos;
        // fast path: no escapes
        while (pos < len) {
            char c = s.charAt(pos);
            if (c == '"') {
                String text = s.substring(start, pos);
                pos++;
                return text;
            }
            if (c == '\\') break;
            pos++;
        }
        StringBuilder sb = new StringBuilder(pos - start + 16);
        sb.append(s, start, pos);
        int nbytes = 0;
        while (pos < len) {
            char c = s.charAt(pos);
            if (c == '"') {
                if (nbytes > 0) decodeBytes(sb, nbytes);
                pos++;
                return sb.toString();
            }
            if (c != '\\') {
                if (nbytes > 0) nbytes = decodeBytes(sb, nbytes);
                sb.append(c);
                pos++;
                continue;
            }
            if (++pos >= len) throw Malformed.INSTANCE;
            char e = s.charAt(pos);
            if (e >= '0' && e <= '7') {
                int v = 0;
                int digits = 0;
                while (digits < 3 && pos < len && s.charAt(pos) >= '0' && s.charAt(pos) <= '7') {
                    v = v * 8 + (s.charAt(pos) - '0');
                    pos++;
                    digits++;
                }
                if (nbytes == bytes.length) bytes = java.util.Arrays.copyOf(bytes, nbytes * 2);
                bytes[nbytes++] = (byte) v;
                continue;
            }
            if (nbytes > 0) nbytes = decodeBytes(sb, nbytes);
            pos++;
            switch (e) {
                case 'n': sb.append('\n'); break;
                case 't': sb.append('\t'); break;
                case 'r': sb.append('\r'); break;
                case 'e': sb.append('\033'); break;
                case 'a': sb.append('\007'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'v': sb.append('\013'); break;
                default: sb.append(e); // \" \\ \' \? and anything unknown stand for themselves
            }
        }
        throw Malformed.INSTANCE; // no closing quote
    }

    /** The bytes of octal escapes collected so far, as text: UTF-8 where they are, every other byte kept. */
    private int decodeBytes(StringBuilder sb, int n) {
        sb.append(GdbText.decode(bytes, 0, n));
        return 0;
    }

    private static boolean isValueStart(char c) {
        return c == '"' || c == '{' || c == '[';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Long parseToken(int start, int end) {
        if (end - start > 18) throw Malformed.INSTANCE;
        long v = 0;
        for (int i = start; i < end; i++) v = v * 10 + (s.charAt(i) - '0');
        return v;
    }

    private char peek() {
        return pos < len ? s.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (pos >= len || s.charAt(pos) != c) throw Malformed.INSTANCE;
        pos++;
    }

    /** Signals a line that does not follow the grammar; stackless because it is control flow. */
    private static final class Malformed extends RuntimeException {
        static final Malformed INSTANCE = new Malformed();

        private Malformed() {
            super(null, null, false, false);
        }
    }
}
