// The same question answered by rec and rep, and what differs between the answers.
package tandem.panda;

import tandem.panda.time.Origin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public record Both<T>(T rec, T rep) {

    public boolean same() {
        return differences().isEmpty();
    }

    /** Human-readable names of what differs: register names, checksum parts, lines, or "value". */
    public List<String> differences() {
        List<String> d = new ArrayList<>();
        if (rec instanceof Registers a && rep instanceof Registers b) {
            d.addAll(a.diff(b).keySet());
        } else if (rec instanceof Checksums a && rep instanceof Checksums b) {
            if (a.instr() != b.instr()) d.add("instr");
            d.addAll(a.differences(b));
        } else if (rec instanceof Translation a && rep instanceof Translation b) {
            if (!a.physical().equals(b.physical())) d.add(a.mapped() && !b.mapped() ? "mapped in rec only"
                    : !a.mapped() && b.mapped() ? "mapped in rep only" : "physical address");
        } else if (rec instanceof Origin a && rep instanceof Origin b) {
            // the host backtraces of one write differ between recording and replaying: the count and values tell
            if (!a.sameAs(b)) d.add("origin");
        } else if (rec instanceof CharSequence a && rep instanceof CharSequence b) {
            // text, a Groovy GString too; PANDA's progress lines, printed during a move, differ by
            // name and host timing: no difference. Text keeps gdb's bytes (tandem.mi.GdbText), so
            // equal lines are equal bytes, whatever gdb's charset
            String[] la = withoutProgress(a.toString()), lb = withoutProgress(b.toString());
            for (int i = 0; i < Math.max(la.length, lb.length); i++) {
                String x = i < la.length ? la[i] : "", y = i < lb.length ? lb[i] : "";
                if (!x.equals(y)) d.add("line " + (i + 1));
            }
        } else if (!Objects.equals(rec, rep)) {
            d.add("value");
        }
        return d;
    }

    private static String[] withoutProgress(String s) {
        return java.util.Arrays.stream(s.split("\n", -1)).filter(l -> !ReplayOutput.isProgress(l)).toArray(String[]::new);
    }

    /** "same", or a one-line summary of what differs. */
    public String diff() {
        List<String> d = differences();
        if (d.isEmpty()) return "same";
        if (rec instanceof Registers a && rep instanceof Registers b) {
            StringBuilder s = new StringBuilder("differ:");
            for (Map.Entry<String, long[]> e : a.diff(b).entrySet()) {
                s.append(String.format(" %s rec=0x%x rep=0x%x", e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
            return s.toString();
        }
        return "differ: " + String.join(", ", d);
    }

    @Override
    public String toString() {
        return "rec: " + rec + "\nrep: " + rep + "\n" + diff();
    }
}
