// PANDA's guest architectures: the one place that knows each arch's CPU state struct, where its
// PC and general registers live, their conventional names, and the extra registers worth showing.
package tandem.panda;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public enum Arch {
    MIPS("CPUMIPSState", "active_tc.PC", "active_tc.gpr", 32,
            List.of("zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",
                    "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
                    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
                    "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"),
            Map.of("EPC", "CP0_EPC", "EntryHi", "CP0_EntryHi", "Status", "CP0_Status", "Cause", "CP0_Cause"),
            true, "mips", "mipsel"),
    // x86 eflags at a TB boundary lacks the condition codes and DF, which QEMU keeps in cc_src/cc_op
    // and df while it runs guest code (target/i386/helper.c:1384-1392): compared as what it is, and
    // cc_op and cc_src beside it, from which QEMU computes the flags (FIDELITY row 66).
    I386("CPUX86State", "eip", "regs", 32,
            List.of("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"),
            Map.of("eflags", "eflags", "cc_op", "cc_op", "cc_src", "cc_src", "cr3", "cr[3]"),
            false, "i386"),
    X86_64("CPUX86State", "eip", "regs", 64,
            List.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"),
            Map.of("eflags", "eflags", "cc_op", "cc_op", "cc_src", "cc_src", "cr3", "cr[3]"),
            false, "x86_64"),
    // 32-bit ARM keeps its PC in r15 (CPUARMState's pc member exists too, but is AArch64's and stale
    // in AArch32 state, which is what diverge.py reads). uncached_cpsr lacks NZCV, Q, GE and T, which
    // QEMU keeps apart (target/arm/cpu.h:164-167): compared as what it is, not as the CPSR.
    ARM("CPUARMState", "regs[15]", "regs", 32,
            List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
                    "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"),
            // NZCV as QEMU keeps them between TBs: NF and VF in bit 31, ZF zero when Z is set, CF 0 or 1
            Map.of("cpsr", "uncached_cpsr", "NF", "NF", "ZF", "ZF", "CF", "CF", "VF", "VF"),
            false, "arm"),
    AARCH64("CPUARMState", "pc", "xregs", 64,
            List.of("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
                    "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
                    "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp"),
            Map.of("pstate", "pstate"), // without NZCV and DAIF, kept apart (target/arm/cpu.h:150-160)
            false, "aarch64"),
    // PPC's PC is nip; diverge.py compared lr instead, which misses straight-line divergence.
    PPC("CPUPPCState", "nip", "gpr", 32,
            List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
                    "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22",
                    "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31"),
            Map.of("lr", "lr", "msr", "msr"),
            false, "ppc");

    private static final Pattern BINARY = Pattern.compile("(?:panda|qemu)-system-([a-z0-9_]+)");

    private final String stateStruct;
    private final String pcField;
    private final String registerArray;
    private final int pointerBits;
    private final List<String> registerNames;
    private final Map<String, String> extraRegisters;
    private final boolean hasSoftwareTlb;
    private final List<String> qemuNames;

    Arch(String stateStruct, String pcField, String registerArray, int pointerBits,
         List<String> registerNames, Map<String, String> extraRegisters, boolean hasSoftwareTlb,
         String... qemuNames) {
        this.stateStruct = stateStruct;
        this.pcField = pcField;
        this.registerArray = registerArray;
        this.pointerBits = pointerBits;
        this.registerNames = registerNames;
        this.extraRegisters = extraRegisters;
        this.hasSoftwareTlb = hasSoftwareTlb;
        this.qemuNames = List.of(qemuNames);
    }

    /** The arch named by a PANDA or QEMU binary in a command line ("panda-system-mips", "qemu-system-x86_64"). */
    public static Optional<Arch> fromCommandLine(String commandLine) {
        Matcher m = BINARY.matcher(commandLine);
        while (m.find()) {
            Optional<Arch> a = fromName(m.group(1));
            if (a.isPresent()) return a;
        }
        return Optional.empty();
    }

    /** By QEMU target name ("mips", "x86_64") or enum name, case-insensitive. */
    public static Optional<Arch> fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Arch a : values()) {
            if (a.name().equalsIgnoreCase(n) || a.qemuNames.contains(n)) return Optional.of(a);
        }
        return Optional.empty();
    }

    public static String knownNames() {
        StringBuilder s = new StringBuilder();
        for (Arch a : values()) s.append(s.length() == 0 ? "" : ", ").append(a.qemuNames.get(0));
        return s.toString();
    }

    /** gdb expression of the first CPU's arch state: {@code ((CPUMIPSState *) cpus->tqh_first->env_ptr)}. */
    public String env() {
        return "((" + stateStruct + " *) cpus->tqh_first->env_ptr)";
    }

    /** gdb expression of a field of the arch state, e.g. {@code field("CP0_EPC")}. */
    public String field(String path) {
        return env() + "->" + path;
    }

    public String pcExpression() {
        return field(pcField);
    }

    public String registerExpression(int index) {
        return field(registerArray + "[" + index + "]");
    }

    public String stateStruct() {
        return stateStruct;
    }

    public String pcField() {
        return pcField;
    }

    public String registerArray() {
        return registerArray;
    }

    public List<String> registerNames() {
        return registerNames;
    }

    /** Display name -> field path of the arch state, for registers beyond the general ones. */
    public Map<String, String> extraRegisters() {
        return extraRegisters;
    }

    public int pointerBits() {
        return pointerBits;
    }

    /** MIPS refills its TLB from guest code: tandem hashes its entries (PandaSession.tlbHash); no PANDA has a TLB checksum. */
    public boolean hasSoftwareTlb() {
        return hasSoftwareTlb;
    }

    /**
     * A guest-state name as a gdb lvalue of the arch state: a register name ("a1", "sp"), an extra
     * register ("EntryHi"), an element of the register array ("gpr[5]"), a field of the state
     * ("CP0_EntryHi", "active_tc.PC"), and on MIPS a TLB entry's field ("tlb[3].VPN2": QEMU's
     * r4k_tlb_t keeps EntryHi's VPN2 in its field VPN). Empty for anything else (a gdb lvalue).
     */
    public Optional<String> guestState(String name) {
        String n = name.trim();
        int reg = registerNames.indexOf(n);
        if (reg >= 0) return Optional.of(registerExpression(reg));
        if (n.equals("pc")) return Optional.of(pcExpression());
        if (extraRegisters.containsKey(n)) return Optional.of(field(extraRegisters.get(n)));
        String array = registerArray.substring(registerArray.lastIndexOf('.') + 1);
        Matcher element = Pattern.compile("(?:" + Pattern.quote(registerArray) + "|" + Pattern.quote(array) + ")\\[(\\d+)\\]").matcher(n);
        if (element.matches()) {
            // gdb reads past the array without a word (on MIPS, into the CP0 and TLB state after it)
            if (new java.math.BigInteger(element.group(1)).compareTo(java.math.BigInteger.valueOf(registerNames.size())) >= 0) {
                throw new PandaException(n + ": " + name() + " has " + registerNames.size() + " general registers, "
                        + array + "[0] to " + array + "[" + (registerNames.size() - 1) + "] (" + registerNames.get(0) + " to "
                        + registerNames.get(registerNames.size() - 1) + ")");
            }
            return Optional.of(field(registerArray + "[" + element.group(1) + "]"));
        }
        Matcher tlb = TLB_FIELD.matcher(n);
        if (this == MIPS && tlb.matches()) {
            String f = tlb.group(2).equals("VPN2") ? "VPN" : tlb.group(2);
            return Optional.of(field("tlb->mmu.r4k.tlb[" + tlb.group(1) + "]." + f));
        }
        if (n.matches("(CP0_|active_tc\\.)[\\w.\\[\\]]+")) return Optional.of(field(n));
        return Optional.empty();
    }

    /**
     * The entry a TLB name ("tlb[3].VPN2") names, on MIPS; empty for any other name. How many
     * entries there are is this PANDA's to say: {@link #tlbCount()}.
     */
    public java.util.OptionalLong tlbEntry(String name) {
        Matcher tlb = TLB_FIELD.matcher(name.trim());
        if (this != MIPS || !tlb.matches()) return java.util.OptionalLong.empty();
        try {
            return java.util.OptionalLong.of(Long.parseLong(tlb.group(1)));
        } catch (NumberFormatException huge) {
            return java.util.OptionalLong.of(Long.MAX_VALUE);
        }
    }

    /** gdb expression of how many TLB entries the CPU has (MIPS: QEMU's env->tlb->nb_tlb, set by the CPU model). */
    public String tlbCount() {
        return field("tlb->nb_tlb");
    }

    private static final Pattern TLB_FIELD = Pattern.compile("tlb\\[(\\d+)\\]\\.(\\w+(?:\\[\\d+\\])?)");

    /** The QEMU target name, as in panda-system-NAME. */
    public String qemuName() {
        return qemuNames.get(0);
    }
}
