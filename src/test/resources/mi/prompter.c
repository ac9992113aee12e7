/* Prints a monitor prompt without a newline and returns: under gdb, `finish` from prompt()
 * makes gdb's *stopped follow the prompt on the same line of its stdout. */
#include <stdio.h>

int prompt(void)
{
    fputs("(qemu) ", stdout);
    fflush(stdout);
    return 7;
}

int main(void)
{
    int r = prompt();
    printf("\nprompt gave %d\n", r);
    return 0;
}
