/*
 * tandem_trace: a PANDA plugin that writes a record trace (in a record run) or a replay trace
 * (in a replay) of every translation block entered, so that a replay can be compared with the
 * record run it came from, TB by TB, without rr. The format is read by tandem.panda.trace.TraceFile
 * (the one description of it is there and in README.md "The record run as the rec side").
 *
 * Loaded by path: -panda-plugin PATH/tandem_trace.so, arguments -panda-arg tandem_trace:KEY=VALUE
 *   file=PATH   where to write (default NAME-tandem-trace in a record run, NAME-tandem-replay-trace
 *               in a replay, NAME taken from PANDA's nondet log name)
 *   ring=N      also keep every register (the full record's words) of each of the last N TBs
 *               (a power of two; 0, the default: none) in PATH.ring, a file written through a
 *               shared mapping like the trace, so it can be read after the run is killed: the
 *               registers at a TB the comparison of two replay traces names once both replays have
 *               run past it (tandem.panda.trace.ReplayRing reads it)
 *   pcs=0       a replay trace without each TB's PC (which the summary's hash holds too): enough to
 *               compare two replays of one recording, at a third of the bytes
 *   lead=N      with ring: write no more than N TB entries until the reader of the ring raises
 *               that limit (a word in the ring's header), so that a run never gets more than a
 *               ring ahead of the comparison; 0, the default: no limit. A run held there whose
 *               parent has gone ends itself
 *
 * Where it looks: at the start of each TB's first guest instruction, by a call that the plugin
 * puts into every TB as it is translated (before_tcg_codegen, tcg-utils.h insert_call_1p after
 * the TB's first insn_start op). So it sees every TB that runs, chained or not: in a record run
 * QEMU chains TBs (FIDELITY row 57) and a chained TB never passes cpu_tb_exec, where
 * before_block_exec (and QEMU's `-d exec` log) would see it; switching chaining off instead
 * (panda_disable_tb_chaining, `-d nochain`) measured 3.5x slower record runs on this debug build.
 * The call comes after the TB's check for an exit request, so a TB left before its first
 * instruction (the I/O thread's kick) is not seen; the PC is the TB's (env's PC is not stored
 * before a chained jump).
 *
 * What it writes, from the first TB run in record or replay mode:
 * - per TB: the guest instruction count before it (rr_get_guest_instr_count()) as a delta, and a
 *   32-bit summary: 16 bits of a hash of the PC and the general registers, 8 of the CP0/system
 *   registers, 8 of the TLB. Consecutive entries at one (pc, count) are one entry (the last), as
 *   a TB can still start twice at one count (../shared/LINUX-GUESTS.md);
 * - a full record (count, PC, every register it hashes, 64-bit hashes) at the first TB of each
 *   period of 2^17 guest instructions;
 * - every TLB entry that changed since the previous TB, with its new contents (MIPS);
 * - in a replay, each TB entry's PC before it (a replay begins TBs inside the record run's: the
 *   PC tells the same code going on from a jump elsewhere; a record trace leaves it out: size);
 * - a trailer when recording or replaying ends (end_record, the replay's end), or when the run
 *   ends without that (quit while recording). A run killed or aborted (a failed replay) leaves
 *   no trailer, but everything up to its last TB: the file is written through a shared mapping,
 *   so what is written is in the page cache at once;
 * - in the header, the committed length: the bytes that are final (all before the last TB entry
 *   and its full record, which a TB again at one (pc, count) rewrites), raised after each TB, so
 *   that tandem compares a replay trace while the replay writes it.
 * Its cost per TB is kept small (README "Its cost per TB"): the hash's products are independent,
 * and the TLB is compared only after a TB whose code writes it.
 * A full disk ends the trace with a trailer saying so; the recording is never touched.
 */
#define __STDC_FORMAT_MACROS

#include "panda/plugin.h"
#include "panda/rr/rr_log.h"
#include "panda/tcg-utils.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>

bool init_plugin(void *);
void uninit_plugin(void *);

/* ---- format (TraceFile.java has the same numbers) ---------------------------------------- */
#define TT_MAGIC        "TANDEMTT"
#define TT_VERSION      2
#define TT_HEADER_SIZE  512
#define TT_HEADER_COMMITTED 496     /* u64: bytes of the file that are final (TraceFile.follow) */
#define TT_PERIOD_LOG2  17
#define TT_DELTA_MAX    0xEE        /* tags 0x01..0xEF: a TB entry whose count delta is tag - 1 */
#define TT_TAG_LONG     0xF0        /* a TB entry whose count delta follows as a u32 */
#define TT_TAG_FULL     0xF1        /* a full record: u16 length, then the record */
#define TT_TAG_TRAILER  0xF2        /* the trailer: u16 length, then the trailer */
#define TT_TAG_TLB      0xF3        /* one TLB entry's new contents: u16 length, then it */
#define TT_TAG_PC       0xF4        /* replay traces: the next TB entry's PC (u16 length, then u64) */
/* a zero byte where a tag is expected ends the data: the tail of a file whose run was killed */

#define TT_MODE_RECORD  1
#define TT_MODE_REPLAY  2

#define TT_END_COMPLETE     1       /* end_record, or the replay's end */
#define TT_END_UNFINISHED   2       /* PANDA ended while still recording or replaying */
#define TT_END_DISK_FULL    3       /* the trace could not grow: no space */

#define TT_WINDOW       (64u << 20) /* bytes mapped at a time */
#define TT_RING_MAGIC   "TANDEMTR"
#define TT_RING_HEADER  64          /* magic, u32 slots, u32 words per slot, u64 limit; slot i at 64 + i * 8 * words */
#define TT_RING_LIMIT   16          /* u64: the TB entries the run may write (0: no limit), raised by the reader */
#define TT_MAX_ITEM     4096        /* more than the longest item (a full record) */
#define TT_TRAILER_RESERVE 64       /* bytes kept free in the window for the trailer */

/* ---- the target's state ------------------------------------------------------------------ */
#if defined(TARGET_MIPS)
#define TT_TARGET "mips"
#define TT_NREGS (1 + 32 + 2 + 14)
/* Not hashed: CP0 Count (QEMU keeps it as an offset from the host's virtual clock, so it differs
 * between record and replay while the guest reads the same values) and Random (computed on read). */
static int tt_sys_words(CPUArchState *env, uint64_t *r);
static int tt_regs(CPUArchState *env, uint64_t *r) {
    int n = 0;
    r[n++] = (uint64_t) env->active_tc.PC;
    for (int i = 0; i < 32; i++) r[n++] = (uint64_t) env->active_tc.gpr[i];
    r[n++] = (uint64_t) env->active_tc.HI[0];
    r[n++] = (uint64_t) env->active_tc.LO[0];
    /* the system group starts here (TT_SYS_FROM) */
    return n + tt_sys_words(env, r + n);
}
/* The general group as the per-TB hash takes it: the PC, the general registers as they lie in
 * QEMU's array (on a 32-bit target two registers a word: half the words to hash, and one block
 * copy instead of 32 widening ones), HI, LO. */
#define TT_GENERAL_WORDS (1 + (32 * sizeof(target_ulong) + 7) / 8 + 2)
static inline int tt_general_words(CPUArchState *env, uint64_t pc, uint64_t *w) {
    int n = 0;
    w[n++] = pc;
    memcpy(&w[n], env->active_tc.gpr, 32 * sizeof(target_ulong));
    n += (32 * sizeof(target_ulong) + 7) / 8;
    w[n++] = (uint64_t) env->active_tc.HI[0];
    w[n++] = (uint64_t) env->active_tc.LO[0];
    return n;
}
/* The system group, as in the full record. */
static inline int tt_sys_words(CPUArchState *env, uint64_t *r) {
    int n = 0;
    r[n++] = (uint64_t) env->CP0_Index;
    r[n++] = (uint64_t) env->CP0_EntryLo0;
    r[n++] = (uint64_t) env->CP0_EntryLo1;
    r[n++] = (uint64_t) env->CP0_Context;
    r[n++] = (uint64_t) env->CP0_PageMask;
    r[n++] = (uint64_t) env->CP0_Wired;
    r[n++] = (uint64_t) env->CP0_BadVAddr;
    r[n++] = (uint64_t) env->CP0_EntryHi;
    r[n++] = (uint64_t) env->CP0_Compare;
    r[n++] = (uint64_t) env->CP0_Status;
    r[n++] = (uint64_t) env->CP0_Cause;
    r[n++] = (uint64_t) env->CP0_EPC;
    r[n++] = (uint64_t) env->CP0_ErrorEPC;
    r[n++] = (uint64_t) env->hflags;
    return n;
}
#define TT_SYS_FROM 35
#define TT_PC_INDEX 0
#define TT_HAS_TLB 1
#define TT_TLB_FIELDS 6
/* QEMU's helpers that write TLB entries (target/mips/helper.h): a TB calling one is followed by a TLB check */
void helper_tlbwi(CPUMIPSState *env);
void helper_tlbwr(CPUMIPSState *env);
void helper_tlbinv(CPUMIPSState *env);
void helper_tlbinvf(CPUMIPSState *env);
static int tt_nb_tlb(CPUArchState *env) { return env->tlb ? (int) env->tlb->nb_tlb : 0; }
/* QEMU's own TLB array: compared whole at each TB (one memcmp), unpacked only when it changed */
static const void *tt_tlb_raw(CPUArchState *env, size_t *len) {
    *len = (size_t) tt_nb_tlb(env) * sizeof(r4k_tlb_t);
    return env->tlb ? (const void *) env->tlb->mmu.r4k.tlb : NULL;
}
/* one TLB entry as words: VPN, PageMask, ASID, flag bits (G C0 C1 V0 V1 D0 D1 XI0 XI1 RI0 RI1 EHINV), PFN0, PFN1 */
static void tt_tlb_entry(CPUArchState *env, int i, uint64_t *w) {
    r4k_tlb_t *t = &env->tlb->mmu.r4k.tlb[i];
    w[0] = (uint64_t) t->VPN;
    w[1] = t->PageMask;
    w[2] = t->ASID;
    w[3] = (uint64_t) t->G | (uint64_t) t->C0 << 1 | (uint64_t) t->C1 << 4 | (uint64_t) t->V0 << 7
         | (uint64_t) t->V1 << 8 | (uint64_t) t->D0 << 9 | (uint64_t) t->D1 << 10 | (uint64_t) t->XI0 << 11
         | (uint64_t) t->XI1 << 12 | (uint64_t) t->RI0 << 13 | (uint64_t) t->RI1 << 14 | (uint64_t) t->EHINV << 15;
    w[4] = t->PFN[0];
    w[5] = t->PFN[1];
}
#elif defined(TARGET_X86_64) || defined(TARGET_I386)
#ifdef TARGET_X86_64
#define TT_TARGET "x86_64"
#else
#define TT_TARGET "i386"
#endif
#define TT_NREGS (1 + CPU_NB_REGS + 1 + 4 + 6)
/* eflags without the condition codes, which QEMU keeps elsewhere during emulation (FIDELITY row 66) */
static int tt_regs(CPUArchState *env, uint64_t *r) {
    int n = 0;
    r[n++] = (uint64_t) env->eip;
    for (int i = 0; i < CPU_NB_REGS; i++) r[n++] = (uint64_t) env->regs[i];
    r[n++] = (uint64_t) env->eflags;
    r[n++] = (uint64_t) env->cr[0];
    r[n++] = (uint64_t) env->cr[2];
    r[n++] = (uint64_t) env->cr[3];
    r[n++] = (uint64_t) env->cr[4];
    for (int i = 0; i < 6; i++) r[n++] = (uint64_t) env->segs[i].base;
    return n;
}
#define TT_SYS_FROM (1 + CPU_NB_REGS)
#define TT_PC_INDEX 0
#define TT_HAS_TLB 0
#elif defined(TARGET_ARM)
#define TT_TARGET "arm"
#define TT_NREGS (16 + 1)
static int tt_regs(CPUArchState *env, uint64_t *r) {
    int n = 0;
    for (int i = 0; i < 16; i++) r[n++] = (uint64_t) env->regs[i];
    r[n++] = (uint64_t) env->uncached_cpsr;
    return n;
}
#define TT_SYS_FROM 16
#define TT_PC_INDEX 15
#define TT_HAS_TLB 0
#else
#error "tandem_trace: no register list for this target"
#endif

#ifndef TT_GENERAL_WORDS
/* the groups as the per-TB hash takes them: the full record's words */
#define TT_GENERAL_WORDS TT_SYS_FROM
static inline int tt_general_words(CPUArchState *env, uint64_t pc, uint64_t *w) {
    uint64_t r[TT_NREGS];
    tt_regs(env, r);
    r[TT_PC_INDEX] = pc;
    memcpy(w, r, TT_SYS_FROM * sizeof r[0]);
    return TT_SYS_FROM;
}
static inline int tt_sys_words(CPUArchState *env, uint64_t *w) {
    uint64_t r[TT_NREGS];
    int n = tt_regs(env, r);
    memcpy(w, r + TT_SYS_FROM, (size_t) (n - TT_SYS_FROM) * sizeof r[0]);
    return n - TT_SYS_FROM;
}
#endif

#if !TT_HAS_TLB
#define TT_TLB_FIELDS 6
static int tt_nb_tlb(CPUArchState *env) { return 0; }
static void tt_tlb_entry(CPUArchState *env, int i, uint64_t *w) { }
static const void *tt_tlb_raw(CPUArchState *env, size_t *len) { *len = 0; return NULL; }
#endif
#define TT_TLB_MAX 128

/* ---- hashing ------------------------------------------------------------------------------
 * tt_mix: a multiply-xor step over 64-bit words, for the recording's file hash in the trailer
 * (RecordingHash mixes the same way). tt_hash: the per-TB hash of registers and TLB, run at
 * every TB: each word times its own odd constant, summed in two lanes, then a finalizer. The
 * products do not wait on each other (tt_mix over 35 registers is one serial chain of 35
 * multiplies: it was about 70% of the plugin's time per TB); one changed word always changes
 * the sum (multiplying by an odd number is a bijection mod 2^64), and the finalizer (MurmurHash3's
 * fmix64) spreads that over all 64 bits before they are folded to 16 or 8. Only the plugin
 * computes it: a record trace and a replay trace are compared hash to hash. */
#define TT_K 0x9E3779B97F4A7C15ULL
static inline uint64_t tt_mix(uint64_t h, uint64_t w) {
    h ^= w;
    h *= TT_K;
    return h ^ (h >> 29);
}
#define TT_HASH_WORDS 1024          /* the longest list hashed: the TLB, TT_TLB_MAX * TT_TLB_FIELDS */
static uint64_t tt_hash_k[TT_HASH_WORDS];
_Static_assert(TT_TLB_MAX * TT_TLB_FIELDS <= TT_HASH_WORDS, "tt_hash_k holds a constant per TLB word");
static void tt_hash_init(void) {
    uint64_t x = TT_K;              /* splitmix64's sequence, each made odd */
    for (int i = 0; i < TT_HASH_WORDS; i++) {
        uint64_t z = (x += TT_K);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        tt_hash_k[i] = (z ^ (z >> 31)) | 1;
    }
}
static inline uint64_t tt_fmix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}
static inline uint64_t tt_hash(const uint64_t *w, int n, uint64_t seed) {
    uint64_t a = seed * TT_K, b = (uint64_t) n;
    int i = 0;
    for (; i + 1 < n; i += 2) {
        a += w[i] * tt_hash_k[i];
        b += w[i + 1] * tt_hash_k[i + 1];
    }
    if (i < n) a += w[i] * tt_hash_k[i];
    return tt_fmix(a + b);
}
static inline uint8_t tt_fold8(uint64_t h) { return (uint8_t) (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24) ^ (h >> 32) ^ (h >> 40) ^ (h >> 48) ^ (h >> 56)); }
static inline uint16_t tt_fold16(uint64_t h) { return (uint16_t) (h ^ (h >> 16) ^ (h >> 32) ^ (h >> 48)); }

/* ---- the trace file ---------------------------------------------------------------------- */
static struct {
    int fd;
    int mode;                   /* TT_MODE_*, 0 before the first TB in record/replay */
    bool done;                  /* trailer written (or never opened) */
    char path[1024];
    char nondet_log[1024];
    char snapshot[1024];
    uint8_t *map;               /* the mapped window */
    volatile uint64_t *committed;   /* the header's committed word, in a mapping of the header page of its own */
    uint64_t map_off;           /* file offset of map[0] */
    uint64_t map_len;
    uint64_t pos;               /* file offset of the next item */
    uint64_t file_len;          /* bytes allocated on disk */
    uint64_t last_entry_pos;    /* the last TB entry, rewritten for a repeat at one (pc, count) */
    uint64_t last_full_pos;     /* its full record, if it has one, else UINT64_MAX */
    uint64_t last_count, last_pc;
    bool have_last;
    int64_t last_period;
    uint64_t entries;
    uint64_t tlb_words[TT_TLB_MAX][TT_TLB_FIELDS];
    uint64_t tlb_hash;
    bool tlb_known;
    bool tlb_may_change;        /* the TB that ran last has a TLB write in its code */
    uint8_t tlb_raw[TT_TLB_MAX * 64];   /* QEMU's TLB array as last unpacked (r4k_tlb_t: under 64 bytes) */
    size_t tlb_raw_len;
    uint64_t *ring;             /* ring=N: N slots of (TB entry number, count, the full record's words) */
    uint64_t ring_mask;         /* N - 1 */
    volatile uint64_t *limit;   /* lead=N: the ring header's limit word */
    pid_t reader;               /* lead=N: the parent the run started with, the reader of the ring */
    bool no_pcs;                /* pcs=0 */
} tt = { .fd = -1 };

static void tt_warn(const char *what) {
    fprintf(stderr, "tandem_trace: %s: %s (%s)\n", what, tt.path, strerror(errno));
}

/* Maps the window holding file offset `from` and `need` bytes after it, growing the file. */
static bool tt_map(uint64_t from, uint64_t need) {
    long page = sysconf(_SC_PAGESIZE);
    uint64_t off = from & ~((uint64_t) page - 1);
    uint64_t len = TT_WINDOW;
    while (off + len < from + need) len += TT_WINDOW;
    if (off + len > tt.file_len) {
        /* fallocate, not ftruncate: a sparse file on a full disk would fail later with SIGBUS */
        int err = posix_fallocate(tt.fd, (off_t) tt.file_len, (off_t) (off + len - tt.file_len));
        if (err != 0) { errno = err; return false; }
        tt.file_len = off + len;
    }
    if (tt.map) munmap(tt.map, tt.map_len);
    tt.map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, tt.fd, (off_t) off);
    if (tt.map == MAP_FAILED) { tt.map = NULL; return false; }
    tt.map_off = off;
    tt.map_len = len;
    return true;
}

static void tt_finish(uint8_t how, uint64_t count);

/* Room for `n` more bytes at tt.pos; false (and the trace ended) if the disk has no room. */
static bool tt_room(uint64_t n) {
    if (tt.map && tt.pos + n + TT_TRAILER_RESERVE <= tt.map_off + tt.map_len) return true;
    uint64_t keep = tt.have_last ? tt.last_entry_pos : tt.pos;
    if (tt.last_full_pos != UINT64_MAX && tt.last_full_pos < keep) keep = tt.last_full_pos;
    if (tt_map(keep, tt.pos - keep + n + TT_MAX_ITEM)) return true;
    tt_warn("the disk has no room for the trace; it ends here");
    /* the window still mapped has TT_TRAILER_RESERVE bytes kept for this trailer */
    if (tt.map) tt_finish(TT_END_DISK_FULL, rr_get_guest_instr_count());
    return false;
}

static inline uint8_t *tt_at(uint64_t off) { return tt.map + (off - tt.map_off); }
static inline void tt_put8(uint8_t **p, uint8_t v) { *(*p)++ = v; }
static inline void tt_put16(uint8_t **p, uint16_t v) { memcpy(*p, &v, 2); *p += 2; }   /* x86-64 hosts: little-endian */
static inline void tt_put32(uint8_t **p, uint32_t v) { memcpy(*p, &v, 4); *p += 4; }
static inline void tt_put64(uint8_t **p, uint64_t v) { memcpy(*p, &v, 8); *p += 8; }

/* FNV-style word hash of a whole file (RecordingHash.of), or 0 if it cannot be read. */
static uint64_t tt_file_hash(const char *path, uint64_t *size) {
    *size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    uint64_t h = 0xcbf29ce484222325ULL;
    static uint8_t buf[1 << 20];
    ssize_t got;
    uint64_t total = 0;
    size_t fill = 0;
    while ((got = read(fd, buf + fill, sizeof buf - fill)) > 0) {
        fill += (size_t) got;
        total += (uint64_t) got;
        size_t words = fill / 8;
        for (size_t i = 0; i < words; i++) { uint64_t w; memcpy(&w, buf + 8 * i, 8); h = tt_mix(h, w); }
        memmove(buf, buf + 8 * words, fill - 8 * words);
        fill -= 8 * words;
    }
    close(fd);
    if (fill) { uint64_t w = 0; memcpy(&w, buf, fill); h = tt_mix(h, w); }
    *size = total;
    return tt_mix(h, total);
}

static void tt_put_string(uint8_t **p, const char *s, size_t width) {
    size_t n = strlen(s);
    if (n >= width) n = width - 1;
    memset(*p, 0, width);
    memcpy(*p, s, n);
    *p += width;
}

/* Says that the bytes before `upto` are final: written, and never to be rewritten. The items'
 * stores come first in program order, and an x86-64 host keeps stores in order, so a reader
 * that sees the word sees them; the barrier keeps the compiler from moving them after it. */
static inline void tt_commit(uint64_t upto) {
    if (!tt.committed) return;
    __atomic_signal_fence(__ATOMIC_RELEASE);
    *tt.committed = upto;
}

static bool tt_open(int mode, const char *file_arg) {
    /* PANDA names the log NAME-rr-nondet.log, in the folder begin_record or -replay named */
    const char *log = rr_nondet_log && rr_nondet_log->name ? rr_nondet_log->name : "unknown-rr-nondet.log";
    snprintf(tt.nondet_log, sizeof tt.nondet_log, "%s", log);
    size_t n = strlen(log), suffix = strlen("-rr-nondet.log");
    char base[1024];
    snprintf(base, sizeof base, "%.*s", (int) (n > suffix ? n - suffix : n), log);
    snprintf(tt.snapshot, sizeof tt.snapshot, "%s-rr-snp", base);
    if (file_arg && *file_arg) snprintf(tt.path, sizeof tt.path, "%s", file_arg);
    else snprintf(tt.path, sizeof tt.path, "%s-%s", base, mode == TT_MODE_RECORD ? "tandem-trace" : "tandem-replay-trace");

    tt.fd = open(tt.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (tt.fd < 0) { tt_warn("cannot write the trace"); return false; }
    tt.mode = mode;
    tt.last_full_pos = UINT64_MAX;
    tt.last_period = -1;
    if (!tt_map(0, TT_HEADER_SIZE + TT_MAX_ITEM)) { tt_warn("cannot map the trace"); close(tt.fd); tt.fd = -1; return false; }

    uint8_t *p = tt_at(0);
    memcpy(p, TT_MAGIC, 8); p += 8;
    tt_put32(&p, TT_VERSION);
    tt_put32(&p, TT_HEADER_SIZE);
    tt_put8(&p, (uint8_t) mode);
    tt_put8(&p, TT_PERIOD_LOG2);
    tt_put8(&p, (uint8_t) TT_NREGS);
    tt_put8(&p, (uint8_t) TT_SYS_FROM);
    tt_put8(&p, (uint8_t) TT_TLB_FIELDS);
    tt_put8(&p, 0); tt_put8(&p, 0); tt_put8(&p, 0);
    tt_put64(&p, rr_get_guest_instr_count());
    tt_put_string(&p, TT_TARGET, 16);
    tt_put_string(&p, tt.nondet_log, 192);
    char exe[256] = "";
    ssize_t e = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (e > 0) exe[e] = 0;
    tt_put_string(&p, exe, 256);
    tt.pos = TT_HEADER_SIZE;
    /* a reader that follows the trace while it is written (tandem's search, during the replay)
       reads only the bytes before the committed word, which grows as items become final */
    void *head = mmap(NULL, (size_t) sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, tt.fd, 0);
    if (head != MAP_FAILED) {
        tt.committed = (volatile uint64_t *) ((uint8_t *) head + TT_HEADER_COMMITTED);
        tt_commit(TT_HEADER_SIZE);
    }
    fprintf(stderr, "tandem_trace: writing the %s trace %s\n", mode == TT_MODE_RECORD ? "record" : "replay", tt.path);
    return true;
}

#define TT_RING_WORDS (2 + TT_NREGS)

/* ring=N: PATH.ring, N slots mapped shared; a slot is the TB entry's number (from 1: 0 is a slot
 * never written), its count, then the words of tt_regs with the TB's PC. */
static void tt_ring_open(uint64_t slots, uint64_t lead) {
    if (slots == 0) return;
    if (slots & (slots - 1)) { fprintf(stderr, "tandem_trace: ring=%" PRIu64 " is not a power of two: no ring\n", slots); return; }
    char path[1100];
    snprintf(path, sizeof path, "%s.ring", tt.path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { tt_warn("cannot write the ring"); return; }
    size_t len = TT_RING_HEADER + (size_t) slots * 8 * TT_RING_WORDS;
    int err = posix_fallocate(fd, 0, (off_t) len);
    void *m = err == 0 ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) { errno = err ? err : errno; tt_warn("cannot map the ring"); return; }
    uint8_t *p = m;
    memcpy(p, TT_RING_MAGIC, 8); p += 8;
    tt_put32(&p, (uint32_t) slots);
    tt_put32(&p, TT_RING_WORDS);
    tt_put64(&p, lead);
    if (lead) {
        tt.limit = (volatile uint64_t *) ((uint8_t *) m + TT_RING_LIMIT);
        tt.reader = getppid();
    }
    tt.ring = (uint64_t *) ((uint8_t *) m + TT_RING_HEADER);
    tt.ring_mask = slots - 1;
}

/* Holds the run before its next TB entry while the ring's reader has not raised the limit past
 * it (lead=N): the reader compares two runs' traces and reads a TB's registers from the rings once
 * both have passed it, so neither may get a ring ahead. Ends PANDA if the reader has gone. */
static void tt_hold(void) {
    uint64_t waited = 0;
    while (*tt.limit && tt.entries >= *tt.limit) {
        /* the parent at the first TB, not at this hold: a reader gone before it is gone all the same
           (and the vCPU thread holds QEMU's global lock here, so PANDA's own SIGTERM handling cannot end it) */
        if (getppid() != tt.reader) {
            fprintf(stderr, "tandem_trace: the reader of %s.ring has gone while the run was held at TB entry %" PRIu64 ": ending\n", tt.path, tt.entries);
            _exit(2);
        }
        usleep(waited++ < 1000 ? 20 : 1000);
    }
}

/* The TB entry number `entry` (from 1) at `count` into its slot: the words a full record has. */
static inline void tt_ring_put(uint64_t entry, uint64_t count, uint64_t pc, CPUArchState *env) {
    uint64_t *slot = tt.ring + (entry & tt.ring_mask) * TT_RING_WORDS;
    slot[0] = 0;                /* a reader never takes a half-written slot for this entry */
    slot[1] = count;
    tt_regs(env, slot + 2);
    slot[2 + TT_PC_INDEX] = pc;
    __atomic_signal_fence(__ATOMIC_RELEASE);
    slot[0] = entry;
}

/* The trailer: how the run ended, the last count, the entries; for a record run also the
 * recording's identity (snapshot hash and size, nondet log size and its first 8 bytes). */
static void tt_finish(uint8_t how, uint64_t count) {
    if (tt.fd < 0 || tt.done) return;
    tt.done = true;
    uint64_t snp_size = 0, snp_hash = 0, log_size = 0, log_head = 0;
    if (tt.mode == TT_MODE_RECORD && how != TT_END_DISK_FULL) {
        snp_hash = tt_file_hash(tt.snapshot, &snp_size);
        struct stat st;
        if (stat(tt.nondet_log, &st) == 0) log_size = (uint64_t) st.st_size;
        int fd = open(tt.nondet_log, O_RDONLY);
        if (fd >= 0) { if (read(fd, &log_head, 8) != 8) log_head = 0; close(fd); }
    }
    uint8_t *p = tt_at(tt.pos);
    tt_put8(&p, TT_TAG_TRAILER);
    tt_put16(&p, 1 + 8 * 6);
    tt_put8(&p, how);
    tt_put64(&p, count);
    tt_put64(&p, tt.entries);
    tt_put64(&p, snp_size);
    tt_put64(&p, snp_hash);
    tt_put64(&p, log_size);
    tt_put64(&p, log_head);
    tt.pos = (uint64_t) (p - tt.map) + tt.map_off;
    tt_commit(tt.pos);
    if (tt.committed) munmap((void *) ((uintptr_t) tt.committed - TT_HEADER_COMMITTED), (size_t) sysconf(_SC_PAGESIZE));
    tt.committed = NULL;
    munmap(tt.map, tt.map_len);
    tt.map = NULL;
    if (ftruncate(tt.fd, (off_t) tt.pos) != 0) tt_warn("cannot trim the trace");
    close(tt.fd);
    tt.fd = -1;
    fprintf(stderr, "tandem_trace: %s trace ended (%s) at guest instruction %" PRIu64 ", %" PRIu64 " TB entries, %" PRIu64 " bytes\n",
            tt.mode == TT_MODE_RECORD ? "record" : "replay",
            how == TT_END_COMPLETE ? "complete" : how == TT_END_UNFINISHED ? "unfinished" : "disk full",
            count, tt.entries, tt.pos);
}

/* TLB entries changed since the last TB, each as an item; returns the TLB's hash. */
static uint64_t tt_tlb(CPUArchState *env) {
    int nb = tt_nb_tlb(env);
    if (nb > TT_TLB_MAX) nb = TT_TLB_MAX;
    /* most TBs change no TLB entry: one memcmp of QEMU's array says so, instead of unpacking
       every entry's bit fields at every TB */
    size_t raw_len;
    const void *raw = tt_tlb_raw(env, &raw_len);
    bool raw_fits = raw != NULL && raw_len <= sizeof tt.tlb_raw;
    if (tt.tlb_known && raw_fits && raw_len == tt.tlb_raw_len && memcmp(raw, tt.tlb_raw, raw_len) == 0) return tt.tlb_hash;
    if (raw_fits) { memcpy(tt.tlb_raw, raw, raw_len); tt.tlb_raw_len = raw_len; }
    uint64_t w[TT_TLB_FIELDS];
    bool changed = false;
    for (int i = 0; i < nb; i++) {
        tt_tlb_entry(env, i, w);
        if (tt.tlb_known && memcmp(w, tt.tlb_words[i], sizeof w) == 0) continue;
        changed = true;
        memcpy(tt.tlb_words[i], w, sizeof w);
        if (!tt_room(TT_MAX_ITEM)) return 0;
        uint8_t *p = tt_at(tt.pos);
        tt_put8(&p, TT_TAG_TLB);
        tt_put16(&p, 2 + 8 * TT_TLB_FIELDS);
        tt_put16(&p, (uint16_t) i);
        for (int k = 0; k < TT_TLB_FIELDS; k++) tt_put64(&p, w[k]);
        tt.pos += 3 + 2 + 8 * TT_TLB_FIELDS;
    }
    if (changed || !tt.tlb_known) {
        tt.tlb_hash = tt_hash(&tt.tlb_words[0][0], nb * TT_TLB_FIELDS, 3);
        tt.tlb_known = true;
    }
    return tt.tlb_hash;
}

/* The full record at byte `at`: every register as its own word (the order of tt_regs), and the
 * 64-bit hashes of the three groups (of the words tt_general_words and tt_sys_words give). */
static void tt_full(uint64_t at, uint64_t count, uint64_t pc, CPUArchState *env, uint64_t hg, uint64_t hs, uint64_t ht) {
    uint64_t r[TT_NREGS];
    int n = tt_regs(env, r);
    r[TT_PC_INDEX] = pc;
    uint8_t *p = tt_at(at);
    tt_put8(&p, TT_TAG_FULL);
    tt_put16(&p, (uint16_t) (8 * 5 + 2 + 8 * n));
    tt_put64(&p, count);
    tt_put64(&p, pc);
    tt_put64(&p, hg);
    tt_put64(&p, hs);
    tt_put64(&p, ht);
    tt_put16(&p, (uint16_t) n);
    for (int i = 0; i < n; i++) tt_put64(&p, r[i]);
}
#define TT_FULL_SIZE(n) (3 + 8 * 5 + 2 + 8 * (n))

/* Called by the code of every TB, before its first guest instruction; `writes_tlb`: the TB's code
 * calls a helper that writes TLB entries (tt_tb_writes_tlb). */
static inline void tt_tb(TranslationBlock *tb, bool writes_tlb) {
    CPUState *cpu = first_cpu;
    if (tt.done) return;
    /* QEMU's TLB array changes only in a helper of a TLB write (tlbwi, tlbwr, tlbinv, tlbinvf:
       r4k_fill_tlb and the EHINV loops of target/mips/op_helper.c; cpu_state_reset and tlbr leave
       entries 0..nb_tlb-1 alone), so it can differ from the last TB's only after a TB whose code
       has one: only then is it compared (a memcmp of the whole array at every TB was most of the
       rest of the plugin's time) */
    bool tlb_check = tt.tlb_may_change || !tt.tlb_known;
    tt.tlb_may_change = writes_tlb;
    if (tt.mode == 0) {
        int mode = rr_in_record() ? TT_MODE_RECORD : rr_in_replay() ? TT_MODE_REPLAY : 0;
        if (mode == 0) return;
        panda_arg_list *args = panda_get_args("tandem_trace");
        const char *file = panda_parse_string_opt(args, "file", "", "where to write the trace");
        uint64_t ring = panda_parse_uint64_opt(args, "ring", 0, "TBs whose registers PATH.ring keeps");
        uint64_t lead = panda_parse_uint64_opt(args, "lead", 0, "with ring: the TB entries the run writes until the ring's reader raises the limit");
        tt.no_pcs = panda_parse_uint64_opt(args, "pcs", 1, "1: a replay trace holds each TB's PC, 0: not") == 0;
        bool ok = tt_open(mode, file);
        if (ok) tt_ring_open(ring, lead);
        panda_free_args(args);
        if (!ok) { tt.done = true; return; }
    } else if (rr_off()) {
        /* end_record or the replay's end ran between the last TB and this one */
        tt_finish(TT_END_COMPLETE, tt.last_count);
        return;
    }
    CPUArchState *env = cpu->env_ptr;
    uint64_t count = rr_get_guest_instr_count();
    if (tt.limit && tt.entries >= *tt.limit) tt_hold();
    uint64_t pc = (uint64_t) tb->pc;
    uint64_t g[TT_GENERAL_WORDS], sys[TT_NREGS];
    int ng = tt_general_words(env, pc, g), ns = tt_sys_words(env, sys);
    uint64_t ht = tlb_check ? tt_tlb(env) : tt.tlb_hash;
    if (tt.done) return;
    uint64_t hg = tt_hash(g, ng, 1), hs = tt_hash(sys, ns, 2);
    uint32_t summary = (uint32_t) tt_fold16(hg) | (uint32_t) tt_fold8(hs) << 16 | (uint32_t) tt_fold8(ht) << 24;

    if (tt.have_last && count == tt.last_count && pc == tt.last_pc) {
        /* the same TB again at the same count: it is one entry, the last state wins */
        uint8_t *p = tt_at(tt.last_entry_pos);
        p += (*p == TT_TAG_LONG) ? 5 : 1;
        tt_put32(&p, summary);
        if (tt.last_full_pos != UINT64_MAX) tt_full(tt.last_full_pos, count, pc, env, hg, hs, ht);
        if (tt.ring) tt_ring_put(tt.entries, count, pc, env);
        return;
    }
    if (!tt_room(TT_MAX_ITEM)) return;
    int64_t period = (int64_t) (count >> TT_PERIOD_LOG2);
    tt.last_full_pos = UINT64_MAX;
    if (period > tt.last_period) {
        tt.last_period = period;
        tt.last_full_pos = tt.pos;
        tt_full(tt.pos, count, pc, env, hg, hs, ht);
        tt.pos += TT_FULL_SIZE(TT_NREGS);
    }
    uint64_t delta = tt.have_last ? count - tt.last_count : 0;
    uint8_t *p = tt_at(tt.pos);
    if (tt.mode == TT_MODE_REPLAY && !tt.no_pcs) {
        /* a replay begins TBs where the record run did not (PANDA ends a TB at the next logged
           event): its PC tells a TB that goes on with the same code from one that went elsewhere */
        tt_put8(&p, TT_TAG_PC);
        tt_put16(&p, 8);
        tt_put64(&p, pc);
        tt.pos = (uint64_t) (p - tt.map) + tt.map_off;
    }
    tt.last_entry_pos = tt.pos;
    if (delta <= TT_DELTA_MAX) {
        tt_put8(&p, (uint8_t) (delta + 1));
    } else {
        tt_put8(&p, TT_TAG_LONG);
        tt_put32(&p, (uint32_t) delta);
    }
    tt_put32(&p, summary);
    tt.pos = (uint64_t) (p - tt.map) + tt.map_off;
    tt.last_count = count;
    tt.last_pc = pc;
    tt.have_last = true;
    tt.entries++;
    if (tt.ring) tt_ring_put(tt.entries, count, pc, env);
    /* final: all before this entry, or before its full record (a TB again at one (pc, count)
       rewrites both) */
    tt_commit(tt.last_full_pos != UINT64_MAX ? tt.last_full_pos : tt.last_entry_pos);
}

static void tt_tb_start(void *opaque) { tt_tb(opaque, false); }
static void tt_tb_start_tlbw(void *opaque) { tt_tb(opaque, true); }

/* Whether the TB being translated calls a TLB write helper: its TCG ops as the target's
 * translator left them (a call op's arguments: outputs, inputs, then the function, tcg/tcg.c
 * tcg_gen_callN). */
static bool tt_tb_writes_tlb(void) {
#if TT_HAS_TLB
    TCGOp *op;
    for (int oi = tcg_ctx.gen_op_buf[0].next; oi != 0; oi = op->next) {
        op = &tcg_ctx.gen_op_buf[oi];
        if (op->opc != INDEX_op_call) continue;
        uintptr_t f = (uintptr_t) tcg_ctx.gen_opparam_buf[op->args + op->callo + op->calli];
        if (f == (uintptr_t) helper_tlbwi || f == (uintptr_t) helper_tlbwr
            || f == (uintptr_t) helper_tlbinv || f == (uintptr_t) helper_tlbinvf) return true;
    }
#endif
    return false;
}

static void before_tcg_codegen(CPUState *cpu, TranslationBlock *tb) {
    bool tlbw = tt_tb_writes_tlb();
    TCGOp *op = find_first_guest_insn();
    if (op) insert_call_1p(&op, tlbw ? tt_tb_start_tlbw : tt_tb_start, tb);
}

bool init_plugin(void *self) {
    tt_hash_init();
    panda_cb pcb = { .before_tcg_codegen = before_tcg_codegen };
    panda_register_callback(self, PANDA_CB_BEFORE_TCG_CODEGEN, pcb);
    return true;
}

void uninit_plugin(void *self) {
    /* PANDA is ending: after end_record or the replay's end (no TB ran since), or in the middle */
    if (tt.fd >= 0 && !tt.done) tt_finish(rr_off() ? TT_END_COMPLETE : TT_END_UNFINISHED, tt.last_count);
}
