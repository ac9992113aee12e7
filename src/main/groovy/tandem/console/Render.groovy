// Turns answers into text for the console: one session's answer as is; rec and rep side by side
// in two columns (or one row per register or checksum), differences highlighted with ANSI on a
// terminal and marked with `*` in plain text.
package tandem.console

import groovy.transform.CompileStatic
import tandem.debugger.Frame
import tandem.mi.GdbText
import tandem.panda.Both
import tandem.panda.Checksums
import tandem.panda.Registers
import tandem.panda.Translation

@CompileStatic
class Render {
    static final String DIFF_ON = '\u001b[1;31m'
    static final String DIM_ON = '\u001b[2m'
    static final String OFF = '\u001b[0m'

    final boolean ansi
    private final java.util.function.IntSupplier columns

    Render(boolean ansi, int width) {
        this(ansi, { -> width } as java.util.function.IntSupplier)
    }

    /** {@code columns} is asked at each answer: the terminal may have been resized meanwhile. */
    Render(boolean ansi, java.util.function.IntSupplier columns) {
        this.ansi = ansi
        this.columns = columns
    }

    /** The terminal's width now, in characters (at least 60). */
    int getWidth() {
        Math.max(columns.asInt, 60)
    }

    String value(Object v) {
        if (v instanceof Both) return both((Both) v)
        if (v instanceof Closure) return ''   // `twice = { v -> v * 2 }` says nothing, like any assignment of code
        if (v instanceof List && ((List) v).every { it instanceof Frame }) return ((List) v).join('\n')
        return GdbText.shown(String.valueOf(v).replaceAll(/\n+$/, ''))
    }

    String both(Both b) {
        Object x = b.rec(), y = b.rep()
        if (x instanceof Registers && y instanceof Registers) return registers((Registers) x, (Registers) y)
        if (x instanceof Checksums && y instanceof Checksums) return checksums((Checksums) x, (Checksums) y, b)
        if (x instanceof Translation && y instanceof Translation) {
            return rows([['v2p', text(x), text(y)]]) + summary(b)
        }
        String a = text(x), c = text(y)
        if (!a.contains('\n') && !c.contains('\n') && a.length() + c.length() < width - 20) {
            return scalar(a, c) + '  ' + summary(b)
        }
        return columns(a, c) + summary(b)
    }

    /** One line: "rec 5000 | rep 5001", the pair highlighted when they differ. */
    private String scalar(String a, String c) {
        String line = "rec ${a} | rep ${c}"
        a == c ? line : (ansi ? DIFF_ON + line + OFF : '* ' + line)
    }

    private static String text(Object v) {
        if (v instanceof List && ((List) v).every { it instanceof Frame }) return ((List) v).join('\n')
        return expandTabs(GdbText.shown(String.valueOf(v).replaceAll(/\n+$/, '')))
    }

    /** Columns line up only without tabs: every tab to the next multiple of 8. */
    static String expandTabs(String s) {
        if (s.indexOf('\t') < 0) return s
        s.readLines().collect { String l ->
            StringBuilder b = new StringBuilder()
            for (char ch : l.toCharArray()) {
                if (ch == ('\t' as char)) { b.append(' ' * (8 - b.length() % 8)) } else b.append(ch)
            }
            b.toString()
        }.join('\n')
    }

    private String summary(Both b) {
        List<String> d = b.differences()
        if (d.isEmpty()) return dim('(same)')
        if (d.size() > 6) return mark("differ: ${d.size()} lines, from ${d[0]} on")
        return mark(b.diff())
    }

    private String registers(Registers a, Registers b) {
        List<List<String>> r = []
        Set<String> names = new LinkedHashSet<String>(a.values().keySet())
        names.addAll(b.values().keySet())
        int digits = a.arch().pointerBits().intdiv(4) as int
        names.each { String n ->
            Long x = a.values()[n], y = b.values()[n]
            r << [n, x == null ? '-' : String.format("0x%0${digits}x", x), y == null ? '-' : String.format("0x%0${digits}x", y)]
        }
        int differ = a.diff(b).size()
        return rows(r) + (differ == 0 ? dim('(same)') : mark("$differ register${differ == 1 ? '' : 's'} differ: ${a.diff(b).keySet().join(', ')}"))
    }

    private String checksums(Checksums a, Checksums b, Both both) {
        rows([['instr', "${a.instr()}".toString(), "${b.instr()}".toString()],
              ['regs', hex(a.regs()), hex(b.regs())],
              ['ram', hex(a.ram()), hex(b.ram())],
              ['tlb', hex(a.tlb()), hex(b.tlb())]]) +
                dim("regs: ${Checksums.REGS_SOURCE}; ram: ${Checksums.RAM_SOURCE}; tlb: ${Checksums.TLB_SOURCE}") + '\n' + summary(both)
    }

    private static String hex(Long v) { v == null ? 'n/a' : String.format('0x%08x', v) }

    /** Rows of label, rec, rep; a row whose rec and rep differ is highlighted. */
    String rows(List<List<String>> rows) {
        int l = Math.max(3, (rows.collect { it[0].length() }.max() ?: 0) as int)
        int c = Math.max(3, (rows.collect { it[1].length() }.max() ?: 0) as int)
        StringBuilder s = new StringBuilder()
        s << (ansi ? DIM_ON : '') << '  ' << ''.padRight(l) << '  ' << 'rec'.padRight(c) << '  rep' << (ansi ? OFF : '') << '\n'
        rows.each { List<String> r ->
            boolean differ = r[1] != r[2]
            String line = r[0].padRight(l) + '  ' + r[1].padRight(c) + '  ' + r[2]
            s << (differ ? (ansi ? '  ' + DIFF_ON + line + OFF : '* ' + line) : '  ' + line) << '\n'
        }
        return s.toString()
    }

    /**
     * Two columns, rec left and rep right, line by line; lines whose text differs are highlighted
     * (plain text: every row of them starts with `*`). A line longer than its column wraps within
     * the column (see {@link #wrap}), so the rows of rec and rep stay side by side and no row is
     * wider than the terminal: a row the terminal wrapped itself would carry no mark.
     */
    String columns(String a, String b) {
        List<String> x = expandTabs(a).readLines(), y = expandTabs(b).readLines()
        // '  ' or '* ', the left column, ' | ', the right one
        int both = Math.max(width - 5, 6)
        int col
        if (ansi) {
            col = both.intdiv(2) as int
        } else {
            // plain text keeps short left lines' column narrow, and gives the right one the rest
            int left = Math.max(3, (x.collect { it.length() }.max() ?: 0) as int)
            col = Math.min(left, both.intdiv(2) as int)
        }
        int right = both - col
        StringBuilder s = new StringBuilder()
        s << (ansi ? DIM_ON : '') << '  ' << 'rec'.padRight(col) << ' | rep' << (ansi ? OFF : '') << '\n'
        int n = Math.max(x.size(), y.size())
        for (int i = 0; i < n; i++) {
            String l = i < x.size() ? x[i] : '', r = i < y.size() ? y[i] : ''
            boolean differ = l != r
            List<String> lw = wrap(l, col), rw = wrap(r, right)
            int k = Math.max(lw.size(), rw.size())
            for (int j = 0; j < k; j++) {
                String lc = (j < lw.size() ? lw[j] : '').padRight(col), rc = j < rw.size() ? rw[j] : ''
                if (differ && ansi) s << '  ' << DIFF_ON << lc << OFF << ' | ' << DIFF_ON << rc << OFF << '\n'
                else s << (differ ? '* ' : '  ') << lc << ' | ' << rc << '\n'
            }
        }
        return s.toString()
    }

    /** Ends a piece cut inside a token too long for its column: the token goes on on the next row. */
    static final String CUT = '\\'

    /**
     * Pieces of at most {@code w} characters, broken between tokens: after a blank or a comma
     * ("f (a=1, b=2)"), else inside a path after a slash, so that "op_helper.c:2020" or a number
     * stays whole. A token with no such place in reach is cut with {@link #CUT} at its end.
     */
    static List<String> wrap(String s, int w) {
        List<String> out = []
        String rest = s
        while (rest.length() > w) {
            int cut = breakBefore(rest, w)
            if (cut > 0) {
                out << rest.substring(0, cut).stripTrailing()
                rest = rest.substring(cut).stripLeading()
            } else {
                out << rest.substring(0, w - 1) + CUT
                rest = rest.substring(w - 1)
            }
        }
        out << rest
        return out
    }

    /** Where to break {@code s} to keep its first piece within {@code w} characters: after a blank or comma, else a slash; 0 for none. */
    private static int breakBefore(String s, int w) {
        for (String marks : [' ,', '/']) {
            for (int i = w; i > 0; i--) {
                // the character before i ends a piece; i == w may also break at a blank that follows
                if (marks.indexOf((int) s.charAt(i - 1)) >= 0 || (i == w && s.charAt(i) == (char) ' ')) return i
            }
        }
        return 0
    }

    String mark(String s) { ansi ? DIFF_ON + s + OFF : s }

    String dim(String s) { ansi ? DIM_ON + s + OFF : s }

    String error(String s) { ansi ? '\u001b[31m' + s + OFF : s }
}
