/*
 * mini-PANDA entry point: a QEMU/PANDA-like command line.
 *
 *   panda-system-ARCH [IMAGE] [-L DIR] [-os OS] [-m SIZE] [-M MACHINE]
 *       [-kernel FILE] [-append STR] [-nographic] [-loadvm TAG] [-replay NAME]
 *       [-d ITEM,...] [-icount N]
 *       [-demo-instrs N] [-demo-bug KIND@N] [-demo-seed S] [-demo-record NAME]
 *
 * -d nochain turns TB chaining off (QEMU's CPU_LOG_TB_NOCHAIN; PANDA chains
 * while recording otherwise); -icount makes the CPU keep QEMU's icount fields
 * (PANDA updates them only then).  Other options PANDA needs but mini-PANDA
 * does not are accepted and ignored.
 * Without -replay or -demo-record, stdin is the serial console/monitor.
 * Exit: 0 on a clean end, SIGABRT on a failed replay or a missing snapshot or log, 1 on bad
 * arguments or a snapshot it cannot load (as PANDA: see rr_do_begin_replay).
 */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <unistd.h>
#include "minipanda.h"

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mini-panda: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}

/* QEMU -m syntax: plain numbers are MiB; suffixes k/K, m/M, g/G, t/T */
static uint64_t parse_mem(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        usage_error("invalid -m size '%s'", s);
    uint64_t mul = 1 << 20;
    switch (tolower((unsigned char)*end)) {
    case 0: break;
    case 'k': mul = 1 << 10; end++; break;
    case 'm': mul = 1 << 20; end++; break;
    case 'g': mul = 1ull << 30; end++; break;
    case 't': mul = 1ull << 40; end++; break;
    case 'b': mul = 1; end++; break;
    default: usage_error("invalid -m size '%s'", s);
    }
    if (*end == 'b' || *end == 'B') end++;
    if (*end)
        usage_error("invalid -m size '%s'", s);
    return (uint64_t)(v * mul);
}

/* integers, also written as 1e6 */
static uint64_t parse_count(const char *s, const char *what)
{
    char *end;
    double d;
    uint64_t v = strtoull(s, &end, 0);
    if (*end == 'e' || *end == 'E' || *end == '.') {
        d = strtod(s, &end);
        v = (uint64_t)d;
    }
    if (end == s || *end)
        usage_error(what, s);
    return v;
}

/* MINIPANDA_STATS=1: translation statistics on stderr at a clean end */
static void print_stats(void)
{
    if (!getenv("MINIPANDA_STATS"))
        return;
    uint64_t n = rr_get_guest_instr_count();
    fprintf(stderr, "mini-panda: stats: %" PRIu64 " guest instructions in %" PRIu64
            " TBs (%.2f insns/TB) in %" PRIu64 " cpu_loop_exec_tb calls, %" PRIu64 " TBs translated, %" PRIu64 " shortened by the icount budget\n",
            n, mp_tb_executed, mp_tb_executed ? (double)n / mp_tb_executed : 0.0, mp_exec_tb_calls,
            mp_tb_translated, mp_tb_nocache);
}

int main(int argc, char **argv)
{
    static const char *const with_arg[] = {
        "-L", "-os", "-M", "-machine", "-kernel", "-append", "-initrd", "-loadvm", "-hda", "-hdb",
        "-drive", "-net", "-netdev", "-device", "-serial", "-monitor", "-display", "-vga", "-cpu",
        "-smp", "-panda", "-pandalog", "-D", "-d", "-name", "-boot", "-k", "-usbdevice", "-os-name",
        "-record-from", "-icount", "-rtc", "-qmp", "-chardev", "-accel", NULL,
    };
    uint64_t mem = 128ull << 20;
    const char *replay = NULL, *record = NULL, *bug = NULL;

    setvbuf(stdout, NULL, _IOLBF, 0);
    mp_progname = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') continue;                        /* the disk image */
        if (a[1] == '-' && a[2]) a++;                     /* --opt == -opt */
        int needs = 0;
        for (int k = 0; with_arg[k]; k++)
            if (!strcmp(a, with_arg[k])) needs = 1;
        if (!strcmp(a, "-m") || !strcmp(a, "-replay") || !strcmp(a, "-demo-instrs") ||
            !strcmp(a, "-demo-bug") || !strcmp(a, "-demo-seed") || !strcmp(a, "-demo-record"))
            needs = 1;
        if (needs && i + 1 >= argc)
            usage_error("option %s needs an argument", a);
        if (!strcmp(a, "-m")) mem = parse_mem(argv[++i]);
        else if (!strcmp(a, "-d")) {
            /* QEMU's -d takes a comma-separated list of log items */
            char *items = strdup(argv[++i]), *save = NULL;
            for (char *it = strtok_r(items, ",", &save); it; it = strtok_r(NULL, ",", &save))
                if (!strcmp(it, "nochain")) qemu_loglevel |= CPU_LOG_TB_NOCHAIN;
            free(items);
        }
        else if (!strcmp(a, "-icount")) { use_icount = 1; i++; }
        else if (!strcmp(a, "-replay")) replay = argv[++i];
        else if (!strcmp(a, "-demo-record")) record = argv[++i];
        else if (!strcmp(a, "-demo-bug")) bug = argv[++i];
        else if (!strcmp(a, "-demo-seed")) mp_seed = parse_count(argv[++i], "invalid -demo-seed '%s'");
        else if (!strcmp(a, "-demo-instrs")) {
            mp_record_length = parse_count(argv[++i], "invalid -demo-instrs '%s'");
            if (mp_record_length < 1000 || mp_record_length > 1000000000ull)
                usage_error("-demo-instrs must be between 1000 and 1e9, not '%s'", argv[i]);
        }
        else if (needs) i++;
        else if (!strcmp(a, "-nographic") || !strcmp(a, "-snapshot") || !strcmp(a, "-S") ||
                 !strcmp(a, "-no-reboot") || !strcmp(a, "-enable-kvm")) ;
        else usage_error("unknown option '%s'", a);
    }
    if (bug && mp_bug_parse(bug) < 0)
        usage_error("bad -demo-bug '%s': expected tlb@N, reg@N, ram@N or irq@N", bug);
    if (mem < MP_MIN_RAM)
        usage_error("-m %s is too small: mini-panda needs at least 16M", "");
    if (replay && record)
        usage_error("-replay and -demo-record exclude each other%s", "");
    mp_machine_init(mem, mp_seed);

    if (replay) {
        /* vl.c:4987-4990 */
        if (rr_do_begin_replay(replay, cpus.tqh_first) != 0) {
            printf("Failed to start replay\n");
            exit(1);
        }
        if (bug)
            mp_bug_arm();
        mp_run_until(mp_rr_replay_end());
        print_stats();
        return 0;
    }
    if (record) {
        /* non-interactive recording; types "/bin/ls /etc" at a quarter of the way */
        if (rr_do_begin_record(record, cpus.tqh_first) != 0)
            return 1;
        mp_run_until(mp_record_length / 4);
        static const char typed[] = "/bin/ls /etc\n";
        mp_console_push(typed, sizeof typed - 1);
        mp_rr_record_interrupt(MP_IRQ_CONSOLE, rr_get_guest_instr_count());
        mp_irq_raise(MP_IRQ_CONSOLE);
        mp_run_until(mp_record_length);
        rr_do_end_record();
        print_stats();
        return 0;
    }
    return mp_monitor_main();
}
