// The registers of a full record (and of a ring slot) in tandem_trace's order (tt_regs in
// tandem_trace.c), per target: their names and the arch state's fields gdb reads them from.
package tandem.panda.trace;

import tandem.panda.Arch;

import java.util.ArrayList;
import java.util.List;

public final class TraceRegisters {
    /** One register of a full record: the name tandem shows, and its lvalue in the arch state (gdb). */
    public record Register(String name, String lvalue) {
    }

    private static final List<String> MIPS_SYSTEM = List.of("Index", "EntryLo0", "EntryLo1", "Context", "PageMask", "Wired",
            "BadVAddr", "EntryHi", "Compare", "Status", "Cause", "EPC", "ErrorEPC");

    private TraceRegisters() {
    }

    /** Names of the registers of a MIPS full record, in the plugin's order. */
    public static List<String> mipsNames() {
        return of(Arch.MIPS).stream().map(Register::name).toList();
    }

    /**
     * The registers of {@code arch}'s full record in the plugin's order: MIPS PC, the 32 general
     * registers, HI, LO, 13 CP0 registers and hflags; x86 eip, the general registers, eflags,
     * CR0, CR2, CR3, CR4 and the six segment bases; ARM r0-r15 and uncached_cpsr. Empty for a
     * target the plugin has no list for.
     */
    public static List<Register> of(Arch arch) {
        List<Register> r = new ArrayList<>();
        switch (arch) {
            case MIPS -> {
                r.add(new Register("pc", arch.pcExpression()));
                for (int i = 0; i < arch.registerNames().size(); i++) r.add(new Register(arch.registerNames().get(i), arch.registerExpression(i)));
                r.add(new Register("hi", arch.field("active_tc.HI[0]")));
                r.add(new Register("lo", arch.field("active_tc.LO[0]")));
                for (String n : MIPS_SYSTEM) r.add(new Register(n, arch.field("CP0_" + n)));
                r.add(new Register("hflags", arch.field("hflags")));
            }
            case X86_64, I386 -> {
                r.add(new Register("pc", arch.pcExpression()));
                for (int i = 0; i < arch.registerNames().size(); i++) r.add(new Register(arch.registerNames().get(i), arch.registerExpression(i)));
                r.add(new Register("eflags", arch.field("eflags")));
                for (int c : new int[] {0, 2, 3, 4}) r.add(new Register("cr" + c, arch.field("cr[" + c + "]")));
                String[] segs = {"es", "cs", "ss", "ds", "fs", "gs"};
                for (int i = 0; i < segs.length; i++) r.add(new Register(segs[i] + "_base", arch.field("segs[" + i + "].base")));
            }
            case ARM -> {
                for (int i = 0; i < arch.registerNames().size(); i++) r.add(new Register(arch.registerNames().get(i), arch.registerExpression(i)));
                r.add(new Register("cpsr", arch.field("uncached_cpsr")));
            }
            default -> {
                // no list in the plugin (it does not build for this target)
            }
        }
        return r;
    }

    /**
     * The fields of a MIPS TLB entry in the plugin's words (VPN, PageMask, ASID, flags, PFN0,
     * PFN1) as Arch.guestState names them; null for the flags word, bit fields gdb cannot take the
     * address of.
     */
    public static String mipsTlbField(int entry, int word) {
        return switch (word) {
            case 0 -> "tlb[" + entry + "].VPN";
            case 1 -> "tlb[" + entry + "].PageMask";
            case 2 -> "tlb[" + entry + "].ASID";
            case 4 -> "tlb[" + entry + "].PFN[0]";
            case 5 -> "tlb[" + entry + "].PFN[1]";
            default -> null;
        };
    }
}
