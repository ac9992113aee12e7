/*
 * stdin as QEMU -nographic: the serial console, with Ctrl-A c (0x01 0x63)
 * switching to and from the monitor ("(qemu) " prompt).  Ctrl-A x quits.
 *
 * The guest only runs while a recording is in progress (the machine waits at
 * the "loadvm root" point before that).  So that a run is a pure function of
 * stdin, console input is delivered line by line: each line typed while
 * recording goes into the UART FIFO, raises the console interrupt at the
 * current count (logged), and then the guest runs for MP_CONSOLE_SLICE
 * instructions (never past the workload length) before more stdin is read.
 * Console input while not recording is dropped.
 *
 * Monitor commands: begin_record NAME, end_record (runs the workload to its
 * -demo-instrs length, then writes the log), loadvm NAME (accepted),
 * info registers, help, q / quit.  EOF or quit while recording ends the
 * recording first.
 */
#include <stdlib.h>
#include <string.h>
#include "minipanda.h"

#define MP_CONSOLE_SLICE 20000

static void end_record_now(void)
{
    if (rr_mode != RR_RECORD)
        return;
    mp_run_until(mp_record_length);
    rr_do_end_record();
}

static void console_line(const char *line, size_t len)
{
    if (rr_mode != RR_RECORD || len == 0)
        return;
    uint64_t now = rr_get_guest_instr_count();
    if (now >= mp_record_length)
        return;
    mp_console_push(line, len);
    mp_rr_record_interrupt(MP_IRQ_CONSOLE, now);
    mp_irq_raise(MP_IRQ_CONSOLE);
    uint64_t stop = now + MP_CONSOLE_SLICE;
    mp_run_until(stop < mp_record_length ? stop : mp_record_length);
}

/* returns 1 when the monitor asked to quit */
static int monitor_command(char *line)
{
    char *cmd = strtok(line, " \t\r\n");
    char *arg = strtok(NULL, " \t\r\n");
    if (!cmd)
        return 0;
    if (!strcmp(cmd, "begin_record")) {
        if (!arg)
            printf("Parameter 'file_name' is missing\n");
        else if (mp_record_started)
            printf("mini-panda: only one recording per run\n");
        else
            rr_do_begin_record(arg, cpus.tqh_first);
    } else if (!strcmp(cmd, "end_record")) {
        if (rr_mode != RR_RECORD)
            printf("mini-panda: not recording\n");
        else
            end_record_now();
    } else if (!strcmp(cmd, "loadvm")) {
        /* the machine already sits at the snapshot point */
    } else if (!strcmp(cmd, "info") && arg && !strcmp(arg, "registers")) {
        cpu_dump_state(cpus.tqh_first, stdout, fprintf, 0);
    } else if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        printf("begin_record file_name -- begin recording for later replay\n"
               "end_record  -- stop recording\n"
               "info registers -- show the cpu registers\n"
               "loadvm tag -- restore a VM snapshot from its tag\n"
               "quit|q  -- quit the emulator\n");
    } else if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
        return 1;
    } else {
        printf("unknown command: '%s'\n", cmd);
    }
    return 0;
}

int mp_monitor_main(void)
{
    char line[4096];
    size_t len = 0;
    int in_monitor = 0, ctrl_a = 0, banner = 0, c;

    while ((c = getchar()) != EOF) {
        if (ctrl_a) {
            ctrl_a = 0;
            if (c == 'c') {
                if (len) {   /* a partial line belongs to the side it was typed on */
                    if (in_monitor) { line[len] = 0; if (monitor_command(line)) goto quit; }
                    else console_line(line, len);
                    len = 0;
                }
                in_monitor = !in_monitor;
                if (in_monitor) {
                    if (!banner++)
                        printf("QEMU 2.9.1 monitor - type 'help' for more information\n");
                    printf("(qemu) ");
                    fflush(stdout);
                }
                continue;
            }
            if (c == 'x') {
                printf("QEMU: Terminated\n");
                goto quit;
            }
            if (c != 0x01)
                continue;
        } else if (c == 0x01) {
            ctrl_a = 1;
            continue;
        }
        if (len < sizeof line - 1)
            line[len++] = (char)c;
        if (c == '\n') {
            if (in_monitor) {
                line[len] = 0;
                len = 0;
                if (monitor_command(line))
                    goto quit;
                printf("(qemu) ");
                fflush(stdout);
            } else {
                console_line(line, len);
                len = 0;
            }
        }
    }
    if (len) {
        if (in_monitor) { line[len] = 0; monitor_command(line); }
        else console_line(line, len);
    }
quit:
    end_record_now();
    fflush(stdout);
    return 0;
}
