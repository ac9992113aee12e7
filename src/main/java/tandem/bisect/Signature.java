// One side's state signature at a guest instruction count: rr_checksum_regs() (or a hash of the
// registers read one by one when the build lacks it), rr_checksum_tlb() where present, and a crc32
// of guest RAM, which costs a pass over all of RAM and so is taken only when the cheap parts agree.
package tandem.bisect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public record Signature(long instr, long regs, Long tlb, Long ram) {

    public Signature withRam(long crc) {
        return new Signature(instr, regs, tlb, crc);
    }

    /** Parts that differ; RAM only when both sides have it. */
    public List<String> differences(Signature o) {
        List<String> d = new ArrayList<>();
        if (instr != o.instr) d.add("instr");
        if (regs != o.regs) d.add("regs");
        if (tlb != null && o.tlb != null && !tlb.equals(o.tlb)) d.add("tlb");
        if (ram != null && o.ram != null && !ram.equals(o.ram)) d.add("ram");
        return d;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instr", instr);
        m.put("regs", regs);
        if (tlb != null) m.put("tlb", tlb);
        if (ram != null) m.put("ram", ram);
        return m;
    }

    static Signature fromMap(Map<?, ?> m) {
        return new Signature(num(m.get("instr")), num(m.get("regs")),
                m.get("tlb") == null ? null : num(m.get("tlb")), m.get("ram") == null ? null : num(m.get("ram")));
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    @Override
    public String toString() {
        return String.format("regs=%08x tlb=%s ram=%s", regs, tlb == null ? "-" : String.format("%08x", tlb),
                ram == null ? "-" : String.format("%08x", ram));
    }
}
