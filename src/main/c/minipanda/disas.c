/*
 * target_disas: QEMU's disassembly dump of guest code, one line per
 * instruction, "0x<pc>:  <mnemonic>\t<operands>", with binutils' MIPS
 * syntax (o32 register names, objdump aliases nop/move/li/b/beqz/bnez,
 * branch targets as absolute addresses, CP0 registers as $n as QEMU's
 * built-in MIPS disassembler prints them).
 */
#include "minipanda.h"

static const char *const gpr[32] = {
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra",
};

static void print_insn(FILE *out, uint32_t pc, uint32_t w)
{
    int op = w >> 26, rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    int sa = (w >> 6) & 31, fn = w & 63;
    int16_t simm = (int16_t)(w & 0xffff);
    uint32_t zimm = w & 0xffff, btarget = pc + 4 + ((int32_t)simm << 2);
    static const char *const rnames[64] = {
        [33] = "addu", [35] = "subu", [36] = "and", [37] = "or", [38] = "xor", [39] = "nor",
        [42] = "slt", [43] = "sltu",
    };
    switch (op) {
    case 0:
        if (w == 0) { fprintf(out, "nop"); return; }
        switch (fn) {
        case 0: fprintf(out, "sll\t%s,%s,0x%x", gpr[rd], gpr[rt], sa); return;
        case 2: fprintf(out, "srl\t%s,%s,0x%x", gpr[rd], gpr[rt], sa); return;
        case 3: fprintf(out, "sra\t%s,%s,0x%x", gpr[rd], gpr[rt], sa); return;
        case 4: fprintf(out, "sllv\t%s,%s,%s", gpr[rd], gpr[rt], gpr[rs]); return;
        case 6: fprintf(out, "srlv\t%s,%s,%s", gpr[rd], gpr[rt], gpr[rs]); return;
        case 8: fprintf(out, "jr\t%s", gpr[rs]); return;
        case 9:
            if (rd == 31) fprintf(out, "jalr\t%s", gpr[rs]);
            else fprintf(out, "jalr\t%s,%s", gpr[rd], gpr[rs]);
            return;
        case 12: fprintf(out, "syscall"); return;
        case 13: fprintf(out, "break"); return;
        default:
            if (rnames[fn]) {
                if ((fn == 33 || fn == 37) && rt == 0)
                    fprintf(out, "move\t%s,%s", gpr[rd], gpr[rs]);
                else
                    fprintf(out, "%s\t%s,%s,%s", rnames[fn], gpr[rd], gpr[rs], gpr[rt]);
                return;
            }
        }
        break;
    case 1:
        if (rt == 0) { fprintf(out, "bltz\t%s,0x%x", gpr[rs], btarget); return; }
        if (rt == 1) { fprintf(out, "bgez\t%s,0x%x", gpr[rs], btarget); return; }
        break;
    case 2: fprintf(out, "j\t0x%x", ((pc + 4) & 0xf0000000u) | ((w & 0x3ffffff) << 2)); return;
    case 3: fprintf(out, "jal\t0x%x", ((pc + 4) & 0xf0000000u) | ((w & 0x3ffffff) << 2)); return;
    case 4:
        if (rs == 0 && rt == 0) fprintf(out, "b\t0x%x", btarget);
        else if (rt == 0) fprintf(out, "beqz\t%s,0x%x", gpr[rs], btarget);
        else fprintf(out, "beq\t%s,%s,0x%x", gpr[rs], gpr[rt], btarget);
        return;
    case 5:
        if (rt == 0) fprintf(out, "bnez\t%s,0x%x", gpr[rs], btarget);
        else fprintf(out, "bne\t%s,%s,0x%x", gpr[rs], gpr[rt], btarget);
        return;
    case 6: fprintf(out, "blez\t%s,0x%x", gpr[rs], btarget); return;
    case 7: fprintf(out, "bgtz\t%s,0x%x", gpr[rs], btarget); return;
    case 9:
        if (rs == 0) fprintf(out, "li\t%s,%d", gpr[rt], simm);
        else fprintf(out, "addiu\t%s,%s,%d", gpr[rt], gpr[rs], simm);
        return;
    case 10: fprintf(out, "slti\t%s,%s,%d", gpr[rt], gpr[rs], simm); return;
    case 11: fprintf(out, "sltiu\t%s,%s,%d", gpr[rt], gpr[rs], simm); return;
    case 12: fprintf(out, "andi\t%s,%s,0x%x", gpr[rt], gpr[rs], zimm); return;
    case 13:
        if (rs == 0) fprintf(out, "li\t%s,0x%x", gpr[rt], zimm);
        else fprintf(out, "ori\t%s,%s,0x%x", gpr[rt], gpr[rs], zimm);
        return;
    case 14: fprintf(out, "xori\t%s,%s,0x%x", gpr[rt], gpr[rs], zimm); return;
    case 15: fprintf(out, "lui\t%s,0x%x", gpr[rt], zimm); return;
    case 16:
        if (w & (1u << 25)) {
            if (fn == 0x18) { fprintf(out, "eret"); return; }
            if (fn == 2) { fprintf(out, "tlbwi"); return; }
            if (fn == 6) { fprintf(out, "tlbwr"); return; }
            if (fn == 1) { fprintf(out, "tlbr"); return; }
            if (fn == 8) { fprintf(out, "tlbp"); return; }
        } else if (rs == 0) { fprintf(out, "mfc0\t%s,$%d", gpr[rt], rd); return; }
        else if (rs == 4) { fprintf(out, "mtc0\t%s,$%d", gpr[rt], rd); return; }
        break;
    case 32: fprintf(out, "lb\t%s,%d(%s)", gpr[rt], simm, gpr[rs]); return;
    case 35: fprintf(out, "lw\t%s,%d(%s)", gpr[rt], simm, gpr[rs]); return;
    case 36: fprintf(out, "lbu\t%s,%d(%s)", gpr[rt], simm, gpr[rs]); return;
    case 40: fprintf(out, "sb\t%s,%d(%s)", gpr[rt], simm, gpr[rs]); return;
    case 43: fprintf(out, "sw\t%s,%d(%s)", gpr[rt], simm, gpr[rs]); return;
    }
    fprintf(out, ".word\t0x%08x", w);
}

MP_API void target_disas(FILE *out, CPUState *cpu, target_ulong code, target_ulong size, int flags)
{
    (void)flags;
    for (target_ulong pc = code; size > 0; pc += 4, size = size > 4 ? size - 4 : 0) {
        hwaddr pa = panda_virt_to_phys(cpu, pc);
        fprintf(out, "0x" TARGET_FMT_lx ":  ", pc);
        if (pa == (hwaddr)-1 || pa + 4 > ram_size) {
            fprintf(out, "Address 0x" TARGET_FMT_lx " is out of bounds.\n", pc);
            break;
        }
        print_insn(out, (uint32_t)pc, mp_ld32(guest_ram + pa));
        fprintf(out, "\n");
    }
    fflush(out);
}
