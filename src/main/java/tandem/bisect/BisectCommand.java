// The entry the command line (`tandem bisect RECTRACE REPTRACE`) and the console's `bisect` verb
// call: runs a search on an open pair, prints progress notes and the result, writes the report
// files, and answers with tandem's exit code.
package tandem.bisect;

import tandem.panda.Pair;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class BisectCommand {
    public static final int FOUND = 0;
    public static final int NEVER_DIVERGE = 1;
    public static final int ERROR = 2;

    private BisectCommand() {
    }

    /**
     * Searches, prints the divergence side by side and, as its last line,
     * {@code first divergence at guest instruction N}; writes {@code --report FILE} as JSON and
     * FILE.md as Markdown. Returns 0 when the runs diverge, 1 when they never do, 2 on error
     * (bad bounds, different builds, a lost debugger, Ctrl-C: the resume file stays as it was).
     */
    public static int run(Pair pair, BisectOptions opts, PrintStream out) {
        return run(pair, opts, out, null);
    }

    /**
     * {@link #run(Pair, BisectOptions, PrintStream)}, with what {@code explain} says of the
     * divergence (PANDA's nondet logs there: `--log`) printed after it and written into the report.
     */
    public static int run(Pair pair, BisectOptions opts, PrintStream out, java.util.function.Function<Divergence, Explanation> explain) {
        try {
            Divergence d = Bisector.search(pair, opts);
            Explanation why = explain == null || !d.diverged() ? null : explain.apply(d);
            writeReport(d, why, opts.reportFile(), out);
            out.println(d);
            if (why != null) out.println(why);
            out.println(d.headline());
            return d.diverged() ? FOUND : NEVER_DIVERGE;
        } catch (RuntimeException e) {
            out.println("bisect failed: " + e.getMessage());
            if (opts.resumeFile() != null && Files.exists(opts.resumeFile())) {
                out.println("the search so far is in " + opts.resumeFile() + ": run the same command with --resume="
                        + opts.resumeFile() + " to continue");
            }
            return ERROR;
        }
    }

    static void writeReport(Divergence d, Path file, PrintStream out) {
        writeReport(d, null, file, out);
    }

    public static void writeReport(Divergence d, Explanation why, Path file, PrintStream out) {
        if (file == null) return;
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            if (why == null) {
                Files.writeString(file, d.toJson());
            } else {
                java.util.Map<String, Object> m = d.toMap();
                m.put("nondet", why.toMap());
                Files.writeString(file, groovy.json.JsonOutput.prettyPrint(groovy.json.JsonOutput.toJson(m)));
            }
            Path md = markdownBeside(file);
            Files.writeString(md, why == null ? d.toMarkdown()
                    : d.toMarkdown() + "\n## Nondet log\n\n```\n" + why + "\n```\n");
            out.println("report: " + file + " and " + md);
        } catch (IOException e) {
            throw new UncheckedIOException("can't write the report " + file, e);
        }
    }

    static Path markdownBeside(Path json) {
        String n = json.getFileName().toString();
        String base = n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
        return json.resolveSibling(base + ".md");
    }
}
