/*
 * Execution: the CPU loop, cpu_loop_exec_tb and TB chaining.
 *
 * TB boundaries: before a run of TBs the budget up to the next event that
 * must happen at an exact count (a logged interrupt, the end of the log, the
 * end of a record slice) is split into a 16-bit part and an extra part, as
 * QEMU's icount does; each executed instruction uses up the budget, and a TB
 * longer than what is left is replaced by a shorter uncached one, so
 * execution stops exactly at the event count.  PANDA itself cuts replay TBs
 * at the next logged interrupt the same way (target/mips/translate.c).
 *
 * QEMU's icount fields (timers_state.qemu_icount, icount_decr, icount_extra)
 * are kept only under -icount, as in PANDA (cpus.c updates them only
 * `if (use_icount)`): without it they stay 0 and only
 * cpu->rr_guest_instr_count counts guest instructions.  With -icount, at
 * every cpu_loop_exec_tb entry
 *   timers_state.qemu_icount - (int32_t)icount_decr.u32 - icount_extra
 *     == cpu->rr_guest_instr_count.
 *
 * TB chaining, as PANDA's tb_find (cpu-exec.c:446-460): unless replaying
 * (`if (!rr_in_replay() && panda_tb_chaining)`) or run with -d nochain, a TB
 * that ends in a direct branch or falls through jumps straight into the next
 * TB of the same page, inside the one cpu_loop_exec_tb call: the loop, with
 * its debug_counter check, sees only the first TB of each chain.  A chain
 * ends where QEMU leaves it too: an exception, an indirect jump, a TB that
 * changes interrupt state, another page, a deliverable interrupt, and the
 * next logged event or the end of the icount budget.  So while recording, a
 * breakpoint on cpu_loop_exec_tb stops at chain starts only and debug_counter
 * fires at the first chain start of each 2^17 period, possibly thousands of
 * instructions into it; replay (and -d nochain) gives one call per TB.
 */
#include <stdlib.h>
#include "minipanda.h"

TranslationBlock *mp_last_tb;      /* last TB handed to cpu_loop_exec_tb */
uint64_t mp_last_tb_count;         /* rr_guest_instr_count at its start */
uint64_t mp_tb_executed;
uint64_t mp_exec_tb_calls;          /* cpu_loop_exec_tb calls: fewer than TBs when chained */
static uint64_t dbg_bucket;
static uint64_t budget_stop;
static uint16_t budget_low;        /* the icount budget: icount_decr.u16.low's part */
static uint64_t budget_extra;      /* ... and icount_extra's */
int use_icount;                    /* -icount given */
bool panda_tb_chaining = true;     /* PANDA's callbacks.c:69 */
int qemu_loglevel;                 /* -d ITEMS */

/*
 * Host registers are not part of a replay: at one stop at one guest count, a
 * real panda-system-mips replayed three times showed different r11 (the
 * RFLAGS a system call leaves there: whether the CPU thread made one, a futex
 * with the I/O thread, depends on host timing), r9 (a pointer into a
 * per-thread malloc arena) and r10.  This leaves the host's time-stamp counter in r11 at
 * every cpu_loop_exec_tb entry, so that nothing which finds a stop again by
 * its host registers works here when it would not work on PANDA.
 */
static inline void host_timing_in_scratch_registers(void)
{
#if defined(__x86_64__)
    /* the time-stamp counter: host timing without a call on this path, which runs every TB */
    uint64_t tsc = __builtin_ia32_rdtsc();
    __asm__ volatile("mov %0, %%r11" :: "r"(tsc) : "r11");
#endif
}

/*
 * PANDA's gdbstub sets an rr breakpoint (a guest instruction count) aside in
 * cpu->temp_rr_bp_instr for its reverse commands, and the cpu_exec loop gives
 * it back on its first pass with rr_get_guest_instr_count() > that count,
 * right before the pass's TB (cpu-exec.c:856-860): cpu_rr_breakpoint_insert
 * (exec.c:922) lists it, flushes the TB cache and prints the line below.  MIPS
 * translation never tests rr breakpoints (only target/i386 does), so the
 * guest sees nothing of it; the flush is left out here for that reason.
 */
MP_API int cpu_rr_breakpoint_insert(CPUState *cpu, uint64_t rr_instr_count, int flags, void **breakpoint)
{
    (void)cpu;
    (void)flags;
    printf("Inserted bp @ instr count %" PRIu64 "\n", rr_instr_count);
    if (breakpoint)
        *breakpoint = NULL;
    return 0;
}

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
 * Execute one TB (QEMU's cpu_tb_exec).  On entry cpu->rr_guest_instr_count is
 * the number of guest instructions executed before this TB.  Returns the
 * number executed (less than tb->icount when an instruction faulted; the
 * faulting one not counted); *chainable says whether QEMU would have patched
 * a jump from this TB's end to the next (a direct branch or a fall-through,
 * no exception, no change of interrupt state).
 */
static int tb_exec(CPUState *cpu, TranslationBlock *tb, int *chainable)
{
    MPOp *op = tb->ops, *end = tb->ops + tb->icount;
    uint32_t target = 0, a, v;
    int have_branch = 0, indirect = 0, n;
    uint8_t *host;

    *chainable = 0;
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
        case OP_JR: target = (uint32_t)*op->rs; have_branch = indirect = 1; break;
        case OP_JALR: target = (uint32_t)*op->rs; *op->rd = op->imm; have_branch = indirect = 1; break;
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
    *chainable = !(tb->flags & MIPS_HFLAG_B) && end[-1].kind != OP_JR && end[-1].kind != OP_JALR
                 && !(end[-1].kind == OP_MTC0 && (end[-1].c0reg == 12 || end[-1].c0reg == 13 || end[-1].c0reg == 10))
                 && !indirect;
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
    budget_low -= n;
    if (use_icount) cpu->icount_decr.u16.low -= n;
    return n;
}

static int chaining_on(void)
{
    return rr_mode != RR_REPLAY && panda_tb_chaining && !(qemu_loglevel & CPU_LOG_TB_NOCHAIN);
}

/*
 * Whether the TB just run jumps straight into the next one: nothing the loop
 * must do comes first (an interrupt to take, a logged event, the end of the
 * slice, an injected bug), the whole next TB fits in the icount budget (no
 * uncached TB), and it starts on the same page.
 */
static int chain_continues(CPUState *cpu, const TranslationBlock *from)
{
    uint64_t now = cpu->rr_guest_instr_count;
    return now < mp_rr_next_check && now < budget_stop && now < mp_bug_at && !mp_bug_irq_pending
           && !(cpu->interrupt_request && mp_interrupts_deliverable())
           && budget_low >= TB_MAX_INSNS
           && (mp_get_pc() >> MP_PAGE_BITS) == (from->pc >> MP_PAGE_BITS);
}

/*
 * Execute a TB and, when chaining is on, the TBs chained after it (PANDA's
 * cpu_loop_exec_tb around cpu_tb_exec).  Returns the number of guest
 * instructions executed.
 */
MP_API int cpu_loop_exec_tb(CPUState *cpu, TranslationBlock *tb,
                            TranslationBlock **last_tb, int *tb_exit)
{
    int chainable, n = tb_exec(cpu, tb, &chainable);
    while (chainable && chaining_on() && chain_continues(cpu, tb)) {
        tb = mp_tb_find(mp_get_pc(), CP0.hflags & MIPS_HFLAG_B, budget_low);
        mp_tb_executed++;
        n += tb_exec(cpu, tb, &chainable);
    }
    if (last_tb) *last_tb = tb;
    if (tb_exit) *tb_exit = 0;
    return n;
}

static void prepare_budget(CPUState *cpu, uint64_t now)
{
    uint64_t target = mp_rr_next_async();
    if (target > budget_stop) target = budget_stop;
    uint64_t budget = target > now ? target - now : 0;
    budget_low = budget > 0xffff ? 0xffff : (uint16_t)budget;
    budget_extra = budget - budget_low;
    if (use_icount) {
        cpu->icount_decr.u32 = 0;
        cpu->icount_decr.u16.low = budget_low;
        cpu->icount_extra = (int64_t)budget_extra;
        timers_state.qemu_icount = now + budget;
    }
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
        if (budget_low == 0) {
            if (budget_extra > 0) {
                uint64_t chunk = budget_extra > 0xffff ? 0xffff : budget_extra;
                budget_low = (uint16_t)chunk;
                budget_extra -= chunk;
                if (use_icount) {
                    cpu->icount_decr.u16.low = budget_low;
                    cpu->icount_extra = (int64_t)budget_extra;
                }
            } else {
                prepare_budget(cpu, now);
                if (budget_low == 0) {
                    fprintf(stderr, "mini-panda: internal error: empty icount budget at %" PRIu64 "\n", now);
                    abort();
                }
            }
        }
        TranslationBlock *tb = mp_tb_find(mp_get_pc(), CP0.hflags & MIPS_HFLAG_B, budget_low);
        if (cpu->temp_rr_bp_instr && now > cpu->temp_rr_bp_instr) {
            cpu_rr_breakpoint_insert(cpu, cpu->temp_rr_bp_instr, 0x10 /* BP_GDB */, NULL);
            cpu->temp_rr_bp_instr = 0;
        }
        mp_last_tb = tb;
        mp_last_tb_count = now;
        mp_tb_executed++;
        mp_exec_tb_calls++;
        host_timing_in_scratch_registers();
        cpu_loop_exec_tb(cpu, tb, &last_tb, &tb_exit);
    }
}
