/*
 * Exceptions and interrupts, MIPS style: EPC (the branch when the faulting
 * instruction sits in a delay slot, with Cause.BD), Cause.ExcCode, BadVAddr,
 * EntryHi.VPN2 on TLB faults, Status.EXL; TLB refills go to 0x80000000,
 * everything else to 0x80000180.  Interrupts are taken only at TB boundaries
 * that are not inside a branch delay slot, when Status.IE=1 and EXL=0.
 */
#include "minipanda.h"

#define CPU_INTERRUPT_HARD 0x0002

void mp_raise_exception(int exc, uint32_t pc, int in_delay, uint32_t badvaddr)
{
    int refill = exc & 0x100;
    exc &= 0xff;
    uint32_t vector = MP_GENERAL_VECTOR;
    if (!(CP0.CP0_Status & ST_EXL)) {
        if (in_delay) {
            CP0.CP0_EPC = pc - 4;
            CP0.CP0_Cause |= CAUSE_BD;
        } else {
            CP0.CP0_EPC = pc;
            CP0.CP0_Cause &= ~CAUSE_BD;
        }
        if (refill)
            vector = MP_REFILL_VECTOR;
    }
    if (exc == EXC_TLBL || exc == EXC_TLBS || exc == 1 || exc == EXC_ADEL || exc == EXC_ADES) {
        CP0.CP0_BadVAddr = badvaddr;
        if (exc != EXC_ADEL && exc != EXC_ADES) {
            CP0.CP0_EntryHi = (badvaddr & 0xffffe000u) | (CP0.CP0_EntryHi & 0xff);
            CP0.CP0_Context = (CP0.CP0_Context & 0xff800000u) | ((badvaddr >> 9) & 0x007ffff0u);
        }
    }
    CP0.CP0_Cause = (CP0.CP0_Cause & ~0x7c) | (exc << 2);
    CP0.CP0_Status |= ST_EXL;
    CP0.hflags &= ~MIPS_HFLAG_B;
    cpus.tqh_first->exception_index = -1;
    mp_set_pc(vector);
}

int mp_interrupts_deliverable(void)
{
    return (CP0.CP0_Status & ST_IE) && !(CP0.CP0_Status & ST_EXL) &&
           (CP0.CP0_Cause & CP0.CP0_Status & 0xff00) && !(CP0.hflags & MIPS_HFLAG_B);
}

void mp_take_interrupt(void)
{
    mp_raise_exception(EXC_INT, mp_get_pc(), 0, 0);
}

void mp_irq_raise(int line)
{
    CP0.CP0_Cause |= 1u << (8 + line);
    cpus.tqh_first->interrupt_request |= CPU_INTERRUPT_HARD;
}

void mp_irq_lower(int line)
{
    CP0.CP0_Cause &= ~(1u << (8 + line));
    if (!(CP0.CP0_Cause & 0xff00))
        cpus.tqh_first->interrupt_request &= ~CPU_INTERRUPT_HARD;
}
