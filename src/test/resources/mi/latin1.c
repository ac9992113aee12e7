/* Two texts that differ in one byte that is not UTF-8 (ISO-8859-1's é and ê), printed raw. */
#include <stdio.h>

char rec[] = "caf\xe9";
char rep[] = "caf\xea";

void printed(void) {
}

int main(void) {
    printf("%s\n%s\n", rec, rep);
    fflush(stdout);
    printed();
    return 0;
}
