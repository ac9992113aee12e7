// What a divergence search is asked to do: the bounds (diverge.py's --instr-bounds / --instr-max),
// the strategy, where to keep the resume file and write the report, and who hears its progress.
package tandem.bisect;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

public final class BisectOptions {
    private Long lo;
    private Long hi;
    private Long instrMax;
    private boolean skipBisectTime;
    private Strategy strategy = Strategy.TANDEM;
    private Path resumeFile;
    private Path reportFile;
    private int maxWatchGroups = 3;
    private Duration moveLimit = Duration.ofHours(4);
    private BisectListener listener = BisectListener.NONE;
    private boolean tracedReplays = Boolean.parseBoolean(System.getProperty("tandem.tracedReplays", "true"));

    public static BisectOptions defaults() {
        return new BisectOptions();
    }

    /**
     * Reads diverge.py-compatible flags, as printed by "how to get back here":
     * {@code --instr-bounds=LO,HI --instr-max=M --skip-bisect-time}, plus
     * {@code --strategy=tandem|diverge --resume=FILE --report=FILE --no-traced-replays}.
     */
    public static BisectOptions parse(List<String> args) {
        BisectOptions o = new BisectOptions();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean flag = name.equals("--skip-bisect-time") || name.equals("--no-traced-replays");
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (!flag && i + 1 < args.size() ? args.get(++i) : null);
            switch (name) {
                case "--instr-bounds" -> {
                    String[] b = Objects.requireNonNull(value, "--instr-bounds needs LO,HI").split(",");
                    if (b.length != 2) throw new IllegalArgumentException("--instr-bounds wants LO,HI, not " + value);
                    o.bounds(parseCount(b[0]), parseCount(b[1]));
                }
                case "--instr-max" -> o.instrMax(parseCount(value));
                case "--skip-bisect-time" -> o.skipBisectTime(true);
                case "--strategy" -> o.strategy(Strategy.parse(value));
                case "--resume" -> o.resumeFile(Path.of(value));
                case "--report" -> o.reportFile(Path.of(value));
                case "--no-traced-replays" -> o.tracedReplays(false);
                default -> throw new IllegalArgumentException("unknown bisect option " + a
                        + " (known: --instr-bounds=LO,HI --instr-max=M --skip-bisect-time --strategy=tandem|diverge"
                        + " --resume=FILE --report=FILE --no-traced-replays)");
            }
        }
        return o;
    }

    private static long parseCount(String s) {
        if (s == null) throw new IllegalArgumentException("missing instruction count");
        String t = s.trim().replace("_", "");
        try {
            if (t.matches("(?i)[0-9.]+e[0-9]+")) return (long) Double.parseDouble(t);
            return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an instruction count: " + s);
        }
    }

    /** diverge.py's "args to get back here". */
    public static String backHereFlags(long lo, long hi, long instrMax) {
        return "--instr-bounds=" + lo + "," + hi + " --instr-max=" + instrMax;
    }

    public BisectOptions bounds(long lo, long hi) {
        this.lo = lo;
        this.hi = hi;
        return this;
    }

    public BisectOptions lo(Long lo) {
        this.lo = lo;
        return this;
    }

    public BisectOptions hi(Long hi) {
        this.hi = hi;
        return this;
    }

    /** The highest count the search may go to (diverge.py's --instr-max); the default hi. */
    public BisectOptions instrMax(Long instrMax) {
        this.instrMax = instrMax;
        return this;
    }

    /** Trust the bounds as the bracket (LO equal, HI differing) and go straight to what differs. */
    public BisectOptions skipBisectTime(boolean skip) {
        this.skipBisectTime = skip;
        return this;
    }

    public BisectOptions strategy(Strategy strategy) {
        this.strategy = Objects.requireNonNull(strategy);
        return this;
    }

    public BisectOptions resumeFile(Path file) {
        this.resumeFile = file;
        return this;
    }

    public BisectOptions reportFile(Path file) {
        this.reportFile = file;
        return this;
    }

    /** How many groups of (at most 4) hardware watchpoints to try at the bracket. */
    public BisectOptions maxWatchGroups(int groups) {
        this.maxWatchGroups = groups;
        return this;
    }

    public BisectOptions moveLimit(Duration limit) {
        this.moveLimit = limit;
        return this;
    }

    /**
     * Whether a search between two live PANDA replays, where going back re-executes, may first run
     * both once more outside gdb with tandem's PANDA plugin to find the first differing TB (TracedPass).
     * Default: true, unless -Dtandem.tracedReplays=false; {@code --no-traced-replays} turns it off.
     */
    public BisectOptions tracedReplays(boolean on) {
        this.tracedReplays = on;
        return this;
    }

    public boolean tracedReplays() {
        return tracedReplays;
    }

    public BisectOptions listener(BisectListener listener) {
        this.listener = listener == null ? BisectListener.NONE : listener;
        return this;
    }

    public Long lo() {
        return lo;
    }

    public Long hi() {
        return hi;
    }

    public Long instrMax() {
        return instrMax;
    }

    public boolean skipBisectTime() {
        return skipBisectTime;
    }

    public Strategy strategy() {
        return strategy;
    }

    public Path resumeFile() {
        return resumeFile;
    }

    public Path reportFile() {
        return reportFile;
    }

    public int maxWatchGroups() {
        return maxWatchGroups;
    }

    public Duration moveLimit() {
        return moveLimit;
    }

    public BisectListener listener() {
        return listener;
    }
}
