/*
 * State checksums (PANDA's rr_checksum_*) and the QEMU memory-API shapes
 * diverge.py uses to reach guest RAM from gdb:
 *   memory_region_find(get_system_memory(), 0x2000000, 1).mr->ram_block->host
 * plus the plain globals guest_ram and ram_size.  All crc32s are zlib's.
 */
#include <string.h>
#include <zlib.h>
#include "minipanda.h"

static MemoryRegion system_memory = { .name = "system" };
static MemoryRegion ram_mr = { .name = "mips_malta.ram", .ram = 1 };
static RAMBlock ram_block;

void mp_memory_init(void)
{
    ram_block.mr = &ram_mr;
    ram_block.host = guest_ram;
    ram_block.offset = 0;
    ram_block.used_length = ram_block.max_length = ram_size;
    strcpy(ram_block.idstr, "mips_malta.ram");
    ram_mr.size = ram_size;
    ram_mr.ram_block = &ram_block;
    system_memory.size = 1ull << 32;
}

MP_API MemoryRegion *get_system_memory(void)
{
    return &system_memory;
}

/* Only RAM exists as a region: any address inside it finds the RAM region. */
MP_API MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr, uint64_t size)
{
    MemoryRegionSection s;
    memset(&s, 0, sizeof s);
    (void)mr;
    if (addr + size <= ram_size) {
        s.mr = &ram_mr;
        s.offset_within_region = addr;
        s.offset_within_address_space = addr;
        s.size = size;
    }
    return s;
}

MP_API uint32_t rr_checksum_memory(void)
{
    uLong crc = crc32(0, Z_NULL, 0);
    uint64_t done = 0;
    while (done < ram_size) {          /* zlib's length is 32-bit */
        uint64_t chunk = ram_size - done > 0x40000000u ? 0x40000000u : ram_size - done;
        crc = crc32(crc, guest_ram + done, (uInt)chunk);
        done += chunk;
    }
    return (uint32_t)crc;
}

MP_API uint32_t rr_checksum_ram(void)
{
    return rr_checksum_memory();
}

/* crc32 of the visible guest register array, then the PC (PANDA's recipe) */
MP_API uint32_t rr_checksum_regs(void)
{
    CPUArchState *env = (CPUArchState *)cpus.tqh_first->env_ptr;
    uLong crc = crc32(0, Z_NULL, 0);
#if defined(TARGET_ARCH_MIPS)
    crc = crc32(crc, (const Bytef *)env->active_tc.gpr, sizeof env->active_tc.gpr);
    crc = crc32(crc, (const Bytef *)&env->active_tc.PC, sizeof env->active_tc.PC);
#elif defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
    crc = crc32(crc, (const Bytef *)env->regs, sizeof env->regs);
    crc = crc32(crc, (const Bytef *)&env->eip, sizeof env->eip);
#elif defined(TARGET_ARCH_ARM)
    crc = crc32(crc, (const Bytef *)env->regs, sizeof env->regs);
#elif defined(TARGET_ARCH_AARCH64)
    crc = crc32(crc, (const Bytef *)env->xregs, sizeof env->xregs);
    crc = crc32(crc, (const Bytef *)&env->pc, sizeof env->pc);
#elif defined(TARGET_ARCH_PPC)
    crc = crc32(crc, (const Bytef *)env->gpr, sizeof env->gpr);
    crc = crc32(crc, (const Bytef *)&env->nip, sizeof env->nip);
#endif
    return (uint32_t)crc;
}

#if defined(TARGET_ARCH_MIPS)
/* crc32 over the TLB entries' fields (not raw bytes: bitfield padding) */
MP_API uint32_t rr_checksum_tlb(void)
{
    CPUMIPSTLBContext *t = ((CPUMIPSState *)cpus.tqh_first->env_ptr)->tlb;
    uLong crc = crc32(0, Z_NULL, 0);
    for (uint32_t i = 0; i < t->nb_tlb; i++) {
        r4k_tlb_t *e = &t->mmu.r4k.tlb[i];
        uint32_t w[8] = { (uint32_t)e->VPN, e->PageMask, e->ASID,
                          e->G | e->V0 << 1 | e->V1 << 2 | e->D0 << 3 | e->D1 << 4,
                          e->C0 | e->C1 << 3, (uint32_t)e->PFN[0], (uint32_t)e->PFN[1], 0 };
        crc = crc32(crc, (const Bytef *)w, sizeof w);
    }
    return (uint32_t)crc;
}
#endif
