/*
 * Injectable replay bugs (-demo-bug KIND@N), applied in replay only, so the
 * first divergence between a recording and its replay is known exactly.
 * Each writes one ground-truth line to stderr when it fires:
 *   mini-panda: injected KIND bug at guest instruction C
 * C is the count of the TB boundary where replay state first differs from
 * record: tlb/reg/ram fire at the first boundary with count >= N, before that
 * boundary's cpu_loop_exec_tb; irq fires at the first logged interrupt with
 * count >= N (always a boundary), which is then raised one TB later.
 *   tlb: invalidate the whole TLB (record kept its entries)
 *   reg: flip bit 3 of guest register 7 (a3, the accumulator: always live)
 *   ram: flip bit 16 of the data word 64 bytes ahead of the guest's data
 *        pointer (v0), which the guest reads within a few iterations
 *   irq: deliver the next logged interrupt one TB late (the first with
 *        count >= N that the CPU would take at once at its boundary)
 * N must lie after the guest's first instructions (N >= 16): before that
 * the TLB is empty and a3 not yet written, so tlb and reg would change
 * nothing.  A bug too close to the end of the recording (no port read left
 * after the changed timing) may let the replay finish cleanly.
 * All four make a later port read happen at another count, so the replay
 * ends in PANDA's failure text and abort().
 */
#include <stdlib.h>
#include <string.h>
#include "minipanda.h"

enum { BUG_NONE, BUG_TLB, BUG_REG, BUG_RAM, BUG_IRQ };
static int bug_kind;
static uint64_t bug_n;
uint64_t mp_bug_at = UINT64_MAX;
int mp_bug_irq_pending;
static int irq_armed, irq_line;
static uint64_t irq_from;

int mp_bug_parse(const char *spec)
{
    const char *at = strchr(spec, '@');
    char *end;
    if (!at || at[1] == '\0')
        return -1;
    size_t len = at - spec;
    if (len == 3 && !strncmp(spec, "tlb", 3)) bug_kind = BUG_TLB;
    else if (len == 3 && !strncmp(spec, "reg", 3)) bug_kind = BUG_REG;
    else if (len == 3 && !strncmp(spec, "ram", 3)) bug_kind = BUG_RAM;
    else if (len == 3 && !strncmp(spec, "irq", 3)) bug_kind = BUG_IRQ;
    else return -1;
    bug_n = strtoull(at + 1, &end, 0);
    if (*end != '\0')
        return -1;
    return 0;
}

/* Called by main once replay is set up. */
void mp_bug_arm(void)
{
    if (bug_kind == BUG_IRQ)
        irq_armed = 1;
    else if (bug_kind != BUG_NONE)
        mp_bug_at = bug_n;
}

static void report(const char *kind, uint64_t count)
{
    fflush(stdout);
    fprintf(stderr, "mini-panda: injected %s bug at guest instruction %" PRIu64 "\n", kind, count);
    fflush(stderr);
}

void mp_bug_fire(uint64_t count)
{
    mp_bug_at = UINT64_MAX;
    if (rr_mode != RR_REPLAY)
        return;
    switch (bug_kind) {
    case BUG_TLB:
        mp_tlb_flush();
        report("tlb", count);
        break;
    case BUG_REG:
        *mp_reg_ptr(mp_guest_reg_index_of_acc()) ^= 1u << 3;
        report("reg", count);
        break;
    case BUG_RAM: {
        uint32_t size = MP_DATA_PAGES * MP_PAGE_SIZE;
        uint32_t v0 = (uint32_t)*mp_reg_ptr(2);
        uint32_t off = (v0 >= MP_DATA_VA && v0 <= MP_DATA_VA + size) ? v0 - MP_DATA_VA : 0;
        off = ((off + 64) % size) & ~3u;
        uint8_t *p = guest_ram + MP_DATA_PHYS + off;
        mp_st32(p, mp_ld32(p) ^ 0x00010000u);
        report("ram", count);
        break;
    }
    default:
        break;
    }
}

int mp_bug_irq_defer(int line, uint64_t count)
{
    if (!irq_armed || count < bug_n || rr_mode != RR_REPLAY)
        return 0;
    /* only an interrupt the CPU takes right at this boundary: delaying one
       that waits for eret anyway would change nothing the guest can see */
    if (!(CP0.CP0_Status & ST_IE) || (CP0.CP0_Status & ST_EXL) ||
        !(CP0.CP0_Status & (1u << (8 + line))) || (CP0.hflags & MIPS_HFLAG_B))
        return 0;
    irq_armed = 0;
    irq_line = line;
    irq_from = count;
    mp_bug_irq_pending = 1;
    report("irq", count);
    return 1;
}

void mp_bug_irq_boundary(uint64_t count)
{
    if (count > irq_from) {
        mp_bug_irq_pending = 0;
        mp_irq_raise(irq_line);
    }
}
