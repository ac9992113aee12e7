// State signatures at one guest instruction count, each from a named source: PANDA's
// rr_checksum_regs(), tandem's crc32 of guest RAM (computed in the PANDA process, as diverge.py does)
// and tandem's hash of the TLB entries (MIPS). No PANDA has rr_checksum_ram() or rr_checksum_tlb().
package tandem.panda;

import java.util.ArrayList;
import java.util.List;

/** regs: null when the build lacks rr_checksum_regs(); tlb: null on archs without a software TLB. */
public record Checksums(long instr, Long regs, long ram, Long tlb) {

    /** Where each value comes from, as the console says it. */
    public static final String REGS_SOURCE = "PANDA's rr_checksum_regs()";
    public static final String RAM_SOURCE = "tandem's crc32 of guest RAM in the PANDA process";
    public static final String TLB_SOURCE = "tandem's crc32 of the TLB entries";

    /** Names of the parts that differ from {@code other}: "regs", "ram", "tlb". */
    public List<String> differences(Checksums other) {
        List<String> d = new ArrayList<>();
        if (regs != null && other.regs != null && !regs.equals(other.regs)) d.add("regs");
        if (ram != other.ram) d.add("ram");
        if (tlb != null && other.tlb != null && !tlb.equals(other.tlb)) d.add("tlb");
        return d;
    }

    public boolean sameState(Checksums other) {
        return differences(other).isEmpty();
    }

    private static String hex(Long v) {
        return v == null ? "n/a" : String.format("0x%08x", v);
    }

    @Override
    public String toString() {
        return "regs=" + hex(regs) + " (" + REGS_SOURCE + ") ram=" + hex(ram) + " (" + RAM_SOURCE + ") tlb="
                + hex(tlb) + " (" + TLB_SOURCE + ")";
    }
}
