/*
 * A bare-metal big-endian MIPS32r2 guest for the real-PANDA specs (malta board, 24Kf CPU:
 * 16 TLB entries). Loaded by `panda-system-mips -M malta -kernel guest.elf`, entered in
 * kernel mode at `start` (kseg0, linked at 0x80100000).
 *
 * What it exercises, round after round:
 * - exception vectors in RAM (Status.BEV = 0): the TLB refill vector at 0x80000000 and the
 *   general exception vector at 0x80000180, copied there at start-up;
 * - a TLB refill handler that fills the missing pair of pages with `tlbwr`: every round walks
 *   WORK_PAGES pages of kuseg, more than the 15 entries Random can pick, so refills (and so
 *   `tlbwr`, whose index comes from QEMU's `cpu_mips_get_random`) happen all the time;
 * - one wired entry written with `tlbwi` (index 0, Wired = 1): virtual FIXED_VA (0x7f81c000,
 *   so 0x7f81cac0) maps to physical FIXED_PA (0x0123c000, so 0x0123cac0), global, and is written
 *   every round;
 * - RAM writes through both kinds of mapping;
 * - inputs that PANDA writes to its nondet log: CP0 Count (read every round; its two low bits
 *   choose how many turns a short delay loop takes; RR_INPUT_8 from RR_CALLSITE_READ_8), the
 *   UART line status register (polled before every byte sent) and one received byte (RR_INPUT_8
 *   from RR_CALLSITE_IO_READ_ALL, plus RR_CALL_SERIAL_* skipped calls);
 * - a `syscall` every round, handled by the general exception vector;
 * - UART output on the malta ISA UART at 0xb80003f8 (kseg1): a banner, "tlbwr ok" after the
 *   first round, a dot every DOT_ROUNDS rounds, "done" at the end.
 *
 * Go byte: after "tlbwr ok" the guest waits until a byte arrives on the UART (any value), so
 * that whoever drives it can stop it and begin a recording at a point where `tlbwr` has run and
 * before the guest is done, however slow the host.
 *
 * Length: the 32-bit word right after the 20-byte marker "TANDEM-GUEST-LENGTH:" in .data is the number of guest
 * instructions to run (1e6 to 1e8; the build's default is DEFAULT_LENGTH). The guest runs
 * length / ROUND_COST rounds (at least 1), ROUND_COST being the measured mean number of guest
 * instructions per round, refills included. A loader of the ELF can patch that word (big-endian)
 * in a copy of the file; see tandem.real.MipsGuest.
 *
 * End: after "done\n" the guest sits in `wait` with interrupts off: the CPU halts for good and
 * PANDA's instruction count stops.
 */

#define CP0_INDEX     $0
#define CP0_ENTRYLO0  $2
#define CP0_ENTRYLO1  $3
#define CP0_PAGEMASK  $5
#define CP0_WIRED     $6
#define CP0_BADVADDR  $8
#define CP0_COUNT     $9
#define CP0_ENTRYHI   $10
#define CP0_STATUS    $12
#define CP0_CAUSE     $13
#define CP0_EPC       $14

#define UART_BASE     0xb80003f8   /* malta ISA UART 16550, kseg1 */
#define UART_THR      0
#define UART_RBR      0
#define UART_LSR      5
#define LSR_DR        0x01         /* data ready */
#define LSR_THRE      0x20         /* transmit holding register empty */

#define NB_TLB        16
#define WORK_VA       0x00400000   /* kuseg pages filled by the refill handler */
#define WORK_PAGES    48
#define PHYS_OFFSET   0x01000000   /* work page at virtual V lives at physical V + PHYS_OFFSET */
#define FIXED_VA      0x7f81c000   /* even page of the wired pair */
#define FIXED_PA      0x0123c000
#define FIXED_WORD    0x7f81cac0
#define ENTRYLO_FLAGS 0x1e         /* C = 3 (cacheable), D, V; not global */
#define ENTRYLO_GLOBAL 0x1f        /* same, global */

#define DOT_ROUNDS    64
#define ROUND_COST    510          /* guest instructions per round, refills included: measured (1764105 for 3448 rounds) */
#define DEFAULT_LENGTH 2000000

    .set    noat
    .set    noreorder

    .text
    .globl  start
    .ent    start
start:
    /* kernel mode, interrupts off, exception level clear, RAM vectors (BEV = 0), CP0 usable */
    lui     $t0, 0x1000             /* CU0 */
    mtc0    $t0, CP0_STATUS
    mtc0    $zero, CP0_CAUSE
    ehb

    la      $sp, stack_top

    /* copy the two vector stubs to 0x80000000 (TLB refill) and 0x80000180 (general) */
    la      $a0, refill_stub
    li      $a1, 0x80000000
    jal     copy_stub
    nop
    la      $a0, general_stub
    li      $a1, 0x80000180
    jal     copy_stub
    nop

    /* invalidate every TLB entry: distinct VPN2s in kseg0, which the TLB never translates */
    mtc0    $zero, CP0_PAGEMASK
    mtc0    $zero, CP0_ENTRYLO0
    mtc0    $zero, CP0_ENTRYLO1
    mtc0    $zero, CP0_WIRED
    li      $t0, 0
    li      $t1, NB_TLB
1:  sll     $t2, $t0, 13
    lui     $t3, 0x8000
    or      $t2, $t2, $t3
    mtc0    $t2, CP0_ENTRYHI
    mtc0    $t0, CP0_INDEX
    ehb
    tlbwi
    addiu   $t0, $t0, 1
    bne     $t0, $t1, 1b
    nop

    /* the wired mapping, entry 0: FIXED_VA -> FIXED_PA (even), FIXED_PA + 4K (odd), ASID 0 */
    li      $t0, FIXED_VA
    mtc0    $t0, CP0_ENTRYHI
    li      $t0, ((FIXED_PA >> 12) << 6) | ENTRYLO_GLOBAL
    mtc0    $t0, CP0_ENTRYLO0
    li      $t0, (((FIXED_PA + 0x1000) >> 12) << 6) | ENTRYLO_GLOBAL
    mtc0    $t0, CP0_ENTRYLO1
    mtc0    $zero, CP0_INDEX
    ehb
    tlbwi
    li      $t0, 1
    mtc0    $t0, CP0_WIRED          /* Random now picks among entries 1..15 */
    mtc0    $zero, CP0_ENTRYHI      /* current ASID 0 */
    ehb

    /* rounds = max(1, length / ROUND_COST) */
    la      $t0, guest_length
    lw      $t0, 0($t0)
    li      $t1, ROUND_COST
    divu    $zero, $t0, $t1
    mflo    $s1
    bnez    $s1, 2f
    nop
    li      $s1, 1
2:
    la      $a0, msg_banner
    jal     puts
    nop
    move    $a0, $s1
    jal     puthex
    nop
    la      $a0, msg_rounds
    jal     puts
    nop

    li      $s0, 0                  /* round index */
    li      $s2, 0                  /* running sum of the words read back */

round:
    /* input: CP0 Count; its low two bits set the number of delay turns */
    mfc0    $t0, CP0_COUNT
    andi    $t0, $t0, 3
3:  beqz    $t0, 4f
    nop
    b       3b
    addiu   $t0, $t0, -1
4:
    /* tlbr (of the wired entry) makes QEMU drop the shadow copies it keeps of entries that
       tlbwr replaced (target/mips/helper.c r4k_invalidate_tlb); without it, the evicted pairs
       would still hit and the entry Random picks would never show */
    mtc0    $zero, CP0_INDEX
    ehb
    tlbr
    mtc0    $zero, CP0_ENTRYHI      /* back to ASID 0, VPN2 0 */
    ehb

    /* RAM writes through refilled mappings: one word per work page, offset moving each round */
    sll     $t1, $s0, 2
    andi    $t1, $t1, 0xffc
    li      $t2, WORK_VA
    addu    $t1, $t1, $t2
    li      $t2, WORK_PAGES
5:  sw      $s0, 0($t1)
    lw      $t3, 0($t1)
    addu    $s2, $s2, $t3
    addiu   $t2, $t2, -1
    bnez    $t2, 5b
    addiu   $t1, $t1, 0x1000

    /* RAM write through the wired mapping */
    li      $t1, FIXED_WORD
    sw      $s0, 0($t1)
    sw      $s2, 4($t1)

    syscall                         /* counted by the general exception handler */

    bnez    $s0, 6f
    nop
    la      $a0, msg_tlbwr_ok       /* the first round has refilled with tlbwr */
    jal     puts
    nop
    jal     getc                    /* wait for the go byte */
    nop
6:  andi    $t0, $s0, DOT_ROUNDS - 1
    bnez    $t0, 7f
    nop
    jal     putc
    li      $a0, '.'
7:  addiu   $s0, $s0, 1
    bne     $s0, $s1, round
    nop

    la      $a0, msg_done
    jal     puts
    nop
idle:
    wait
    b       idle
    nop
    .end    start

/* copy_stub(a0 = stub, a1 = destination): 4 words */
copy_stub:
    li      $t0, 4
1:  lw      $t1, 0($a0)
    sw      $t1, 0($a1)
    addiu   $a0, $a0, 4
    addiu   $t0, $t0, -1
    bnez    $t0, 1b
    addiu   $a1, $a1, 4
    jr      $ra
    nop

/* putc(a0 = byte): waits for the transmitter, reading the line status register (an input) */
putc:
    li      $t8, UART_BASE
1:  lbu     $t9, UART_LSR($t8)
    andi    $t9, $t9, LSR_THRE
    beqz    $t9, 1b
    nop
    jr      $ra
    sb      $a0, UART_THR($t8)

/* getc() -> v0: waits for a received byte, reading the line status register (an input), then
   reads it from the receive buffer (an input too) */
getc:
    li      $t8, UART_BASE
1:  lbu     $t9, UART_LSR($t8)
    andi    $t9, $t9, LSR_DR
    beqz    $t9, 1b
    nop
    jr      $ra
    lbu     $v0, UART_RBR($t8)

/* puts(a0 = NUL-terminated string) */
puts:
    move    $t7, $ra
    move    $t6, $a0
1:  lbu     $a0, 0($t6)
    beqz    $a0, 2f
    nop
    jal     putc
    addiu   $t6, $t6, 1
    b       1b
    nop
2:  jr      $t7
    nop

/* puthex(a0 = word): 8 hex digits */
puthex:
    move    $t7, $ra
    move    $t5, $a0
    li      $t6, 28
1:  srlv    $a0, $t5, $t6
    andi    $a0, $a0, 0xf
    sltiu   $t4, $a0, 10
    bnez    $t4, 2f
    addiu   $a0, $a0, '0'
    addiu   $a0, $a0, 'a' - '0' - 10
2:  jal     putc
    nop
    bnez    $t6, 1b
    addiu   $t6, $t6, -4
    jr      $t7
    nop

/* The vector stubs: copied to the vectors, they jump to the handlers (k0 only) */
refill_stub:
    la      $k0, tlb_refill
    jr      $k0
    nop
general_stub:
    la      $k0, general_exception
    jr      $k0
    nop

/* TLB refill: map the missing pair at V to physical V + PHYS_OFFSET, in a random entry */
tlb_refill:
    mfc0    $k0, CP0_BADVADDR
    srl     $k0, $k0, 13
    sll     $k0, $k0, 13            /* VPN2 of the pair */
    li      $k1, PHYS_OFFSET
    addu    $k0, $k0, $k1
    srl     $k0, $k0, 12
    sll     $k0, $k0, 6
    ori     $k0, $k0, ENTRYLO_FLAGS
    mtc0    $k0, CP0_ENTRYLO0
    addiu   $k0, $k0, 0x40          /* next physical page */
    mtc0    $k0, CP0_ENTRYLO1
    ehb
    tlbwr
    eret

/* General exception: `syscall` is counted and skipped; anything else is reported, then idle */
general_exception:
    mfc0    $k0, CP0_CAUSE
    andi    $k0, $k0, 0x7c
    li      $k1, 8 << 2             /* ExcCode Sys */
    bne     $k0, $k1, fatal
    nop
    mfc0    $k0, CP0_EPC
    addiu   $k0, $k0, 4
    mtc0    $k0, CP0_EPC
    la      $k1, syscall_count
    lw      $k0, 0($k1)
    addiu   $k0, $k0, 1
    sw      $k0, 0($k1)
    ehb
    eret

fatal:
    la      $a0, msg_fatal
    jal     puts
    nop
    mfc0    $a0, CP0_CAUSE
    jal     puthex
    nop
    jal     putc
    li      $a0, ' '
    mfc0    $a0, CP0_EPC
    jal     puthex
    nop
    jal     putc
    li      $a0, '\n'
1:  wait
    b       1b
    nop

    .data
    .align  2
    .ascii  "TANDEM-GUEST-LENGTH:"  /* marker, 20 bytes: the next word is the length */
    .globl  guest_length
guest_length:
    .word   DEFAULT_LENGTH
    .globl  syscall_count
syscall_count:
    .word   0
msg_banner:
    .asciz  "tandem mips guest: rounds 0x"
msg_rounds:
    .asciz  "\n"
msg_tlbwr_ok:
    .asciz  "tlbwr ok\n"
msg_done:
    .asciz  "\ndone\n"
msg_fatal:
    .asciz  "\nfatal exception: cause "

    .bss
    .align  3
stack:
    .space  4096
stack_top:
