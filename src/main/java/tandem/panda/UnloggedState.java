// PANDA state that neither a recording's snapshot nor its nondet log keeps. A replay starts
// without it while the record run had it, so the replay can run another way than the record run
// did. Read from the record run at rr_do_begin_record and given back to a replay at
// rr_do_begin_replay, it makes that replay repeat the record run: without rr, that replay is the
// exact, re-executable stand-in for the record side.
package tandem.panda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class UnloggedState {
    private UnloggedState() {
    }

    /**
     * MIPS: QEMU 2.9's {@code cpu_mips_get_random} (hw/mips/cputimer.c), which picks the entry
     * {@code tlbwr} writes, keeps its state in two function statics, {@code seed} and
     * {@code prev_idx}; PANDA saves neither in the snapshot nor logs them. A recording begun after
     * the guest's first {@code tlbwr} therefore replays from the initial seed and its first
     * {@code tlbwr} writes another entry (PANDA.md: the replay fails soon after).
     */
    static final List<String> MIPS = List.of("'cpu_mips_get_random'::seed", "'cpu_mips_get_random'::prev_idx");

    /** What gdb prints before each value: {@code record-time state: EXPR = VALUE}. */
    static final String MARK = "record-time state: ";
    private static final Pattern LINE = Pattern.compile(Pattern.quote(MARK) + "(\\S+) = (\\d+)");

    /** The gdb expressions of {@code arch}'s unlogged state (unsigned 32-bit values); none known but MIPS's. */
    public static List<String> expressions(Arch arch) {
        return arch == Arch.MIPS ? MIPS : List.of();
    }

    /** gdb commands that print each expression as {@code record-time state: EXPR = VALUE} (run at rr_do_begin_record). */
    public static List<String> printCommands(Arch arch) {
        List<String> out = new ArrayList<>();
        for (String e : expressions(arch)) out.add("printf \"" + MARK + e + " = %u\\n\", " + e);
        return out;
    }

    /**
     * The values {@link #printCommands} printed, by expression, in the order found; the last
     * value of an expression printed more than once (a record run that begins twice).
     */
    public static Map<String, Long> parse(List<String> output) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String l : output) {
            Matcher m = LINE.matcher(l);
            while (m.find()) values.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return values;
    }

    /** gdb commands that set each value back ({@code set var EXPR = VALUE}): run at rr_do_begin_replay. */
    public static List<String> restoreCommands(Map<String, Long> values) {
        List<String> out = new ArrayList<>();
        values.forEach((e, v) -> out.add("set var " + e + " = " + v));
        return out;
    }
}
