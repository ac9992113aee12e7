/* A tiny debuggee for the mi specs: a function called many times in a long loop,
 * a static inline function with several call sites (multiple breakpoint locations),
 * program output on stdout, and a second thread (thread-ids). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile long counter;
int numbers[4] = {1, 2, 3, 4};
const char *greeting = "h\303\251llo \"world\"\n";

struct point { int x; int y; };
struct point origin = {3, 4};

static inline __attribute__((always_inline)) int twice(int v) { return v * 2; }

void tick(long i) { counter += i & 1; }

static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) tick(i);
    return NULL;
}

int main(int argc, char **argv) {
    long loops = argc > 1 ? atol(argv[1]) : 10;
    int a = twice(numbers[0]);
    int b = twice(numbers[1]);
    printf("looper start a=%d b=%d\n", a, b);
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, worker, NULL);
        pthread_join(t, NULL);
    }
    for (long i = 0; i < loops; i++) tick(i);
    printf("looper done %ld\n", counter);
    return 0;
}
