package tandem.mi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An MI input command: {@code [ token ] "-" operation ( " " option )* [ " --" ] ( " " parameter )* nl}
 * (GDB manual, "GDB/MI Input Syntax"). Immutable; the {@code with...} methods return new commands.
 * The channel adds the token when it sends the command.
 *
 * <pre>
 * MiCommand.of("-data-evaluate-expression", "x + 1")       // -data-evaluate-expression "x + 1"
 * MiCommand.of("break-insert").option("-t").param("main")  // -break-insert -t main
 * MiCommand.console("printf \"%d\\n\", 3")                  // -interpreter-exec console "printf \"%d\\n\", 3"
 * </pre>
 */
public final class MiCommand {

    private final String operation;
    private final List<String> options;
    private final List<String> parameters;
    private final boolean endOfOptions;

    private MiCommand(String operation, List<String> options, List<String> parameters, boolean endOfOptions) {
        this.operation = operation;
        this.options = options;
        this.parameters = parameters;
        this.endOfOptions = endOfOptions;
    }

    /** A command; the operation may be written with or without its leading {@code -}. */
    public static MiCommand of(String operation, String... parameters) {
        Objects.requireNonNull(operation, "operation");
        String op = operation.startsWith("-") ? operation.substring(1) : operation;
        if (op.isEmpty() || op.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"')) {
            throw new IllegalArgumentException("not an MI operation: '" + operation + "'");
        }
        return new MiCommand(op, List.of(), List.of(parameters), false);
    }

    /**
     * A CLI command run through {@code -interpreter-exec console "..."}; what it prints
     * arrives as console stream text of this command.
     */
    public static MiCommand console(String cliCommand) {
        return of("interpreter-exec", "console", cliCommand);
    }

    /** Adds an option such as {@code --thread 2} or {@code -t}; given as separate words. */
    public MiCommand option(String... words) {
        List<String> o = new ArrayList<>(options);
        Collections.addAll(o, words);
        return new MiCommand(operation, List.copyOf(o), parameters, endOfOptions);
    }

    /** Adds parameters after the existing ones. */
    public MiCommand param(String... words) {
        List<String> p = new ArrayList<>(parameters);
        Collections.addAll(p, words);
        return new MiCommand(operation, options, List.copyOf(p), endOfOptions);
    }

    /** Writes {@code --} between options and parameters, for a parameter that starts with {@code -}. */
    public MiCommand endOfOptions() {
        return new MiCommand(operation, options, parameters, true);
    }

    /** The operation without its leading dash, e.g. {@code data-evaluate-expression}. */
    public String operation() {
        return operation;
    }

    public List<String> options() {
        return options;
    }

    public List<String> parameters() {
        return parameters;
    }

    /** The command line without token or newline, as gdb should read it. */
    public String text() {
        StringBuilder sb = new StringBuilder(32);
        appendTo(sb);
        return sb.toString();
    }

    /** The command line with {@code token} in front (no newline). */
    public String render(long token) {
        StringBuilder sb = new StringBuilder(40);
        sb.append(token);
        appendTo(sb);
        return sb.toString();
    }

    private void appendTo(StringBuilder sb) {
        sb.append('-').append(operation);
        for (String o : options) sb.append(' ').append(quote(o, false));
        if (endOfOptions) sb.append(" --");
        for (String p : parameters) sb.append(' ').append(quote(p, false));
    }

    /**
     * MI argument quoting: a word with a space, quote, backslash or control character (or an
     * empty word) becomes a C string with {@code "} and {@code \} escaped; gdb's
     * {@code mi_parse_argv} undoes it. Other words go as they are.
     */
    public static String quote(String word, boolean always) {
        boolean needs = always || word.isEmpty();
        for (int i = 0; !needs && i < word.length(); i++) {
            char c = word.charAt(i);
            needs = c <= ' ' || c == '"' || c == '\\' || c == 127;
        }
        if (!needs) return word;
        StringBuilder sb = new StringBuilder(word.length() + 8);
        sb.append('"');
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\t': sb.append("\\t"); break;
                case '\r': sb.append("\\r"); break;
                default:
                    if (c < ' ' || c == 127) {
                        sb.append('\\').append(Integer.toOctalString(0x200 | c).substring(1));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return text();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MiCommand c && c.text().equals(text());
    }

    @Override
    public int hashCode() {
        return text().hashCode();
    }
}
