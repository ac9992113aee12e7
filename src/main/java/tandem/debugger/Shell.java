// Quoting for the POSIX shell that gdb and rr hand program arguments to.
package tandem.debugger;

final class Shell {
    private Shell() {
    }

    static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=@%+,-]+")) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
