/*
 * The guest machine: CPU/RAM reset and the guest program.
 *
 * The guest is real MIPS32 machine code, produced at start by a tiny in-C
 * assembler, so record and replay regenerate exactly the same image from the
 * snapshot's parameters (seed, RAM size) instead of storing RAM in the
 * snapshot.  The workload keeps to guest registers 0..7 (plus k0/k1 in the
 * exception handlers, as MIPS kernels do) so it runs on every arch flavour.
 *
 * Workload (registers: at=tmp, v0=data pointer, v1=data end, a0/a1=data words,
 * a2=results pointer, a3=accumulator):
 *   forever: for each 16-byte chunk of the 128 KiB user buffer at 0x7f810000
 *     (kuseg, mapped through the 16-entry TLB that only holds 18 needed page
 *     pairs, so refills happen all the time): mix the words into a3, write them
 *     back changed; when (a3 & 0xff) == 0, read the clock port (logged input),
 *     fold it into a3 and append a3 to the results ring at 0x7f830000.
 * The timer handler spins (a3 & 7) + ((v0 >> 4) & 7) short rounds before it
 * reads the clock.  Because a3 decides when the extra path runs and both a3
 * and v0 steer the timer handler, a changed register, RAM word, TLB content
 * (an extra refill) or interrupt timing moves later clock reads to other
 * counts, which the replay detects.
 */
#include <stdlib.h>
#include <string.h>
#include "minipanda.h"

struct CPUTailQ cpus;
TimersState timers_state;
ram_addr_t ram_size;
uint8_t *guest_ram;
CPUArchState *mp_env;
#if !defined(TARGET_ARCH_MIPS)
MPMipsSys mp_sys;
#endif

static CPUState mp_cpu_storage;
static CPUArchState mp_env_storage;
static CPUMIPSTLBContext mp_tlb_storage;
static target_ulong mp_xregs[32];   /* guest registers the flavour has no slot for */

uint64_t mp_prng_next(uint64_t *s)
{
    /* splitmix64: tiny, good enough, and identical everywhere */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

target_ulong *mp_reg_ptr(int i)
{
#if defined(TARGET_ARCH_MIPS)
    return &mp_env->active_tc.gpr[i];
#elif defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
    return i < MP_NB_VISIBLE_REGS ? &mp_env->regs[i] : &mp_xregs[i];
#elif defined(TARGET_ARCH_ARM)
    return i < MP_NB_VISIBLE_REGS ? (target_ulong *)&mp_env->regs[i] : &mp_xregs[i];
#elif defined(TARGET_ARCH_AARCH64)
    return (target_ulong *)&mp_env->xregs[i];
#elif defined(TARGET_ARCH_PPC)
    return &mp_env->gpr[i];
#endif
}

target_ulong *mp_pc_ptr(void)
{
#if defined(TARGET_ARCH_MIPS)
    return &mp_env->active_tc.PC;
#elif defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
    return &mp_env->eip;
#elif defined(TARGET_ARCH_ARM)
    return (target_ulong *)&mp_env->regs[15];
#elif defined(TARGET_ARCH_AARCH64)
    return (target_ulong *)&mp_env->pc;
#elif defined(TARGET_ARCH_PPC)
    return &mp_env->nip;
#endif
}

void mp_set_pc(uint32_t pc) { *mp_pc_ptr() = pc; }
uint32_t mp_get_pc(void) { return (uint32_t)*mp_pc_ptr(); }
uint32_t mp_guest_reg_index_of_acc(void) { return 7; }

/* ---------------- tiny assembler ---------------- */
enum { ZERO = 0, AT = 1, V0 = 2, V1 = 3, A0 = 4, A1 = 5, A2 = 6, A3 = 7, K0 = 26, K1 = 27 };

static uint32_t *asm_buf;     /* host view of guest RAM */
static uint32_t asm_pc;       /* kseg0 address of the next word */
#define MAX_LABELS 32
static uint32_t label_addr[MAX_LABELS];
static struct { uint32_t at; int label; int kind; } fixups[64];
static int nfixups;

static void emit(uint32_t w) { mp_st32((uint8_t *)asm_buf + (asm_pc & 0x1fffffff), w); asm_pc += 4; }
static void org(uint32_t a) { asm_pc = a; }
static void label(int l) { label_addr[l] = asm_pc; }
static void R(int rs, int rt, int rd, int sa, int fn) { emit((uint32_t)rs << 21 | rt << 16 | rd << 11 | sa << 6 | fn); }
static void I(int op, int rs, int rt, uint32_t imm) { emit((uint32_t)op << 26 | rs << 21 | rt << 16 | (imm & 0xffff)); }
static void Bl(int op, int rs, int rt, int l) { fixups[nfixups].at = asm_pc; fixups[nfixups].label = l; fixups[nfixups++].kind = 0; I(op, rs, rt, 0); }
static void Jl(int op, int l) { fixups[nfixups].at = asm_pc; fixups[nfixups].label = l; fixups[nfixups++].kind = 1; emit((uint32_t)op << 26); }
static void mfc0(int rt, int rd) { emit(16u << 26 | 0 << 21 | rt << 16 | rd << 11); }
static void mtc0(int rt, int rd) { emit(16u << 26 | 4 << 21 | rt << 16 | rd << 11); }
static void cop0(int fn) { emit(16u << 26 | 1u << 25 | fn); }

#define NOP()            R(0, 0, 0, 0, 0)
#define ADDU(d, s, t)    R(s, t, d, 0, 33)
#define SUBU(d, s, t)    R(s, t, d, 0, 35)
#define AND(d, s, t)     R(s, t, d, 0, 36)
#define OR(d, s, t)      R(s, t, d, 0, 37)
#define XOR(d, s, t)     R(s, t, d, 0, 38)
#define SLTU(d, s, t)    R(s, t, d, 0, 43)
#define SLL(d, t, sa)    R(0, t, d, sa, 0)
#define SRL(d, t, sa)    R(0, t, d, sa, 2)
#define ADDIU(t, s, i)   I(9, s, t, i)
#define ANDI(t, s, i)    I(12, s, t, i)
#define ORI(t, s, i)     I(13, s, t, i)
#define LUI(t, i)        I(15, 0, t, i)
#define LW(t, off, b)    I(35, b, t, off)
#define SW(t, off, b)    I(43, b, t, off)
#define BEQ(s, t, l)     Bl(4, s, t, l)
#define BNE(s, t, l)     Bl(5, s, t, l)
#define BLTZ(s, l)       Bl(1, s, 0, l)
#define J(l)             Jl(2, l)
#define ERET()           cop0(0x18)
#define TLBWR()          cop0(6)

enum { L_OTHER, L_CONSOLE, L_RX, L_DONE, L_OUTER, L_LOOP, L_ACCT, L_READ };

static void resolve(void)
{
    for (int i = 0; i < nfixups; i++) {
        uint32_t at = fixups[i].at, target = label_addr[fixups[i].label];
        uint8_t *p = (uint8_t *)asm_buf + (at & 0x1fffffff);
        uint32_t w = mp_ld32(p);
        if (fixups[i].kind == 0)
            w |= ((target - (at + 4)) >> 2) & 0xffff;
        else
            w |= (target >> 2) & 0x3ffffff;
        mp_st32(p, w);
    }
}

static void assemble_guest(void)
{
    asm_buf = (uint32_t *)guest_ram;
    nfixups = 0;

    /* TLB refill handler: EntryHi was set by the miss; load the PTE pair. */
    org(MP_REFILL_VECTOR);
    mfc0(K0, 8);                 /* BadVAddr */
    SRL(K0, K0, 13);
    SLL(K0, K0, 3);
    LUI(K1, 0x8000 | (MP_PTE_BASE_PHYS >> 16));
    ADDU(K1, K1, K0);
    LW(K0, 0, K1);
    LW(K1, 4, K1);
    mtc0(K0, 2);                 /* EntryLo0 */
    mtc0(K1, 3);                 /* EntryLo1 */
    TLBWR();
    ERET();

    /* General exception vector: timer and console interrupts, else skip insn. */
    org(MP_GENERAL_VECTOR);
    mfc0(K0, 13);                /* Cause */
    ANDI(K1, K0, 0x7c);
    BNE(K1, ZERO, L_OTHER);
    NOP();
    ANDI(K1, K0, 1u << (8 + MP_IRQ_TIMER));
    BEQ(K1, ZERO, L_CONSOLE);
    NOP();
    /* "accounting" whose length depends on where the main loop was
       interrupted: (a3 & 7) + ((v0 >> 4) & 7) rounds of 4 instructions, so
       any change of main-loop progress or of a3 moves the clock read below */
    ANDI(K1, A3, 7);
    SRL(K0, V0, 4);
    ANDI(K0, K0, 7);
    ADDU(K1, K1, K0);
    label(L_ACCT);
    BEQ(K1, ZERO, L_READ);
    ADDIU(K1, K1, 0xffff);       /* delay slot: k1-- (dead once the loop exits) */
    BEQ(ZERO, ZERO, L_ACCT);
    NOP();
    label(L_READ);
    LUI(K0, MP_MMIO_BASE >> 16);
    LW(K1, MP_MMIO_CLOCK, K0);   /* timer ISR reads the clock: logged input */
    SW(K1, MP_MMIO_TIMER_ACK, K0);
    LUI(K0, 0x8000);
    SW(K1, 0x0f00, K0);          /* last clock value */
    LW(K1, 0x0f04, K0);
    ADDIU(K1, K1, 1);
    SW(K1, 0x0f04, K0);          /* tick counter */
    label(L_CONSOLE);
    mfc0(K0, 13);
    ANDI(K1, K0, 1u << (8 + MP_IRQ_CONSOLE));
    BEQ(K1, ZERO, L_DONE);
    NOP();
    LUI(K0, MP_MMIO_BASE >> 16);
    label(L_RX);
    LW(K1, MP_MMIO_RXDATA, K0);  /* logged input; 0xffffffff when empty */
    BLTZ(K1, L_DONE);
    NOP();
    SW(K1, MP_MMIO_TXDATA, K0);  /* echo */
    BEQ(ZERO, ZERO, L_RX);
    NOP();
    label(L_DONE);
    ERET();
    label(L_OTHER);
    mfc0(K0, 14);                /* EPC */
    ADDIU(K0, K0, 4);
    mtc0(K0, 14);
    ERET();

    /* Main program. */
    org(MP_ENTRY_PC);
    LUI(A3, 0x1234);
    ORI(A3, A3, 0x5678);
    ORI(AT, ZERO, 0x8000 | (1u << (8 + MP_IRQ_CONSOLE)) | ST_IE);
    mtc0(AT, 12);                /* Status: IM7|IM2|IE */
    LUI(A2, MP_RES_VA >> 16);
    label(L_OUTER);
    LUI(V0, MP_DATA_VA >> 16);
    LUI(V1, (MP_DATA_VA + MP_DATA_PAGES * MP_PAGE_SIZE) >> 16);
    label(L_LOOP);
    LW(A0, 0, V0);
    LW(A1, 4, V0);
    ADDU(A3, A3, A0);
    SLL(AT, A3, 1);
    SRL(A3, A3, 31);
    OR(A3, A3, AT);              /* a3 = rotl(a3 + w0, 1) */
    XOR(A3, A3, A1);
    ADDU(A0, A0, A3);
    SW(A0, 0, V0);
    XOR(A1, A1, A0);
    SW(A1, 4, V0);
    LW(A0, 8, V0);
    LW(A1, 12, V0);
    ADDU(A3, A3, A0);
    SLL(AT, A3, 3);
    SRL(A3, A3, 29);
    OR(A3, A3, AT);              /* a3 = rotl(a3 + w2, 3) */
    XOR(A3, A3, A1);
    ADDU(A0, A0, A3);
    SW(A0, 8, V0);
    SUBU(A1, A1, A0);
    SW(A1, 12, V0);
    ADDIU(V0, V0, 16);
    ANDI(AT, A3, 0xff);
    XOR(A0, V0, V1);
    SLTU(AT, ZERO, AT);
    SLTU(A0, ZERO, A0);
    AND(AT, AT, A0);
    BNE(AT, ZERO, L_LOOP);       /* common case: one 30-instruction TB */
    NOP();
    BEQ(V0, V1, L_OUTER);        /* end of buffer: next pass */
    NOP();
    LUI(A0, MP_MMIO_BASE >> 16); /* (a3 & 0xff) == 0: read the clock */
    LW(A1, MP_MMIO_CLOCK, A0);
    XOR(A3, A3, A1);
    SW(A3, 0, A2);
    ADDIU(A2, A2, 4);
    ANDI(AT, A2, (MP_RES_PAGES * MP_PAGE_SIZE - 1) & 0xfffc);
    LUI(A0, MP_RES_VA >> 16);
    OR(A2, A0, AT);
    J(L_LOOP);
    NOP();
    resolve();
}

static void build_page_table(void)
{
    /* one 8-byte EntryLo0/EntryLo1 pair per VPN2 of kuseg; zero = invalid */
    for (uint32_t p = 0; p < MP_DATA_PAGES + MP_RES_PAGES; p++) {
        uint32_t va = p < MP_DATA_PAGES ? MP_DATA_VA + p * MP_PAGE_SIZE
                                        : MP_RES_VA + (p - MP_DATA_PAGES) * MP_PAGE_SIZE;
        uint32_t pa = p < MP_DATA_PAGES ? MP_DATA_PHYS + p * MP_PAGE_SIZE
                                        : MP_RES_PHYS + (p - MP_DATA_PAGES) * MP_PAGE_SIZE;
        uint32_t entrylo = (pa >> 12) << 6 | 3u << 3 | 1u << 2 | 1u << 1; /* C=3 D V */
        uint32_t slot = MP_PTE_BASE_PHYS + (va >> 13) * 8 + ((va >> 12) & 1) * 4;
        mp_st32(guest_ram + slot, entrylo);
    }
}

void mp_machine_init(uint64_t ram_bytes, uint64_t seed)
{
    if (guest_ram && ram_size != ram_bytes) {
        free(guest_ram);                 /* replay: the snapshot's RAM size wins */
        guest_ram = NULL;
    }
    if (!guest_ram) {
        ram_size = ram_bytes;
        guest_ram = calloc(1, ram_size);
        if (!guest_ram) {
            fprintf(stderr, "mini-panda: cannot allocate %" PRIu64 " bytes of guest RAM\n", ram_size);
            exit(1);
        }
        mp_memory_init();
    }
    memset(&mp_cpu_storage, 0, sizeof mp_cpu_storage);
    memset(&mp_env_storage, 0, sizeof mp_env_storage);
    memset(mp_xregs, 0, sizeof mp_xregs);
    mp_env = &mp_env_storage;
    mp_cpu_storage.env_ptr = mp_env;
    mp_cpu_storage.nr_cores = mp_cpu_storage.nr_threads = 1;
    mp_cpu_storage.exception_index = -1;
    mp_cpu_storage.node.tqe_prev = &cpus.tqh_first;
    cpus.tqh_first = &mp_cpu_storage;
    cpus.tqh_last = &mp_cpu_storage.node.tqe_next;

#if defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
    mp_env->eflags = 0x2;
    mp_env->cr[0] = 0x60000010;
#elif defined(TARGET_ARCH_ARM)
    mp_env->uncached_cpsr = 0x13;
#elif defined(TARGET_ARCH_AARCH64)
    mp_env->aarch64 = 1;
    mp_env->pstate = 0x3c5;
#elif defined(TARGET_ARCH_PPC)
    mp_env->msr = 0x40;
#endif
    memset(&CP0, 0, sizeof CP0);
    CP0.tlb = &mp_tlb_storage;
    CP0.CP0_EntryHi = MP_GUEST_ASID;
    CP0.CP0_PRid = 0x00018000;           /* MIPS 4Kc, like the Malta guest */
    CP0.CP0_Config0 = (int32_t)0x80008482;
    CP0.CP0_Config1 = (int32_t)0x9e190c8f;
    CP0.CP0_Status = 0x10000000;         /* CU0 */
    mp_tlb_reset();
    mp_set_pc(MP_ENTRY_PC);

    memset(guest_ram, 0, ram_size < 0x02000000 ? ram_size : 0x02000000);
    assemble_guest();
    build_page_table();
    uint64_t s = seed;
    for (uint32_t i = 0; i < MP_DATA_PAGES * MP_PAGE_SIZE; i += 4)
        mp_st32(guest_ram + MP_DATA_PHYS + i, (uint32_t)mp_prng_next(&s));
}
