/*
 * State checksums: the two PANDA has, rr_checksum_memory() and
 * rr_checksum_regs() (rr_log.c; no PANDA, upstream or the notes' branch
 * mips_serious_rec_attempt, has rr_checksum_ram() or rr_checksum_tlb(): only
 * the notes' text names them), and the QEMU memory-API shapes
 * diverge.py uses to reach guest RAM from gdb:
 *   memory_region_find(get_system_memory(), 0x2000000, 1).mr->ram_block->host
 * plus the plain globals guest_ram and ram_size.  All crc32s are zlib's.
 */
#include <string.h>
#include <zlib.h>
#include "minipanda.h"

static MemoryRegion system_memory = { .name = "system" };
#if defined(TARGET_ARCH_ARM) || defined(TARGET_ARCH_AARCH64)
/* ARM `virt': flash at 0, RAM from 0x40000000 (hw/arm/virt.c:152), so the
   0x2000000 that diverge.py looks up is flash, a region without RAM */
static MemoryRegion ram_mr = { .name = "mach-virt.ram", .ram = 1, .addr = 0x40000000 };
static MemoryRegion flash_mr = { .name = "virt.flash0", .ram = 0, .addr = 0, .size = 0x4000000 };
#else
static MemoryRegion ram_mr = { .name = "mips_malta.ram", .ram = 1 };
#endif
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

/* The regions of the board: RAM (and on ARM flash); an address finds the one holding it. */
MP_API MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr, uint64_t size)
{
    MemoryRegionSection s;
    memset(&s, 0, sizeof s);
    (void)mr;
    if (addr >= ram_mr.addr && addr + size <= ram_mr.addr + ram_size) {
        s.mr = &ram_mr;
        s.offset_within_region = addr - ram_mr.addr;
        s.offset_within_address_space = addr;
        s.size = size;
    }
#if defined(TARGET_ARCH_ARM) || defined(TARGET_ARCH_AARCH64)
    else if (addr + size <= flash_mr.size) {
        s.mr = &flash_mr;
        s.offset_within_region = addr;
        s.offset_within_address_space = addr;
        s.size = size;
    }
#endif
    return s;
}

/* PANDA's panda_find_ram() (panda/src/common.c:233-257): the largest RAM region
   of the system memory, wherever the board puts it. */
MP_API MemoryRegion *panda_find_ram(void)
{
    return &ram_mr;
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

/*
 * PANDA's rr_checksum_regs.  MIPS as on the notes' branch
 * (panda@mips_serious_rec_attempt rr_log.c:1809-1890): the gprs, all of
 * active_tc, the gprs again, then CP0 fields (those mini-PANDA has).  The
 * other archs as upstream (rr_log.c:1940-1951): x86 regs and eip; ARM and
 * AArch64 regs and pc; PPC gpr.  So on aarch64 and ppc it misses registers
 * that matter: x0-x30, nip.
 */
#define CRC_FIELD(f) crc = crc32(crc, (const Bytef *)&(f), sizeof(f))
MP_API uint32_t rr_checksum_regs(void)
{
    CPUArchState *env = (CPUArchState *)cpus.tqh_first->env_ptr;
    uLong crc = crc32(0, Z_NULL, 0);
#if defined(TARGET_ARCH_MIPS)
    CRC_FIELD(env->active_tc.gpr);
    CRC_FIELD(env->active_tc);
    CRC_FIELD(env->active_tc.gpr);
    CRC_FIELD(env->CP0_Index); CRC_FIELD(env->CP0_Random); CRC_FIELD(env->CP0_EntryLo0);
    CRC_FIELD(env->CP0_EntryLo1); CRC_FIELD(env->CP0_Context); CRC_FIELD(env->CP0_PageMask);
    CRC_FIELD(env->CP0_Wired); CRC_FIELD(env->CP0_BadVAddr); CRC_FIELD(env->CP0_EntryHi);
    CRC_FIELD(env->CP0_Compare); CRC_FIELD(env->CP0_Status); CRC_FIELD(env->CP0_Cause);
    CRC_FIELD(env->CP0_EPC); CRC_FIELD(env->CP0_PRid); CRC_FIELD(env->CP0_Config0);
#elif defined(TARGET_ARCH_I386) || defined(TARGET_ARCH_X86_64)
    crc = crc32(crc, (const Bytef *)env->regs, sizeof env->regs);
    crc = crc32(crc, (const Bytef *)&env->eip, sizeof env->eip);
#elif defined(TARGET_ARCH_ARM) || defined(TARGET_ARCH_AARCH64)
    /* PANDA's TARGET_ARM branch, which aarch64 builds take too: AArch32's regs[16] and the
       64-bit pc member; never AArch64's xregs (rr_log.c:1940-1951) */
    crc = crc32(crc, (const Bytef *)env->regs, sizeof env->regs);
    crc = crc32(crc, (const Bytef *)&env->pc, sizeof env->pc);
#elif defined(TARGET_ARCH_PPC)
    /* PANDA: the gprs only, not nip */
    crc = crc32(crc, (const Bytef *)env->gpr, sizeof env->gpr);
#endif
    return (uint32_t)crc;
}

