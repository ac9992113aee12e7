/*
 * MIPS R4K-style software-refilled TLB (16 entries, 4 KiB pages, even/odd
 * pairs), QEMU's r4k_tlb_t layout in env->tlb->mmu.r4k.tlb[].
 *
 * kseg0/kseg1 map directly; kuseg and kseg2 only through the TLB, so a kuseg
 * address missing from the TLB is unmapped (panda_virt_to_phys answers -1)
 * until the guest's refill handler runs.  A small direct-mapped "fast table"
 * (QEMU's softmmu TLB in spirit) caches host pointers for kuseg pages; it is
 * flushed whenever the TLB or the ASID changes.
 */
#include <string.h>
#include "minipanda.h"

MPFastEntry mp_fast_read[MP_FAST_SIZE], mp_fast_write[MP_FAST_SIZE];

void mp_fast_flush(void)
{
    for (int i = 0; i < MP_FAST_SIZE; i++) {
        mp_fast_read[i].tag = 0xffffffffu;
        mp_fast_write[i].tag = 0xffffffffu;
    }
}

/* Invalidate every entry the way QEMU does: unique, never-matching kseg0 VPNs. */
void mp_tlb_flush(void)
{
    CPUMIPSTLBContext *t = CP0.tlb;
    for (uint32_t i = 0; i < t->nb_tlb; i++) {
        r4k_tlb_t *e = &t->mmu.r4k.tlb[i];
        memset(e, 0, sizeof *e);
        e->VPN = 0x80000000u + i * 0x2000u;
    }
    mp_fast_flush();
}

void mp_tlb_reset(void)
{
    CPUMIPSTLBContext *t = CP0.tlb;
    memset(t, 0, sizeof *t);
    t->nb_tlb = MP_TLB_ENTRIES;
    t->tlb_in_use = MP_TLB_ENTRIES;
    CP0.CP0_Random = MP_TLB_ENTRIES - 1;
    CP0.CP0_Wired = 0;
    mp_tlb_flush();
}

/* tlbwi/tlbwr: fill entry index from EntryHi, PageMask, EntryLo0/1. */
void mp_tlb_write(int index)
{
    r4k_tlb_t *e = &CP0.tlb->mmu.r4k.tlb[index];
    uint32_t lo0 = CP0.CP0_EntryLo0, lo1 = CP0.CP0_EntryLo1;
    memset(e, 0, sizeof *e);
    e->VPN = CP0.CP0_EntryHi & ~(target_ulong)0x1fff;
    e->PageMask = CP0.CP0_PageMask;
    e->ASID = CP0.CP0_EntryHi & 0xff;
    e->G = lo0 & lo1 & 1;
    e->C0 = (lo0 >> 3) & 7;
    e->C1 = (lo1 >> 3) & 7;
    e->V0 = (lo0 >> 1) & 1;
    e->V1 = (lo1 >> 1) & 1;
    e->D0 = (lo0 >> 2) & 1;
    e->D1 = (lo1 >> 2) & 1;
    e->PFN[0] = (target_ulong)((lo0 >> 6) & 0xfffff) << 12;
    e->PFN[1] = (target_ulong)((lo1 >> 6) & 0xfffff) << 12;
    mp_fast_flush();
}

/* 0 mapped (*pa set), 1 refill miss, 2 invalid entry, 3 store to clean page */
int mp_tlb_lookup(uint32_t va, int is_write, hwaddr *pa)
{
    CPUMIPSTLBContext *t = CP0.tlb;
    uint8_t asid = CP0.CP0_EntryHi & 0xff;
    for (uint32_t i = 0; i < t->nb_tlb; i++) {
        r4k_tlb_t *e = &t->mmu.r4k.tlb[i];
        if ((e->VPN & 0xffffe000u) != (va & 0xffffe000u) || (!e->G && e->ASID != asid))
            continue;
        int odd = (va >> 12) & 1;
        if (!(odd ? e->V1 : e->V0))
            return 2;
        if (is_write && !(odd ? e->D1 : e->D0))
            return 3;
        *pa = e->PFN[odd] | (va & 0xfff);
        return 0;
    }
    return 1;
}

/* PANDA: guest virtual -> physical under the current mappings, -1 if none. */
MP_API hwaddr panda_virt_to_phys(CPUState *cpu, target_ulong addr)
{
    uint32_t va = (uint32_t)addr;
    hwaddr pa;
    (void)cpu;
    if ((uint64_t)addr > 0xffffffffu)
        return (hwaddr)-1;
    if (va >= 0x80000000u && va < 0xc0000000u)
        return va & 0x1fffffff;
    if (mp_tlb_lookup(va, 0, &pa) != 0)
        return (hwaddr)-1;
    return pa;
}
