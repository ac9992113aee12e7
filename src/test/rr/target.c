/* Tiny deterministic program for the rr stand-in self-test: reads stdin,
 * prints, and exits with the code given as argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int checksum = 0;

int report(int total, int lines) {
  printf("lines=%d total=%d\n", lines, total);
  fflush(stdout);
  return total;
}

int main(int argc, char **argv) {
  char buf[256];
  int lines = 0;
  int code = argc > 1 ? atoi(argv[1]) : 0;
  while (fgets(buf, sizeof buf, stdin)) {
    if (strcmp(buf, "q\n") == 0) break;
    for (char *p = buf; *p && *p != '\n'; p++) checksum += (unsigned char)*p;
    lines++;
  }
  if (argc > 2) printf("arg2=[%s]\n", argv[2]);
  FILE *f = fopen("in-rr-nondet.log", "r");
  if (f) { if (fgets(buf, sizeof buf, f)) printf("log=%s", buf); fclose(f); }
  report(checksum, lines);
  if (code < 0) abort();
  return code;
}
