/*
 * Devices behind the MMIO page at 0xbf000000: a clock port, a console UART
 * (receive FIFO fed from the host, transmit to stdout) and a timer ack.
 *
 * Reads of the clock and of the receive register are the machine's
 * nondeterministic inputs: in record their live values are logged, in replay
 * the values come from the log (mp_rr_io_read), as PANDA's io_readx logs every MMIO read
 * (cputlb.c: RR_INPUT_8 at RR_CALLSITE_IO_READ_ALL).
 * The live values are derived from -demo-seed and the instruction count, so
 * a recording run itself is deterministic given its command line and stdin.
 */
#include <string.h>
#include "minipanda.h"

static char rx_fifo[4096];
static size_t rx_head, rx_tail;

uint32_t mp_clock_value(uint64_t count)
{
    uint64_t s = mp_seed ^ (count * 0x100000001b3ull);
    return (uint32_t)(0x5e000000u + count * 3 + (mp_prng_next(&s) & 0xfff));
}

void mp_console_push(const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t next = (rx_tail + 1) % sizeof rx_fifo;
        if (next == rx_head)
            break;                      /* FIFO full: drop, like a UART overrun */
        rx_fifo[rx_tail] = bytes[i];
        rx_tail = next;
    }
}

uint32_t mp_mmio_read(uint32_t offset, uint64_t count)
{
    uint32_t v;
    switch (offset) {
    case MP_MMIO_CLOCK:
        return (uint32_t)mp_rr_io_read(mp_clock_value(count), count);
    case MP_MMIO_RXDATA:
        v = 0xffffffffu;
        if (rr_mode != RR_REPLAY && rx_head != rx_tail) {
            v = (uint8_t)rx_fifo[rx_head];
            rx_head = (rx_head + 1) % sizeof rx_fifo;
        }
        v = (uint32_t)mp_rr_io_read(v, count);
        if (v == 0xffffffffu)
            mp_irq_lower(MP_IRQ_CONSOLE);   /* drained: the line drops */
        return v;
    default:
        return 0;
    }
}

void mp_mmio_write(uint32_t offset, uint32_t value)
{
    switch (offset) {
    case MP_MMIO_TXDATA:
        /* flushed at once: gdb checkpoints fork, and a half-full stdio
           buffer would be printed by every fork */
        putchar((int)(value & 0xff));
        fflush(stdout);
        break;
    case MP_MMIO_TIMER_ACK:
        mp_irq_lower(MP_IRQ_TIMER);
        break;
    default:
        break;
    }
}
