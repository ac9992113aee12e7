// PANDA's state signatures at one guest instruction count: rr_checksum_regs(), a crc32 of guest
// RAM, and rr_checksum_tlb() where the build has it (null otherwise).
package tandem.panda;

import java.util.ArrayList;
import java.util.List;

public record Checksums(long instr, long regs, long ram, Long tlb) {

    /** Names of the parts that differ from {@code other}: "regs", "ram", "tlb". */
    public List<String> differences(Checksums other) {
        List<String> d = new ArrayList<>();
        if (regs != other.regs) d.add("regs");
        if (ram != other.ram) d.add("ram");
        if (tlb != null && other.tlb != null && !tlb.equals(other.tlb)) d.add("tlb");
        return d;
    }

    public boolean sameState(Checksums other) {
        return differences(other).isEmpty();
    }

    @Override
    public String toString() {
        return String.format("regs=0x%08x ram=0x%08x tlb=%s", regs, ram,
                tlb == null ? "n/a" : String.format("0x%08x", tlb));
    }
}
