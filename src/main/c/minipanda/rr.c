/*
 * Record/replay of nondeterministic inputs, after PANDA's rr_log.c.
 *
 * Record writes NAME-rr-nondet.log as it goes, as PANDA does (rr_create_record_log writes a
 * header of 0 and rr_write_item each item as it is logged; rr_destroy_log rewrites the header
 * at end_record), so the log of a record run still running reads as PANDA's does: header 0, the
 * items so far.  Each item is written whole at its own offset (pwrite, no FILE buffer), because
 * gdb's `checkpoint` forks the process: a fork sharing the file's offset, or a copy of a FILE
 * buffer written out again by a fork, would put items twice; a record run gone back to a
 * checkpoint writes the same items at the same offsets again.  Replay reads the snapshot and the
 * whole log at rr_do_begin_replay.
 *
 * NAME-rr-nondet.log is PANDA's binary format (rr_log.c of the notes' branch: rr_write_item,
 * :280-386; rr_destroy_log rewrites the header at the end, :1280-1345), little-endian:
 *   u64 header: the guest instruction count of the last item (RR_END_OF_LOG's)
 *   per item: u64 guest_instr_count, u8 kind (RR_log_entry_kind), u8 callsite (RR_callsite_id,
 *   PANDA's numbers), then the kind's payload:
 *     RR_INPUT_8 RR_CALLSITE_IO_READ_ALL  u64  an MMIO read of the clock or the UART's receive
 *                                              register (cputlb.c's io_readx logs every MMIO read so;
 *                                              0xffffffff: receive FIFO empty)
 *     RR_INTERRUPT_REQUEST RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE  i32  the Cause.IP line raised
 *                                              (7 timer, 2 console; QEMU logs cpu->interrupt_request
 *                                              here, mini-PANDA the line it stands for)
 *     RR_END_OF_LOG RR_CALLSITE_END_OF_LOG     (none)
 * C is the number of guest instructions executed before the event.  Inputs
 * are consumed by the guest's load of the port at exactly that count;
 * interrupt requests are raised at the TB boundary at that count (the icount
 * budget ends TBs there).  A replay fails like PANDA's:
 *   - a port read whose next log entry is not that input at this count:
 *     "RR rr_assertion `current_item' failed at minipanda/rr.c:LINE" (abort);
 *   - a log entry the guest passed without consuming it:
 *     "FOUND DISAGREEMENT!" then rr_do_end_replay(1) (abort).
 *
 * NAME-rr-snp is text too: the parameters that regenerate the start state
 * (arch, ram_size, seed, instrs) and crc32s of RAM and registers to verify it.
 */
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <time.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include "minipanda.h"

volatile RR_mode rr_mode = RR_OFF;
uint64_t mp_record_length = 1000000;
uint64_t mp_seed = 0x5eed;
int mp_record_started;
const char *mp_progname = "panda-system-" MP_ARCH_NAME;
uint64_t mp_rr_next_check = UINT64_MAX;

typedef enum {
    RR_INPUT_1, RR_INPUT_2, RR_INPUT_4, RR_INPUT_8, RR_INTERRUPT_REQUEST,
    RR_EXIT_REQUEST, RR_SKIPPED_CALL, RR_END_OF_LOG, RR_PENDING_INTERRUPTS,
    RR_EXCEPTION, RR_LAST
} RR_log_entry_kind;

static const char *const log_entry_kind_str[RR_LAST] = {
    "RR_INPUT_1", "RR_INPUT_2", "RR_INPUT_4", "RR_INPUT_8", "RR_INTERRUPT_REQUEST",
    "RR_EXIT_REQUEST", "RR_SKIPPED_CALL", "RR_END_OF_LOG", "RR_PENDING_INTERRUPTS",
    "RR_EXCEPTION",
};
/* RR_callsite_id (rr_log_all.h's FOREACH_CALLSITE): the numbers mini-PANDA writes, by name */
static const char *callsite_name(int callsite)
{
    switch (callsite) {
    case RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE: return "RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE";
    case RR_CALLSITE_IO_READ_ALL: return "RR_CALLSITE_IO_READ_ALL";
    case RR_CALLSITE_END_OF_LOG: return "RR_CALLSITE_END_OF_LOG";
    default: return "RR_CALLSITE_?";
    }
}

/* payload bytes of each kind mini-PANDA writes (rr_write_item); -1: a kind it never writes */
static int payload_bytes(int kind)
{
    switch (kind) {
    case RR_INPUT_8: return 8;
    case RR_INTERRUPT_REQUEST: return 4;
    case RR_END_OF_LOG: return 0;
    default: return -1;
    }
}

typedef struct RR_entry {
    uint64_t count;
    uint8_t kind;
    uint8_t callsite;
    uint64_t value;
} RR_entry;

static RR_entry *rr_log;
static size_t rr_log_len, rr_log_cap, rr_head;
static size_t *rr_next_async_idx;   /* replay: first non-input entry at or after i */
static char *rr_log_name;           /* path of NAME-rr-nondet.log */
static int rr_log_fd = -1;          /* record: the log being written */
static off_t rr_log_bytes;          /* record: where the next item goes (the bytes written so far) */
static uint64_t rr_last_count;      /* replay: count of RR_END_OF_LOG */
static unsigned long long rr_number_of_log_entries[RR_LAST];
static unsigned long long rr_size_of_log_entries[RR_LAST];
static uint64_t next_progress_count = UINT64_MAX;
static unsigned next_progress_pct;
static time_t rr_start_time;
static uint64_t next_timer = UINT64_MAX;
static uint64_t timer_prng;

MP_API uint64_t rr_get_guest_instr_count(void)
{
    return cpus.tqh_first->rr_guest_instr_count;
}

/* pwrite all of buf at off, or exit naming the log (PANDA's rr_fwrite asserts the same) */
static void rr_log_write(const void *buf, size_t len, off_t off)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(rr_log_fd, p, len, off);
        if (n <= 0) {
            fprintf(stderr, "mini-panda: cannot write %s\n", rr_log_name);
            exit(1);
        }
        p += n; len -= (size_t)n; off += n;
    }
}

/* rr_write_item's bytes for e (x86-64 and every host mini-PANDA builds on are little-endian, as PANDA's log is) */
static size_t rr_item_bytes(const RR_entry *e, unsigned char *buf)
{
    size_t n = 0;
    memcpy(buf, &e->count, 8); n += 8;
    buf[n++] = e->kind;
    buf[n++] = e->callsite;
    if (e->kind == RR_INPUT_8) {
        memcpy(buf + n, &e->value, 8); n += 8;
    } else if (e->kind == RR_INTERRUPT_REQUEST) {
        int32_t v = (int32_t)e->value;
        memcpy(buf + n, &v, 4); n += 4;
    }
    return n;
}

static void rr_append(uint64_t count, int kind, int callsite, uint64_t value)
{
    if (rr_log_len == rr_log_cap) {
        rr_log_cap = rr_log_cap ? rr_log_cap * 2 : 4096;
        rr_log = realloc(rr_log, rr_log_cap * sizeof *rr_log);
        if (!rr_log) { fprintf(stderr, "mini-panda: out of memory for the log\n"); exit(1); }
    }
    rr_log[rr_log_len++] = (RR_entry){ count, (uint8_t)kind, (uint8_t)callsite, value };
    if (rr_mode == RR_RECORD && rr_log_fd >= 0) {
        unsigned char buf[32];
        size_t n = rr_item_bytes(&rr_log[rr_log_len - 1], buf);
        rr_log_write(buf, n, rr_log_bytes);
        rr_log_bytes += (off_t)n;
    }
}

/* PANDA prints program points with qemu_log, i.e. to stderr */
static void rr_spit_prog_point(uint64_t count)
{
    fflush(stdout);
    fprintf(stderr, "{guest_instr_count=%llu}\n", (unsigned long long)count);
    fflush(stderr);
}

static void rr_signal_disagreement(uint64_t current, uint64_t recorded)
{
    printf("FOUND DISAGREEMENT!\n");
    printf("Replay program point:\n");
    rr_spit_prog_point(current);
    printf("\n");
    printf("Record program point:\n");
    rr_spit_prog_point(recorded);
    printf("\n");
    if (current != recorded)
        printf(">>> guest instruction counts disagree\n");
    fflush(stdout);
}

static void rr_assert_fail(const char *exp, const char *file, int line, uint64_t current)
{
    printf("RR rr_assertion `%s' failed at %s:%d\n", exp, file, line);
    printf("Current log point:\n");
    if (rr_head < rr_log_len) {
        rr_spit_prog_point(rr_log[rr_head].count);
        printf("Next log entry type: %s\n", log_entry_kind_str[rr_log[rr_head].kind]);
    } else {
        printf("<queue empty>\n");
    }
    printf("Current replay point:\n");
    rr_spit_prog_point(current);
    fflush(stdout);
    abort();
}

uint64_t mp_rr_io_read(uint64_t live_value, uint64_t count)
{
    const int callsite = RR_CALLSITE_IO_READ_ALL;
    if (rr_mode == RR_RECORD) {
        rr_append(count, RR_INPUT_8, callsite, live_value);
        return live_value;
    }
    if (rr_mode == RR_REPLAY) {
        RR_entry *current_item = NULL;
        if (rr_head < rr_log_len && rr_log[rr_head].count == count &&
            rr_log[rr_head].kind == RR_INPUT_8 && rr_log[rr_head].callsite == callsite)
            current_item = &rr_log[rr_head];
        if (!current_item)
            rr_assert_fail("current_item", __FILE__, __LINE__, count);
        rr_head++;
        return current_item->value;
    }
    return live_value;
}

void mp_rr_record_interrupt(int line, uint64_t count)
{
    if (rr_mode == RR_RECORD)
        rr_append(count, RR_INTERRUPT_REQUEST, RR_CALLSITE_CPU_HANDLE_INTERRUPT_BEFORE, (uint64_t)line);
}

uint64_t mp_rr_next_async(void)
{
    if (rr_mode == RR_RECORD)
        return next_timer;
    if (rr_mode == RR_REPLAY && rr_head < rr_log_len)
        return rr_log[rr_next_async_idx[rr_head]].count;
    return UINT64_MAX;
}

static void replay_progress(void)
{
    struct rusage rusage;
    getrusage(RUSAGE_SELF, &rusage);
    struct timeval *tv = &rusage.ru_utime;
    float secs = ((float)tv->tv_sec * 1000000 + (float)tv->tv_usec) / 1000000.0;
    char *dup = strdup(rr_log_name);
    char *name = basename(dup);
    char *dot = strrchr(name, '.');
    if (dot && dot - name > 10)
        *(dot - 10) = '\0';            /* strip "-rr-nondet" */
    printf("%s:  %10" PRIu64 " (%6.2f%%) instrs. %7.2f sec. %5.2f GB ram.\n",
           name, rr_get_guest_instr_count(),
           (rr_get_guest_instr_count() * 100.0) / (rr_last_count ? rr_last_count : 1),
           secs, rusage.ru_maxrss / 1024.0 / 1024.0);
    fflush(stdout);
    free(dup);
}

static void set_next_check(void)
{
    if (rr_mode == RR_RECORD) {
        mp_rr_next_check = next_timer;
    } else if (rr_mode == RR_REPLAY) {
        uint64_t c = rr_head < rr_log_len ? rr_log[rr_head].count : UINT64_MAX;
        mp_rr_next_check = c < next_progress_count ? c : next_progress_count;
    } else {
        mp_rr_next_check = UINT64_MAX;
    }
}

static void schedule_timer(uint64_t now)
{
    next_timer = now + 2000 + mp_prng_next(&timer_prng) % 6000;
}

/* Runs at a TB boundary once the count reaches mp_rr_next_check. */
void mp_rr_boundary(uint64_t count)
{
    if (rr_mode == RR_RECORD) {
        if (count >= next_timer) {
            mp_rr_record_interrupt(MP_IRQ_TIMER, count);
            mp_irq_raise(MP_IRQ_TIMER);
            schedule_timer(count);
        }
    } else if (rr_mode == RR_REPLAY) {
        while (count >= next_progress_count) {
            replay_progress();
            next_progress_pct += 1;
            next_progress_count = next_progress_pct >= 100 ? UINT64_MAX
                                  : rr_last_count * next_progress_pct / 100;
        }
        while (rr_head < rr_log_len && rr_log[rr_head].count <= count) {
            RR_entry *e = &rr_log[rr_head];
            if (e->count < count) {
                /* the guest went past this entry without consuming it (rr_log_all.h:282-288) */
                printf("Ahead of log while looking for log entry of type %s\n", log_entry_kind_str[RR_INTERRUPT_REQUEST]);
                rr_spit_prog_point(e->count);
                printf("\t%s from %s\n", log_entry_kind_str[e->kind], callsite_name(e->callsite));
                rr_signal_disagreement(count, e->count);
                rr_do_end_replay(1);
            }
            if (e->kind == RR_INTERRUPT_REQUEST) {
                rr_head++;
                if (!mp_bug_irq_defer((int)e->value, count))
                    mp_irq_raise((int)e->value);
                continue;
            }
            if (e->kind == RR_END_OF_LOG) {
                rr_do_end_replay(0);
                return;
            }
            break;    /* an input the next instruction must read */
        }
    }
    set_next_check();
}

static void split_name(const char *full, char *snp, char *log, size_t sz)
{
    char *p = strdup(full), *b = strdup(full);
    snprintf(snp, sz, "%s/%s-rr-snp", dirname(p), basename(b));
    free(p); free(b);
    p = strdup(full); b = strdup(full);
    snprintf(log, sz, "%s/%s-rr-nondet.log", dirname(p), basename(b));
    free(p); free(b);
}

static void reset_counters(CPUState *cpu)
{
    cpu->rr_guest_instr_count = 0;
    cpu->icount_decr.u32 = 0;
    cpu->icount_extra = 0;
    timers_state.qemu_icount = 0;
    rr_log_len = rr_head = 0;
    memset(rr_number_of_log_entries, 0, sizeof rr_number_of_log_entries);
    memset(rr_size_of_log_entries, 0, sizeof rr_size_of_log_entries);
}

MP_API int rr_do_begin_record(const char *file_name_full, CPUState *cpu_state)
{
    char snp[1024], log[1024];
    split_name(file_name_full, snp, log, sizeof snp);
    printf("writing snapshot:\t%s\n", snp);
    FILE *f = fopen(snp, "w");
    if (!f) {
        fprintf(stderr, "mini-panda: cannot write snapshot %s\n", snp);
        return -1;
    }
    fprintf(f, "mini-panda snapshot 1\narch %s\nram_size %" PRIu64 "\nseed %" PRIu64
               "\ninstrs %" PRIu64 "\nram_crc32 0x%08x\nregs_crc32 0x%08x\n",
            MP_ARCH_NAME, (uint64_t)ram_size, mp_seed, mp_record_length,
            rr_checksum_memory(), rr_checksum_regs());
    fclose(f);
    time(&rr_start_time);
    printf("opening nondet log for write:\t%s\n", log);
    fflush(stdout);
    free(rr_log_name);
    rr_log_name = strdup(log);
    /* rr_create_record_log: fopen "w", then the header, 0 until rr_destroy_log rewrites it */
    if (rr_log_fd >= 0)
        close(rr_log_fd);
    rr_log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (rr_log_fd < 0) {
        fprintf(stderr, "mini-panda: cannot write %s\n", log);
        return -1;
    }
    uint64_t header = 0;
    rr_log_write(&header, sizeof header, 0);
    rr_log_bytes = sizeof header;
    reset_counters(cpu_state);
    timer_prng = mp_seed ^ 0x71e3;
    schedule_timer(0);
    rr_mode = RR_RECORD;
    mp_record_started = 1;
    set_next_check();
    return 0;
}

MP_API void rr_do_end_record(void)
{
    if (rr_mode != RR_RECORD)
        return;
    uint64_t end = rr_get_guest_instr_count();
    rr_append(end, RR_END_OF_LOG, RR_CALLSITE_END_OF_LOG, 0);
    /* rr_destroy_log: the header rewritten with the last item's count; a longer run gone back
     * from (a checkpoint restored) leaves nothing past this run's last item */
    rr_log_write(&end, sizeof end, 0);
    if (ftruncate(rr_log_fd, rr_log_bytes) != 0 || close(rr_log_fd) != 0) {
        fprintf(stderr, "mini-panda: cannot write %s\n", rr_log_name);
        exit(1);
    }
    rr_log_fd = -1;
    time_t rr_end_time;
    time(&rr_end_time);
    printf("Time taken was: %ld seconds.\n", (long)(rr_end_time - rr_start_time));
    printf("Checksum of guest memory: %#08x\n", rr_checksum_memory());
    rr_mode = RR_OFF;
    next_timer = UINT64_MAX;
    set_next_check();
    /* vl.c:2008-2016: the main loop says so once end_record is done */
    printf("Recording ready for use.\n");
    fflush(stdout);
}

/* QEMU's error_report (util/qemu-error.c): "PROGRAM: message" on stderr */
static void error_report(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", mp_progname);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

/*
 * PANDA's rr_do_begin_replay (rr_log.c:1605-1687 on the notes' branch) and what it prints when
 * the recording cannot be loaded, measured on the real panda-system-mips:
 *   - no NAME-rr-snp: "loading snapshot", "... snapshot file doesn't exist?", abort();
 *   - a snapshot QEMU cannot load: qemu_loadvm_state's reason through error_report
 *     ("panda-system-mips: Not a migration stream", "...: Missing section footer for
 *     cpu_common", "...: Length mismatch: mips_malta.ram: ..."), then "Failed to load vmstate"
 *     on stderr; rr_do_begin_replay returns it, vl.c prints "Failed to start replay" and exit(1);
 *   - no NAME-rr-nondet.log: rr_assert(rr_nondet_log->fp != NULL) fails (rr_log.c:1316), abort().
 * mini-PANDA's snapshot is text; its reasons are QEMU's words for the nearest cause.
 */
MP_API int rr_do_begin_replay(const char *file_name_full, CPUState *cpu_state)
{
    char snp[1024], log[1024], line[512];
    split_name(file_name_full, snp, log, sizeof snp);
    printf("loading snapshot\n");
    FILE *f = fopen(snp, "r");
    if (!f) {
        printf("... snapshot file doesn't exist?\n");
        fflush(stdout);
        abort();
    }
    uint64_t rsz = 0, seed = 0, instrs = 0;
    unsigned ram_crc = 0, regs_crc = 0;
    char arch[32] = "";
    int magic = fgets(line, sizeof line, f) && !strcmp(line, "mini-panda snapshot 1\n");
    while (magic && fgets(line, sizeof line, f)) {
        sscanf(line, "arch %31s", arch);
        sscanf(line, "ram_size %" SCNu64, &rsz);
        sscanf(line, "seed %" SCNu64, &seed);
        sscanf(line, "instrs %" SCNu64, &instrs);
        sscanf(line, "ram_crc32 %x", &ram_crc);
        sscanf(line, "regs_crc32 %x", &regs_crc);
    }
    fclose(f);
    /* qemu_loadvm_state's reasons (migration/savevm.c) */
    int loaded = 0;
    if (!magic) {
        error_report("Not a migration stream%s", "");                              /* :1995 */
    } else if (arch[0] && strcmp(arch, MP_ARCH_NAME) != 0) {
        error_report("Machine type received is '%s' and local is '" MP_ARCH_NAME "'", arch); /* :315 */
    } else if (!arch[0] || rsz < MP_MIN_RAM || !regs_crc) {
        error_report("Missing section footer for %s", "ram");                     /* :1815, cut short */
    } else {
        mp_seed = seed;
        mp_record_length = instrs;
        mp_machine_init(rsz, seed);
        cpu_state = cpus.tqh_first;
        loaded = rr_checksum_memory() == ram_crc && rr_checksum_regs() == regs_crc;
        if (!loaded)
            error_report("error while loading state section id 4(%s)", "ram");    /* :1926 */
    }
    if (!loaded) {
        fprintf(stderr, "Failed to load vmstate\n");
        return -1;
    }
    printf("... done.\n");
    time(&rr_start_time);
    printf("opening nondet log for read :\t%s\n", log);
    fflush(stdout);
    f = fopen(log, "rb");
    if (!f)
        rr_assert_fail("rr_nondet_log->fp != NULL", __FILE__, __LINE__, 0);
    reset_counters(cpu_state);
    uint64_t header;
    if (fread(&header, sizeof header, 1, f) != 1) {
        fprintf(stderr, "mini-panda: %s: shorter than the log's 8-byte header\n", log);
        exit(1);
    }
    for (long at = ftell(f);; at = ftell(f)) {
        uint64_t count;
        uint8_t kc[2];
        if (fread(&count, sizeof count, 1, f) != 1)
            break;
        int payload = fread(kc, 1, 2, f) == 2 && kc[0] < RR_LAST ? payload_bytes(kc[0]) : -1;
        uint64_t v8 = 0;
        int32_t v4 = 0;
        if (payload < 0 || (payload == 8 && fread(&v8, 8, 1, f) != 1) || (payload == 4 && fread(&v4, 4, 1, f) != 1)) {
            fprintf(stderr, "mini-panda: %s: malformed log entry at byte %ld\n", log, at);
            exit(1);
        }
        rr_append(count, kc[0], kc[1], payload == 4 ? (uint64_t)(int64_t)v4 : v8);
        rr_number_of_log_entries[kc[0]]++;
        rr_size_of_log_entries[kc[0]] += 10 + (unsigned)payload;
    }
    fclose(f);
    if (!rr_log_len || rr_log[rr_log_len - 1].kind != RR_END_OF_LOG) {
        fprintf(stderr, "mini-panda: %s has no RR_END_OF_LOG entry\n", log);
        exit(1);
    }
    rr_last_count = rr_log[rr_log_len - 1].count;
    rr_next_async_idx = realloc(rr_next_async_idx, rr_log_len * sizeof *rr_next_async_idx);
    for (size_t i = rr_log_len; i-- > 0;)
        rr_next_async_idx[i] = rr_log[i].kind == RR_INPUT_8 ? rr_next_async_idx[i + 1] : i;
    free(rr_log_name);
    rr_log_name = strdup(log);
    /* rr_log.h:186-189: the total once, then a progress line every 1% */
    printf("%s:  %10" PRIu64 " instrs total.\n", rr_log_name, rr_last_count);
    fflush(stdout);
    next_progress_pct = 1;
    next_progress_count = rr_last_count / 100;
    rr_mode = RR_REPLAY;
    set_next_check();
    return 0;
}

/* The count at which the loaded replay log ends. */
uint64_t mp_rr_replay_end(void) { return rr_last_count; }

MP_API void rr_do_end_replay(int is_error)
{
    /* rr_log.c:1817-1858 (PANDA since commit e882db7bdb, 2019): the log-empty line, the stats,
       then one verdict; the memory checksum only in RR_DEBUG builds */
    if (rr_head + 1 >= rr_log_len) {
        printf("%s:  log is empty.\n", rr_log_name);
    } else {
        replay_progress();
    }
    if (is_error)
        printf("ERROR: replay failed!\n");
    time_t rr_end_time;
    time(&rr_end_time);
    printf("Time taken was: %ld seconds.\n", (long)(rr_end_time - rr_start_time));
    printf("Stats:\n");
    for (int i = 0; i < RR_LAST; i++)
        printf("%s number = %llu, size = %llu bytes\n", log_entry_kind_str[i],
               rr_number_of_log_entries[i], rr_size_of_log_entries[i]);
    printf("max_queue_len = %llu\n", (unsigned long long)rr_log_len);
    if (is_error)
        ;
    else if (rr_head + 1 == rr_log_len && rr_log[rr_head].kind == RR_END_OF_LOG)
        printf("Replay completed successfully\n");
    else
        printf("Replay terminated at user request.\n");
    fflush(stdout);
    rr_mode = RR_OFF;
    set_next_check();
    if (is_error)
        abort();
}
