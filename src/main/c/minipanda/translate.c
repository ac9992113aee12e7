/*
 * Translation: decode guest MIPS code into TranslationBlocks of predecoded
 * ops, cached by physical PC and flags (like QEMU's tb_htable).
 *
 * A TB ends after a branch/jump and its delay slot, after an instruction that
 * changes control or interrupt state (eret, syscall, break, reserved
 * instruction, mtc0 to Status/Cause/EntryHi), before a page boundary, or at 32
 * instructions.  When the icount budget is smaller than the TB, a shorter
 * uncached TB is built at the same PC (QEMU's cpu_exec_nocache), so TB
 * boundaries depend only on guest code and event counts.  If such a cut
 * falls between a branch and its delay slot, the branch outcome is kept in
 * env hflags/btarget and the next TB starts in the delay slot (flags = B).
 */
#include <stdlib.h>
#include <string.h>
#include "minipanda.h"

#define TB_HASH_SIZE 4096

static TranslationBlock *tb_hash[TB_HASH_SIZE];
static TranslationBlock nocache_tb;
static MPOp nocache_ops[TB_MAX_INSNS];
static target_ulong op_sink;
uint64_t mp_tb_translated, mp_tb_nocache;

static target_ulong *wreg(int i) { return i == 0 ? &op_sink : mp_reg_ptr(i); }
static const target_ulong *rreg(int i) { return mp_reg_ptr(i); }

static int is_branch(int k) { return k >= OP_BEQ && k <= OP_JALR; }

static int ends_tb(const MPOp *op)
{
    switch (op->kind) {
    case OP_ERET: case OP_SYSCALL: case OP_BREAK: case OP_RI:
        return 1;
    case OP_MTC0:
        return op->c0reg == 12 || op->c0reg == 13 || op->c0reg == 10;
    default:
        return 0;
    }
}

/* Decode one instruction word at pc into op. */
static void decode(uint32_t w, uint32_t pc, MPOp *op)
{
    int opc = w >> 26, rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    int sa = (w >> 6) & 31, fn = w & 63;
    uint32_t simm = (uint32_t)(int32_t)(int16_t)(w & 0xffff), zimm = w & 0xffff;
    memset(op, 0, sizeof *op);
    op->pc = pc;
    op->kind = OP_RI;
    op->rd = &op_sink;
    op->rs = rreg(0);
    op->rt = rreg(0);
#define RTYPE(k) do { op->kind = k; op->rd = wreg(rd); op->rs = rreg(rs); op->rt = rreg(rt); } while (0)
#define ITYPE(k, v) do { op->kind = k; op->rd = wreg(rt); op->rs = rreg(rs); op->imm = (v); } while (0)
#define BTYPE(k) do { op->kind = k; op->rs = rreg(rs); op->rt = rreg(rt); op->imm = pc + 4 + (simm << 2); } while (0)
    switch (opc) {
    case 0:
        switch (fn) {
        case 0: if (w == 0) { op->kind = OP_NOP; break; }
                RTYPE(OP_SLL); op->imm = sa; break;
        case 2: RTYPE(OP_SRL); op->imm = sa; break;
        case 3: RTYPE(OP_SRA); op->imm = sa; break;
        case 4: RTYPE(OP_SLLV); break;
        case 6: RTYPE(OP_SRLV); break;
        case 8: op->kind = OP_JR; op->rs = rreg(rs); break;
        case 9: RTYPE(OP_JALR); op->imm = pc + 8; break;
        case 12: op->kind = OP_SYSCALL; break;
        case 13: op->kind = OP_BREAK; break;
        case 33: RTYPE(OP_ADDU); break;
        case 35: RTYPE(OP_SUBU); break;
        case 36: RTYPE(OP_AND); break;
        case 37: RTYPE(OP_OR); break;
        case 38: RTYPE(OP_XOR); break;
        case 39: RTYPE(OP_NOR); break;
        case 42: RTYPE(OP_SLT); break;
        case 43: RTYPE(OP_SLTU); break;
        }
        break;
    case 1:
        if (rt == 0) BTYPE(OP_BLTZ);
        else if (rt == 1) BTYPE(OP_BGEZ);
        break;
    case 2: op->kind = OP_J; op->imm = ((pc + 4) & 0xf0000000u) | ((w & 0x3ffffff) << 2); break;
    case 3: op->kind = OP_JAL; op->rd = wreg(31); op->imm = ((pc + 4) & 0xf0000000u) | ((w & 0x3ffffff) << 2); break;
    case 4: BTYPE(OP_BEQ); break;
    case 5: BTYPE(OP_BNE); break;
    case 6: BTYPE(OP_BLEZ); break;
    case 7: BTYPE(OP_BGTZ); break;
    case 9: ITYPE(OP_ADDIU, simm); break;
    case 10: ITYPE(OP_SLTI, simm); break;
    case 11: ITYPE(OP_SLTIU, simm); break;
    case 12: ITYPE(OP_ANDI, zimm); break;
    case 13: ITYPE(OP_ORI, zimm); break;
    case 14: ITYPE(OP_XORI, zimm); break;
    case 15: ITYPE(OP_LUI, zimm << 16); break;
    case 16:
        if (w & (1u << 25)) {
            if (fn == 0x18) op->kind = OP_ERET;
            else if (fn == 2) op->kind = OP_TLBWI;
            else if (fn == 6) op->kind = OP_TLBWR;
        } else if (rs == 0) {
            op->kind = OP_MFC0; op->rd = wreg(rt); op->c0reg = rd;
        } else if (rs == 4) {
            op->kind = OP_MTC0; op->rt = rreg(rt); op->c0reg = rd;
        }
        break;
    case 32: ITYPE(OP_LB, simm); break;
    case 35: ITYPE(OP_LW, simm); break;
    case 36: ITYPE(OP_LBU, simm); break;
    case 40: op->kind = OP_SB; op->rs = rreg(rs); op->rt = rreg(rt); op->imm = simm; break;
    case 43: op->kind = OP_SW; op->rs = rreg(rs); op->rt = rreg(rt); op->imm = simm; break;
    }
}

static hwaddr code_phys(uint32_t pc)
{
    if ((pc & 0xc0000000u) != 0x80000000u || (pc & 0x1fffffff) + 4 > ram_size) {
        fprintf(stderr, "mini-panda: guest PC 0x%08x is not in kseg0/kseg1 RAM; guest crashed\n", pc);
        abort();
    }
    return pc & 0x1fffffff;
}

static void translate(TranslationBlock *tb, MPOp *ops, uint32_t pc, uint32_t flags, int max_insns)
{
    hwaddr phys = code_phys(pc);
    int n = 0;
    tb->pc = pc;
    tb->flags = flags;
    tb->phys_pc = phys;
    tb->ops = ops;
    if (flags & MIPS_HFLAG_B) {
        /* the delay slot of a branch whose outcome is already in btarget */
        decode(mp_ld32(guest_ram + phys), pc, &ops[0]);
        ops[0].delay = 1;
        n = 1;
    } else {
        while (n < max_insns) {
            uint32_t ipc = pc + 4 * n;
            decode(mp_ld32(guest_ram + phys + 4 * n), ipc, &ops[n]);
            n++;
            if (is_branch(ops[n - 1].kind)) {
                if (n < max_insns && ((ipc + 4) & (MP_PAGE_SIZE - 1)) != 0) {
                    decode(mp_ld32(guest_ram + phys + 4 * n), ipc + 4, &ops[n]);
                    if (is_branch(ops[n].kind))
                        ops[n].kind = OP_RI;   /* branch in a delay slot: reserved here */
                    ops[n].delay = 1;
                    n++;
                }
                break;
            }
            if (ends_tb(&ops[n - 1]))
                break;
            if (((ipc + 4) & (MP_PAGE_SIZE - 1)) == 0)
                break;
        }
    }
    tb->icount = n;
    tb->size = 4 * n;
}

TranslationBlock *mp_tb_find(uint32_t pc, uint32_t flags, int max_insns)
{
    hwaddr phys = code_phys(pc);
    unsigned h = (unsigned)((phys >> 2) ^ (flags >> 11)) & (TB_HASH_SIZE - 1);
    TranslationBlock *tb;
    for (tb = tb_hash[h]; tb; tb = tb->hash_next)
        if (tb->phys_pc == phys && tb->pc == pc && tb->flags == flags)
            break;
    if (!tb) {
        tb = calloc(1, sizeof *tb);
        MPOp *ops = calloc(TB_MAX_INSNS, sizeof *ops);
        translate(tb, ops, pc, flags, TB_MAX_INSNS);
        tb->hash_next = tb_hash[h];
        tb_hash[h] = tb;
        mp_tb_translated++;
    }
    if (tb->icount > max_insns) {
        translate(&nocache_tb, nocache_ops, pc, flags, max_insns);
        mp_tb_nocache++;
        return &nocache_tb;
    }
    return tb;
}
