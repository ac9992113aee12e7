/*
 * Execution: the icount-budgeted CPU loop and cpu_loop_exec_tb.
 *
 * QEMU icount scheme: before a run of TBs the budget up to the next event
 * that must happen at an exact count (a logged interrupt, the end of the log,
 * the end of a record slice) is split into icount_decr.u16.low (<= 0xffff)
 * and icount_extra, and timers_state.qemu_icount is advanced by the whole
 * budget.  Each executed instruction then decrements icount_decr, so at every
 * cpu_loop_exec_tb entry
 *   timers_state.qemu_icount - (int32_t)icount_decr.u32 - icount_extra
 *     == cpu->rr_guest_instr_count
 * (the cheap expression diverge.py uses).  A TB longer than the remaining
 * budget is replaced by a shorter uncached one, so execution stops exactly at
 * the event count.  Block chaining does not exist: every TB goes through
 * cpu_loop_exec_tb, as diverge.py assumes.
 */
#include <stdlib.h>
#include "minipanda.h"

TranslationBlock *mp_last_tb;      /* last TB handed to cpu_loop_exec_tb */
uint64_t mp_last_tb_count;         /* rr_guest_instr_count at its start */
uint64_t mp_tb_executed;
static uint64_t dbg_bucket;
static uint64_t budget_stop;

/* PANDA debug builds call this every 2^17 guest instructions; diverge.py needs it. */
MP_API void debug_counter(void)
{
    __asm__ volatile("" ::: "memory");
}

/* Slow memory path: MMIO, TLB translation (filling the fast tables), faults.
   Returns 1 when an exception was raised. */
static int mem_slow(CPUState *cpu, const MPOp *op, uint32_t a, int is_write,
                    int size, uint32_t *val, uint64_t count)
{
    uint8_t *host;
    if (a >= 0x80000000u && a < 0xc0000000u) {
        uint32_t phys = a & 0x1fffffff;
        if (a >= MP_MMIO_BASE && a < MP_MMIO_BASE + 0x100) {
            if (is_write)
                mp_mmio_write(a - MP_MMIO_BASE, *val);
            else
                *val = mp_mmio_read(a - MP_MMIO_BASE, count);
            return 0;
        }
        if ((uint64_t)phys + size > ram_size) {
            mp_raise_exception(is_write ? EXC_ADES : EXC_ADEL, op->pc, op->delay, a);
            return 1;
        }
        host = guest_ram + phys;
    } else {
        hwaddr pa;
        int r = mp_tlb_lookup(a, is_write, &pa);
        if (r == 1) {
            mp_raise_exception((is_write ? EXC_TLBS : EXC_TLBL) | 0x100, op->pc, op->delay, a);
            return 1;
        }
        if (r == 2) {
            mp_raise_exception(is_write ? EXC_TLBS : EXC_TLBL, op->pc, op->delay, a);
            return 1;
        }
        if (r == 3) {
            mp_raise_exception(1 /* TLB modified */, op->pc, op->delay, a);
            return 1;
        }
        if (pa + size > ram_size) {
            mp_raise_exception(is_write ? EXC_ADES : EXC_ADEL, op->pc, op->delay, a);
            return 1;
        }
        host = guest_ram + pa;
        if (a < 0x80000000u) {
            MPFastEntry *e = &mp_fast_read[(a >> 12) & (MP_FAST_SIZE - 1)];
            e->tag = a >> 12;
            e->host = guest_ram + (pa & ~(hwaddr)(MP_PAGE_SIZE - 1));
            if (is_write) {
                e = &mp_fast_write[(a >> 12) & (MP_FAST_SIZE - 1)];
                e->tag = a >> 12;
                e->host = guest_ram + (pa & ~(hwaddr)(MP_PAGE_SIZE - 1));
            }
        }
    }
    if (size == 4) {
        host = (uint8_t *)((uintptr_t)host & ~(uintptr_t)3);
        if (is_write) mp_st32(host, *val); else *val = mp_ld32(host);
    } else {
        if (is_write) *host = (uint8_t)*val; else *val = *host;
    }
    (void)cpu;
    return 0;
}

static uint32_t mfc0(int reg, uint64_t count)
{
    switch (reg) {
    case 0: return CP0.CP0_Index;
    case 1: return CP0.CP0_Random;
    case 2: return CP0.CP0_EntryLo0;
    case 3: return CP0.CP0_EntryLo1;
    case 4: return CP0.CP0_Context;
    case 5: return CP0.CP0_PageMask;
    case 6: return CP0.CP0_Wired;
    case 8: return CP0.CP0_BadVAddr;
    case 9: return (uint32_t)(count / 2);  /* Count ticks every other instruction */
    case 10: return CP0.CP0_EntryHi;
    case 11: return CP0.CP0_Compare;
    case 12: return CP0.CP0_Status;
    case 13: return CP0.CP0_Cause;
    case 14: return CP0.CP0_EPC;
    case 15: return CP0.CP0_PRid;
    case 16: return CP0.CP0_Config0;
    default: return 0;
    }
}

static void mtc0(int reg, uint32_t v)
{
    switch (reg) {
    case 0: CP0.CP0_Index = v & 0x8000007f; break;
    case 2: CP0.CP0_EntryLo0 = v & 0x3fffffff; break;
    case 3: CP0.CP0_EntryLo1 = v & 0x3fffffff; break;
    case 4: CP0.CP0_Context = (CP0.CP0_Context & 0x007ffff0) | (v & 0xff800000); break;
    case 5: CP0.CP0_PageMask = v & 0x1fffe000; break;
    case 6: CP0.CP0_Wired = v % MP_TLB_ENTRIES; CP0.CP0_Random = MP_TLB_ENTRIES - 1; break;
    case 10:
        if ((CP0.CP0_EntryHi & 0xff) != (v & 0xff))
            mp_fast_flush();
        CP0.CP0_EntryHi = v & 0xffffe0ff;
        break;
    case 11: CP0.CP0_Compare = v; break;
    case 12: CP0.CP0_Status = v; break;
    case 13: CP0.CP0_Cause = (CP0.CP0_Cause & ~0x300) | (v & 0x300); break;
    case 14: CP0.CP0_EPC = v; break;
    default: break;
    }
}

#define FAST_HOST(a, tbl, host)                                                     \
    ((a) < 0x80000000u                                                              \
         ? ((tbl)[((a) >> 12) & (MP_FAST_SIZE - 1)].tag == ((a) >> 12)              \
                ? ((host) = (tbl)[((a) >> 12) & (MP_FAST_SIZE - 1)].host + ((a) & 0xfff), 1) \
                : 0)                                                                \
         : (((a) & 0xe0000000u) == 0x80000000u && ((a) & 0x1fffffff) < kseg0_limit)  \
                ? ((host) = guest_ram + ((a) & 0x1fffffff), 1)                      \
                : 0)

static uint32_t kseg0_limit;

/*
 * Execute one TB.  On entry cpu->rr_guest_instr_count is the number of guest
 * instructions executed before this TB.  Returns the number executed (less
 * than tb->icount when an instruction faulted; the faulting one not counted).
 */
MP_API int cpu_loop_exec_tb(CPUState *cpu, TranslationBlock *tb,
                            TranslationBlock **last_tb, int *tb_exit)
{
    MPOp *op = tb->ops, *end = tb->ops + tb->icount;
    uint32_t target = 0, a, v;
    int have_branch = 0, n;
    uint8_t *host;

    for (; op < end; op++) {
        switch (op->kind) {
        case OP_NOP: break;
        case OP_ADDU: *op->rd = (uint32_t)(*op->rs + *op->rt); break;
        case OP_SUBU: *op->rd = (uint32_t)(*op->rs - *op->rt); break;
        case OP_AND: *op->rd = *op->rs & *op->rt; break;
        case OP_OR: *op->rd = *op->rs | *op->rt; break;
        case OP_XOR: *op->rd = *op->rs ^ *op->rt; break;
        case OP_NOR: *op->rd = (uint32_t)~(*op->rs | *op->rt); break;
        case OP_SLT: *op->rd = (int32_t)*op->rs < (int32_t)*op->rt; break;
        case OP_SLTU: *op->rd = (uint32_t)*op->rs < (uint32_t)*op->rt; break;
        case OP_SLL: *op->rd = (uint32_t)((uint32_t)*op->rt << op->imm); break;
        case OP_SRL: *op->rd = (uint32_t)*op->rt >> op->imm; break;
        case OP_SRA: *op->rd = (uint32_t)((int32_t)*op->rt >> op->imm); break;
        case OP_SLLV: *op->rd = (uint32_t)((uint32_t)*op->rt << (*op->rs & 31)); break;
        case OP_SRLV: *op->rd = (uint32_t)*op->rt >> (*op->rs & 31); break;
        case OP_ADDIU: *op->rd = (uint32_t)(*op->rs + op->imm); break;
        case OP_ANDI: *op->rd = *op->rs & op->imm; break;
        case OP_ORI: *op->rd = (uint32_t)(*op->rs | op->imm); break;
        case OP_XORI: *op->rd = (uint32_t)(*op->rs ^ op->imm); break;
        case OP_SLTI: *op->rd = (int32_t)*op->rs < (int32_t)op->imm; break;
        case OP_SLTIU: *op->rd = (uint32_t)*op->rs < op->imm; break;
        case OP_LUI: *op->rd = op->imm; break;
        case OP_LW:
            a = (uint32_t)(*op->rs + op->imm);
            if (FAST_HOST(a, mp_fast_read, host)) { *op->rd = mp_ld32((uint8_t *)((uintptr_t)host & ~(uintptr_t)3)); break; }
            if (mem_slow(cpu, op, a, 0, 4, &v, cpu->rr_guest_instr_count + (op - tb->ops))) goto fault;
            *op->rd = v;
            break;
        case OP_LB: case OP_LBU:
            a = (uint32_t)(*op->rs + op->imm);
            if (FAST_HOST(a, mp_fast_read, host)) v = *host;
            else if (mem_slow(cpu, op, a, 0, 1, &v, cpu->rr_guest_instr_count + (op - tb->ops))) goto fault;
            *op->rd = op->kind == OP_LB ? (uint32_t)(int32_t)(int8_t)v : (v & 0xff);
            break;
        case OP_SW:
            a = (uint32_t)(*op->rs + op->imm);
            if (FAST_HOST(a, mp_fast_write, host)) { mp_st32((uint8_t *)((uintptr_t)host & ~(uintptr_t)3), (uint32_t)*op->rt); break; }
            v = (uint32_t)*op->rt;
            if (mem_slow(cpu, op, a, 1, 4, &v, cpu->rr_guest_instr_count + (op - tb->ops))) goto fault;
            break;
        case OP_SB:
            a = (uint32_t)(*op->rs + op->imm);
            if (FAST_HOST(a, mp_fast_write, host)) { *host = (uint8_t)*op->rt; break; }
            v = (uint32_t)*op->rt & 0xff;
            if (mem_slow(cpu, op, a, 1, 1, &v, cpu->rr_guest_instr_count + (op - tb->ops))) goto fault;
            break;
        case OP_BEQ: target = (uint32_t)*op->rs == (uint32_t)*op->rt ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_BNE: target = (uint32_t)*op->rs != (uint32_t)*op->rt ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_BLEZ: target = (int32_t)*op->rs <= 0 ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_BGTZ: target = (int32_t)*op->rs > 0 ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_BLTZ: target = (int32_t)*op->rs < 0 ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_BGEZ: target = (int32_t)*op->rs >= 0 ? op->imm : op->pc + 8; have_branch = 1; break;
        case OP_J: target = op->imm; have_branch = 1; break;
        case OP_JAL: target = op->imm; *op->rd = op->pc + 8; have_branch = 1; break;
        case OP_JR: target = (uint32_t)*op->rs; have_branch = 1; break;
        case OP_JALR: target = (uint32_t)*op->rs; *op->rd = op->imm; have_branch = 1; break;
        case OP_MFC0: *op->rd = mfc0(op->c0reg, cpu->rr_guest_instr_count + (op - tb->ops)); break;
        case OP_MTC0: mtc0(op->c0reg, (uint32_t)*op->rt); break;
        case OP_TLBWI: mp_tlb_write((CP0.CP0_Index & 0x7f) % MP_TLB_ENTRIES); break;
        case OP_TLBWR:
            mp_tlb_write(CP0.CP0_Random);
            CP0.CP0_Random = CP0.CP0_Random <= CP0.CP0_Wired ? MP_TLB_ENTRIES - 1 : CP0.CP0_Random - 1;
            break;
        case OP_ERET:
            CP0.CP0_Status &= ~ST_EXL;
            mp_set_pc(CP0.CP0_EPC);
            n = op - tb->ops + 1;
            goto done;
        case OP_SYSCALL: case OP_BREAK: case OP_RI:
            /* trapping instructions complete by raising: they are counted */
            mp_raise_exception(op->kind == OP_SYSCALL ? EXC_SYS : op->kind == OP_BREAK ? EXC_BP : EXC_RI,
                               op->pc, op->delay, 0);
            n = op - tb->ops + 1;
            goto done;
        }
    }
    n = tb->icount;
    if (tb->flags & MIPS_HFLAG_B) {
        CP0.hflags &= ~MIPS_HFLAG_B;
        mp_set_pc(CP0.btarget);
    } else if (have_branch) {
        if (!end[-1].delay && (end[-1].kind >= OP_BEQ && end[-1].kind <= OP_JALR)) {
            /* cut between a branch and its delay slot */
            CP0.hflags |= MIPS_HFLAG_B;
            CP0.btarget = target;
            mp_set_pc(end[-1].pc + 4);
        } else {
            mp_set_pc(target);
        }
    } else {
        mp_set_pc(tb->pc + tb->size);
    }
    goto done;
fault:
    n = op - tb->ops;
done:
    cpu->rr_guest_instr_count += n;
    cpu->icount_decr.u16.low -= n;
    if (last_tb) *last_tb = tb;
    if (tb_exit) *tb_exit = 0;
    return n;
}

static void prepare_budget(CPUState *cpu, uint64_t now)
{
    uint64_t target = mp_rr_next_async();
    if (target > budget_stop) target = budget_stop;
    uint64_t budget = target > now ? target - now : 0;
    cpu->icount_decr.u32 = 0;
    cpu->icount_decr.u16.low = budget > 0xffff ? 0xffff : (uint16_t)budget;
    cpu->icount_extra = budget - cpu->icount_decr.u16.low;
    timers_state.qemu_icount = now + budget;
}

void mp_run_until(uint64_t stop)
{
    CPUState *cpu = cpus.tqh_first;
    TranslationBlock *last_tb = NULL;
    int tb_exit = 0;
    kseg0_limit = (ram_size < 0x20000000 ? (uint32_t)ram_size : 0x20000000u) - 3;
    budget_stop = stop;
    prepare_budget(cpu, cpu->rr_guest_instr_count);
    for (;;) {
        uint64_t now = cpu->rr_guest_instr_count;
        if (now >= mp_rr_next_check)
            mp_rr_boundary(now);
        /* stop before taking interrupts: a record slice that ends here takes
           them at the start of the next slice, i.e. at this same boundary,
           after any console event raised in between -- the order replay sees */
        if (now >= stop)
            break;
        if (now >= mp_bug_at)
            mp_bug_fire(now);
        if (mp_bug_irq_pending)
            mp_bug_irq_boundary(now);
        if (cpu->interrupt_request && mp_interrupts_deliverable())
            mp_take_interrupt();
        if ((now >> 17) != dbg_bucket) {
            dbg_bucket = now >> 17;
            debug_counter();
        }
        if (cpu->icount_decr.u16.low == 0) {
            if (cpu->icount_extra > 0) {
                uint64_t chunk = cpu->icount_extra > 0xffff ? 0xffff : cpu->icount_extra;
                cpu->icount_decr.u16.low = (uint16_t)chunk;
                cpu->icount_extra -= chunk;
            } else {
                prepare_budget(cpu, now);
                if (cpu->icount_decr.u16.low == 0) {
                    fprintf(stderr, "mini-panda: internal error: empty icount budget at %" PRIu64 "\n", now);
                    abort();
                }
            }
        }
        TranslationBlock *tb = mp_tb_find(mp_get_pc(), CP0.hflags & MIPS_HFLAG_B,
                                          cpu->icount_decr.u16.low);
        mp_last_tb = tb;
        mp_last_tb_count = now;
        mp_tb_executed++;
        cpu_loop_exec_tb(cpu, tb, &last_tb, &tb_exit);
    }
}
