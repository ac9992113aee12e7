/*
 * Calls through a function pointer into the top of the 64-bit address space, where every address
 * is at or above 2^63: `wild-call vsyscall` (any argument) calls the legacy vsyscall page's time()
 * (0xffffffffff600400, rr#2519: the kernel emulates it when it maps the page, else the call
 * faults there), `wild-call` jumps to 0xffffffffffffff00, where nothing is mapped (SIGSEGV).
 */
#include <stdio.h>

typedef long (*entry)(void *);

int main(int argc, char **argv) {
    (void) argv;   /* no call before the wild one: a lazily bound libc call runs the loader for many steps */
    entry f = (entry) (argc > 1 ? 0xffffffffff600400UL : 0xffffffffffffff00UL);
    long t = f(NULL);
    printf("%ld\n", t);
    return 0;
}
