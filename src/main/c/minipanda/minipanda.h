/*
 * mini-PANDA internal interfaces: globals, the guest machine's constants and
 * the functions the modules share.  The PANDA-named functions are exported
 * (noinline, used, not static) because gdb calls and breaks on them.
 */
#ifndef MINIPANDA_H
#define MINIPANDA_H

#include "qemu_types.h"

#define MP_API __attribute__((noinline, used))

/* ---------------- globals with PANDA/QEMU names ---------------- */
extern struct CPUTailQ cpus;
extern TimersState timers_state;
extern ram_addr_t ram_size;
extern uint8_t *guest_ram;          /* plain pointer to guest RAM (phys 0) */
extern CPUArchState *mp_env;        /* == cpus.tqh_first->env_ptr */
#if !defined(TARGET_ARCH_MIPS)
extern MPMipsSys mp_sys;
#define CP0 (mp_sys)
#else
#define CP0 (*mp_env)
#endif

/* ---------------- guest machine layout ---------------- */
#define MP_PAGE_BITS        12
#define MP_PAGE_SIZE        (1u << MP_PAGE_BITS)
#define MP_TLB_ENTRIES      16
#define MP_REFILL_VECTOR    0x80000000u
#define MP_GENERAL_VECTOR   0x80000180u
#define MP_ENTRY_PC         0x80001000u
#define MP_PTE_BASE_PHYS    0x00400000u  /* 8-byte EntryLo0/EntryLo1 pairs per VPN2 */
#define MP_DATA_VA          0x7f810000u  /* user data buffer (kuseg, via the TLB) */
#define MP_DATA_PAGES       32
#define MP_DATA_PHYS        0x00800000u
#define MP_RES_VA           0x7f830000u  /* user results ring */
#define MP_RES_PAGES        4
#define MP_RES_PHYS         0x00820000u
#define MP_GUEST_ASID       0x2a
#define MP_MIN_RAM          (16u << 20)

/* MMIO (kseg1 0xbf000000.., i.e. physical 0x1f000000 as on Malta) */
#define MP_MMIO_BASE        0xbf000000u
#define MP_MMIO_CLOCK       0x00   /* read: host clock (nondeterministic, logged) */
#define MP_MMIO_RXDATA      0x04   /* read: next console byte or 0xffffffff (logged) */
#define MP_MMIO_TXDATA      0x08   /* write: console output byte */
#define MP_MMIO_TIMER_ACK   0x0c   /* write: lower the timer interrupt line */

/* interrupt lines = Cause.IP bit numbers */
#define MP_IRQ_CONSOLE      2
#define MP_IRQ_TIMER        7

/* CP0 bits */
#define ST_IE   0x00000001
#define ST_EXL  0x00000002
#define CAUSE_BD 0x80000000u
#define EXC_INT  0
#define EXC_TLBL 2
#define EXC_TLBS 3
#define EXC_ADEL 4
#define EXC_ADES 5
#define EXC_SYS  8
#define EXC_BP   9
#define EXC_RI   10

/* ---------------- predecoded guest ops ---------------- */
enum {
    OP_NOP, OP_ADDU, OP_SUBU, OP_AND, OP_OR, OP_XOR, OP_NOR, OP_SLT, OP_SLTU,
    OP_SLL, OP_SRL, OP_SRA, OP_SLLV, OP_SRLV, OP_ADDIU, OP_ANDI, OP_ORI, OP_XORI,
    OP_SLTI, OP_SLTIU, OP_LUI, OP_LW, OP_SW, OP_LB, OP_LBU, OP_SB,
    OP_BEQ, OP_BNE, OP_BLEZ, OP_BGTZ, OP_BLTZ, OP_BGEZ, OP_J, OP_JAL, OP_JR, OP_JALR,
    OP_MFC0, OP_MTC0, OP_ERET, OP_TLBWI, OP_TLBWR, OP_SYSCALL, OP_BREAK, OP_RI,
};

typedef struct MPOp {
    uint8_t kind;
    uint8_t delay;          /* this op sits in a branch delay slot */
    uint8_t c0reg;          /* mfc0/mtc0 register number */
    uint8_t pad;
    uint32_t imm;           /* sign- or zero-extended immediate, shift amount, target */
    uint32_t pc;            /* guest virtual PC of this instruction */
    target_ulong *rd;       /* destination (a sink for r0) */
    const target_ulong *rs;
    const target_ulong *rt;
} MPOp;

/* ---------------- module interfaces ---------------- */
/* guest.c */
void mp_machine_init(uint64_t ram_bytes, uint64_t seed);
uint32_t mp_guest_reg_index_of_acc(void);
target_ulong *mp_reg_ptr(int i);            /* storage of guest register i */
target_ulong *mp_pc_ptr(void);              /* storage of the guest PC */
void mp_set_pc(uint32_t pc);
uint32_t mp_get_pc(void);

/* translate.c */
TranslationBlock *mp_tb_find(uint32_t pc, uint32_t flags, int max_insns);
extern uint64_t mp_tb_translated, mp_tb_nocache;

/* cpu_exec.c */
#define TB_MAX_INSNS 32                 /* mini-PANDA's TBs; QEMU's TCG_MAX_INSNS is 512 */
#define CPU_LOG_TB_NOCHAIN (1 << 13)    /* QEMU's include/qemu/log.h: -d nochain */
extern int use_icount;                  /* -icount: keep QEMU's icount fields */
extern bool panda_tb_chaining;          /* PANDA's switch; -d nochain turns chaining off too */
extern int qemu_loglevel;
void mp_run_until(uint64_t stop_count);
extern TranslationBlock *mp_last_tb;
extern uint64_t mp_last_tb_count;
extern uint64_t mp_tb_executed;
extern uint64_t mp_exec_tb_calls;
int cpu_loop_exec_tb(CPUState *cpu, TranslationBlock *tb,
                     TranslationBlock **last_tb, int *tb_exit);
void debug_counter(void);
int cpu_rr_breakpoint_insert(CPUState *cpu, uint64_t rr_instr_count, int flags, void **breakpoint);

/* tlb.c */
void mp_tlb_reset(void);
void mp_tlb_flush(void);
void mp_tlb_write(int index);
int mp_tlb_lookup(uint32_t va, int is_write, hwaddr *pa); /* 0 ok, 1 miss, 2 invalid, 3 not dirty */
void mp_fast_flush(void);
typedef struct MPFastEntry { uint32_t tag; uint32_t pad; uint8_t *host; } MPFastEntry;
#define MP_FAST_SIZE 64
extern MPFastEntry mp_fast_read[MP_FAST_SIZE], mp_fast_write[MP_FAST_SIZE];
hwaddr panda_virt_to_phys(CPUState *cpu, target_ulong addr);

/* exception.c */
void mp_raise_exception(int exc, uint32_t pc, int in_delay, uint32_t badvaddr);
int mp_interrupts_deliverable(void);
void mp_take_interrupt(void);
void mp_irq_raise(int line);
void mp_irq_lower(int line);

/* mmio.c: devices */
uint32_t mp_mmio_read(uint32_t offset, uint64_t count);
void mp_mmio_write(uint32_t offset, uint32_t value);
void mp_console_push(const char *bytes, size_t n);
uint32_t mp_clock_value(uint64_t count);

/* rr.c */
typedef enum { RR_OFF, RR_RECORD, RR_REPLAY } RR_mode;
extern volatile RR_mode rr_mode;
/* RR_callsite_id: PANDA's numbers (rr_log_all.h, FOREACH_CALLSITE) of the call sites mini-PANDA logs at */
enum { RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE = 0, RR_CALLSITE_IO_READ_ALL = 4, RR_CALLSITE_END_OF_LOG = 17 };
uint64_t mp_rr_io_read(uint64_t live_value, uint64_t count);
void mp_rr_record_interrupt(int line, uint64_t count);
uint64_t mp_rr_next_async(void);        /* count of the next event that must split TBs */
void mp_rr_boundary(uint64_t count);    /* deliver/check log events at a TB boundary */
extern uint64_t mp_rr_next_check;       /* boundary hook runs when count >= this */
uint64_t rr_get_guest_instr_count(void);
uint64_t mp_rr_replay_end(void);
int rr_do_begin_record(const char *file_name_full, CPUState *cpu_state);
void rr_do_end_record(void);
int rr_do_begin_replay(const char *file_name_full, CPUState *cpu_state);
void rr_do_end_replay(int is_error);
extern uint64_t mp_record_length;       /* workload length in guest instructions */
extern uint64_t mp_seed;
extern int mp_record_started;
extern const char *mp_progname;          /* argv[0]'s last part: QEMU's error_report prefix */

/* bugs.c */
int mp_bug_parse(const char *spec);     /* KIND@N; -1 on error */
extern uint64_t mp_bug_at;              /* UINT64_MAX when no bug pending */
void mp_bug_fire(uint64_t count);
int mp_bug_irq_defer(int line, uint64_t count); /* 1 when the irq bug takes this interrupt */
void mp_bug_irq_boundary(uint64_t count);
extern int mp_bug_irq_pending;
void mp_bug_arm(void);

/* checksum.c */
#ifdef MINIPANDA_NO_CHECKSUMS
/* a PANDA build without rr_checksum_regs: same code, another name, so gdb can't call it */
#define rr_checksum_regs mp_crc_regs
#endif
uint32_t rr_checksum_regs(void);        /* PANDA's two checksum functions */
uint32_t rr_checksum_memory(void);
MemoryRegion *get_system_memory(void);
MemoryRegion *panda_find_ram(void);
MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr, uint64_t size);
void mp_memory_init(void);

/* disas.c, dump.c */
void target_disas(FILE *out, CPUState *cpu, target_ulong code, target_ulong size, int flags);
void cpu_dump_state(CPUState *cpu, FILE *f, fprintf_function cpu_fprintf, int flags);
extern const char *const mp_gpr_names[32];

/* monitor.c */
int mp_monitor_main(void);

/* small helpers */
static inline uint32_t mp_ld32(const uint8_t *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
static inline void mp_st32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
uint64_t mp_prng_next(uint64_t *state);

#endif
