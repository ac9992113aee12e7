// The answer of panda_virt_to_phys for one guest virtual address: a physical address, or unmapped
// (PANDA answers -1; on MIPS an address missing from the TLB stays unmapped until guest code refills it).
package tandem.panda;

import java.util.OptionalLong;

public record Translation(long virtual, OptionalLong physical) {

    public boolean mapped() {
        return physical.isPresent();
    }

    @Override
    public String toString() {
        return String.format("0x%x -> %s", virtual,
                physical.isPresent() ? String.format("0x%x", physical.getAsLong()) : "unmapped");
    }
}
