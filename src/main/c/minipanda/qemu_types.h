/*
 * QEMU/PANDA-shaped types for mini-PANDA.
 *
 * tandem evaluates PANDA's own gdb expressions against this program, so the
 * struct, field and typedef names below follow QEMU 2.9 / PANDA exactly
 * (CPUState, CPUMIPSState, r4k_tlb_t, TranslationBlock, MemoryRegion...).
 * Only the fields mini-PANDA needs exist; their order is free.
 *
 * The arch flavour is chosen with -DTARGET_ARCH_{MIPS,I386,X86_64,ARM,AARCH64,PPC}
 * (MIPS when none is given).  Every flavour runs the same MIPS-subset guest;
 * the flavour only decides where guest registers live and how wide they are.
 */
#ifndef MINIPANDA_QEMU_TYPES_H
#define MINIPANDA_QEMU_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>

#if !defined(TARGET_ARCH_I386) && !defined(TARGET_ARCH_X86_64) && \
    !defined(TARGET_ARCH_ARM) && !defined(TARGET_ARCH_AARCH64) && \
    !defined(TARGET_ARCH_PPC) && !defined(TARGET_ARCH_MIPS)
#define TARGET_ARCH_MIPS 1
#endif

#if defined(TARGET_ARCH_X86_64) || defined(TARGET_ARCH_AARCH64)
#define TARGET_LONG_BITS 64
typedef uint64_t target_ulong;
typedef int64_t target_long;
#define TARGET_FMT_lx "%016" PRIx64
#define TARGET_FMT_ld "%" PRId64
#else
#define TARGET_LONG_BITS 32
typedef uint32_t target_ulong;
typedef int32_t target_long;
#define TARGET_FMT_lx "%08x"
#define TARGET_FMT_ld "%d"
#endif

#if defined(TARGET_ARCH_MIPS)
#define MP_ARCH_NAME "mips"
#elif defined(TARGET_ARCH_I386)
#define MP_ARCH_NAME "i386"
#elif defined(TARGET_ARCH_X86_64)
#define MP_ARCH_NAME "x86_64"
#elif defined(TARGET_ARCH_ARM)
#define MP_ARCH_NAME "arm"
#elif defined(TARGET_ARCH_AARCH64)
#define MP_ARCH_NAME "aarch64"
#elif defined(TARGET_ARCH_PPC)
#define MP_ARCH_NAME "ppc"
#endif

typedef uint64_t hwaddr;
typedef uint64_t ram_addr_t;

/* QEMU's printf-like callback type used by cpu_dump_state */
typedef int (*fprintf_function)(FILE *f, const char *fmt, ...);

/* QEMU's cpu_dump_state flags (an enum, so gdb knows CPU_DUMP_FPU by name;
   the build keeps unused debug types so the enum reaches the debug info) */
enum CPUDumpFlags {
    CPU_DUMP_CODE = 0x00010000,
    CPU_DUMP_FPU  = 0x00020000,
    CPU_DUMP_CCOP = 0x00040000,
};

/* ---- MIPS R4K TLB, as in QEMU target/mips/cpu.h ---- */
#define MIPS_TLB_MAX 128
typedef struct r4k_tlb_t r4k_tlb_t;
struct r4k_tlb_t {
    target_ulong VPN;       /* EntryHi & ~0x1fff: VPN2 of the even/odd page pair */
    uint32_t PageMask;
    uint16_t ASID;
    unsigned int G:1;
    unsigned int C0:3;
    unsigned int C1:3;
    unsigned int V0:1;
    unsigned int V1:1;
    unsigned int D0:1;
    unsigned int D1:1;
    unsigned int XI0:1;
    unsigned int XI1:1;
    unsigned int RI0:1;
    unsigned int RI1:1;
    unsigned int EHINV:1;
    target_ulong PFN[2];    /* physical addresses of the even and odd page */
};

typedef struct CPUMIPSTLBContext CPUMIPSTLBContext;
struct CPUMIPSTLBContext {
    uint32_t nb_tlb;
    uint32_t tlb_in_use;
    union {
        struct {
            r4k_tlb_t tlb[MIPS_TLB_MAX];
        } r4k;
    } mmu;
};

/*
 * The coprocessor-0 and branch state the MIPS-subset guest needs.  In the
 * MIPS flavour these fields sit directly in CPUMIPSState (QEMU's names); in
 * the other flavours they live in a hidden MPMipsSys so the same guest runs.
 */
#define MP_CP0_FIELDS                                                       \
    int32_t CP0_Index;                                                      \
    int32_t CP0_Random;                                                     \
    target_ulong CP0_EntryLo0;                                              \
    target_ulong CP0_EntryLo1;                                              \
    target_ulong CP0_Context;                                               \
    int32_t CP0_PageMask;                                                   \
    int32_t CP0_Wired;                                                      \
    target_ulong CP0_BadVAddr;                                              \
    int32_t CP0_Count;                                                      \
    target_ulong CP0_EntryHi;                                               \
    int32_t CP0_Compare;                                                    \
    int32_t CP0_Status;                                                     \
    int32_t CP0_Cause;                                                      \
    target_ulong CP0_EPC;                                                   \
    int32_t CP0_PRid;                                                       \
    int32_t CP0_Config0;                                                    \
    int32_t CP0_Config1;                                                    \
    int32_t CP0_Config2;                                                    \
    int32_t CP0_Config3;                                                    \
    int32_t CP0_Config4;                                                    \
    int32_t CP0_Config5;                                                    \
    uint64_t lladdr;                                                        \
    uint32_t hflags;        /* MIPS_HFLAG_BMASK: a branch delay slot is next */ \
    target_ulong btarget;   /* where the pending branch goes after its slot */  \
    target_ulong bcond;                                                     \
    CPUMIPSTLBContext *tlb;

#define MIPS_HFLAG_BMASK 0x87F800
#define MIPS_HFLAG_B     0x000800   /* resolved branch pending: go to btarget */

#if defined(TARGET_ARCH_MIPS)
typedef struct TCState {
    target_ulong gpr[32];
    target_ulong PC;
    target_ulong HI[4];
    target_ulong LO[4];
    target_ulong ACX[4];
    target_ulong DSPControl;
} TCState;

typedef struct CPUMIPSState {
    TCState active_tc;
    MP_CP0_FIELDS
} CPUMIPSState;
typedef CPUMIPSState CPUArchState;
#define MP_NB_VISIBLE_REGS 32

#elif defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
#ifdef TARGET_ARCH_X86_64
#define CPU_NB_REGS 16
#else
#define CPU_NB_REGS 8
#endif
typedef struct CPUX86State {
    target_ulong regs[CPU_NB_REGS];
    target_ulong eip;
    target_ulong eflags;
    target_ulong cc_dst;
    target_ulong cc_src;
    uint32_t cc_op;        /* QEMU's CCOp: how the flags follow from cc_src and cc_dst */
    uint32_t hflags;
    target_ulong cr[5];
} CPUX86State;
typedef CPUX86State CPUArchState;
#define MP_NB_VISIBLE_REGS CPU_NB_REGS

#elif defined(TARGET_ARCH_ARM) || defined(TARGET_ARCH_AARCH64)
typedef struct CPUARMState {
    uint32_t regs[16];
    uint64_t xregs[32];
    uint64_t pc;
    uint32_t pstate;
    uint32_t aarch64;
    uint32_t uncached_cpsr;
    uint32_t CF, VF, NF, ZF;   /* QEMU keeps the CPSR's NZCV here, apart from uncached_cpsr */
    uint32_t spsr;
    uint32_t thumb;
} CPUARMState;
typedef CPUARMState CPUArchState;
#ifdef TARGET_ARCH_AARCH64
#define MP_NB_VISIBLE_REGS 32
#else
#define MP_NB_VISIBLE_REGS 15   /* regs[15] is the PC: guest r15 lives elsewhere */
#endif

#elif defined(TARGET_ARCH_PPC)
typedef struct CPUPPCState {
    target_ulong gpr[32];
    target_ulong nip;
    target_ulong lr;
    target_ulong ctr;
    target_ulong msr;
    uint32_t crf[8];
    uint32_t xer;
} CPUPPCState;
typedef CPUPPCState CPUArchState;
#define MP_NB_VISIBLE_REGS 32
#endif

#if !defined(TARGET_ARCH_MIPS)
typedef struct MPMipsSys {
    MP_CP0_FIELDS
} MPMipsSys;
#endif

/* ---- CPUState (include/qom/cpu.h), with PANDA's rr_guest_instr_count ---- */
typedef struct icount_decr_u16 {
    uint16_t low;      /* x86-64 / aarch64 hosts are little-endian */
    uint16_t high;
} icount_decr_u16;

typedef struct CPUState CPUState;
struct CPUState {
    int nr_cores;
    int nr_threads;
    int cpu_index;
    int halted;
    struct {
        CPUState *tqe_next;
        CPUState **tqe_prev;
    } node;
    void *env_ptr;                  /* CPUArchState * */
    uint32_t interrupt_request;
    int exception_index;
    int exit_request;
    union {
        uint32_t u32;
        icount_decr_u16 u16;
    } icount_decr;
    uint32_t icount_budget;
    int64_t icount_extra;
    uint64_t rr_guest_instr_count;
    int32_t rr_guest_instr_count_needs_update; /* PANDA field, unused here */
    uint64_t temp_rr_bp_instr;      /* PANDA: an rr breakpoint set aside, given back past it (cpu_exec.c) */
};

/* QTAILQ_HEAD(CPUTailQ, CPUState) cpus */
struct CPUTailQ {
    CPUState *tqh_first;
    CPUState **tqh_last;
};

/* QEMU's cpus.c TimersState (only what icount needs) */
typedef struct TimersState {
    int64_t cpu_ticks_prev;
    int64_t cpu_ticks_offset;
    int64_t cpu_clock_offset;
    int32_t cpu_ticks_enabled;
    int64_t dummy;
    int16_t icount_time_shift;
    int64_t qemu_icount_bias;
    int64_t qemu_icount;
} TimersState;

/* ---- TranslationBlock (include/exec/exec-all.h), plus predecoded ops ---- */
struct MPOp;
typedef struct TranslationBlock TranslationBlock;
struct TranslationBlock {
    target_ulong pc;        /* guest virtual PC of the first instruction */
    target_ulong cs_base;
    uint32_t flags;         /* MIPS_HFLAG_B when the TB starts in a delay slot */
    uint16_t size;          /* bytes of guest code */
    uint16_t icount;        /* guest instructions */
    uint32_t cflags;
    hwaddr phys_pc;         /* cache key with flags */
    struct MPOp *ops;
    TranslationBlock *hash_next;
};

/* ---- memory API shapes (include/exec/memory.h, ram_addr.h) ---- */
typedef struct RAMBlock {
    struct MemoryRegion *mr;
    uint8_t *host;
    ram_addr_t offset;
    ram_addr_t used_length;
    ram_addr_t max_length;
    char idstr[256];
} RAMBlock;

typedef struct MemoryRegion {
    const char *name;
    int ram;
    uint64_t size;          /* QEMU uses Int128; a 64-bit size suffices here */
    hwaddr addr;
    RAMBlock *ram_block;
} MemoryRegion;

typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    void *address_space;
    hwaddr offset_within_region;
    uint64_t size;
    hwaddr offset_within_address_space;
    int readonly;
} MemoryRegionSection;

#endif
