/* Calls nothing itself: the calls come from gdb (see alias.S). */
char text[] = "hello";

int main(void) {
    return text[0];
}
