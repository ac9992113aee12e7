/*
 * cpu_dump_state in QEMU 2.9's MIPS format (mips_cpu_dump_state): the
 * pc/HI/LO/ds line, GPRs four per line with QEMU's register names, then
 * CP0 Status/Cause/EPC and Config lines.  Non-MIPS flavours print the same
 * layout over their own register array (guest register i = array index i).
 * Output goes through the caller's cpu_fprintf, as in QEMU.
 */
#include "minipanda.h"

const char *const mp_gpr_names[32] = {
    "r0", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra",
};

MP_API void cpu_dump_state(CPUState *cpu, FILE *f, fprintf_function cpu_fprintf, int flags)
{
    (void)flags;
    (void)cpu;
    if (!cpu_fprintf)
        cpu_fprintf = fprintf;
    target_ulong hi = 0, lo = 0;
#if defined(TARGET_ARCH_MIPS)
    hi = mp_env->active_tc.HI[0];
    lo = mp_env->active_tc.LO[0];
#endif
    cpu_fprintf(f, "pc=0x" TARGET_FMT_lx " HI=0x" TARGET_FMT_lx " LO=0x" TARGET_FMT_lx
                " ds %04x " TARGET_FMT_lx " " TARGET_FMT_ld "\n",
                (target_ulong)mp_get_pc(), hi, lo, CP0.hflags, CP0.btarget, (target_long)CP0.bcond);
    for (int i = 0; i < 32; i++) {
        if ((i & 3) == 0)
            cpu_fprintf(f, "GPR%02d:", i);
        cpu_fprintf(f, " %s " TARGET_FMT_lx, mp_gpr_names[i], *mp_reg_ptr(i));
        if ((i & 3) == 3)
            cpu_fprintf(f, "\n");
    }
    cpu_fprintf(f, "CP0 Status  0x%08x Cause   0x%08x EPC    0x" TARGET_FMT_lx "\n",
                CP0.CP0_Status, CP0.CP0_Cause, CP0.CP0_EPC);
    cpu_fprintf(f, "    Config0 0x%08x Config1 0x%08x LLAddr 0x%016" PRIx64 "\n",
                CP0.CP0_Config0, CP0.CP0_Config1, CP0.lladdr);
    cpu_fprintf(f, "    Config2 0x%08x Config3 0x%08x\n", CP0.CP0_Config2, CP0.CP0_Config3);
    cpu_fprintf(f, "    Config4 0x%08x Config5 0x%08x\n", CP0.CP0_Config4, CP0.CP0_Config5);
    fflush(f);
}
