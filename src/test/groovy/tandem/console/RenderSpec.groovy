// Side-by-side rendering of long lines: where a line wraps, and which rows carry the mark of a
// difference. The lines are the shapes the real panda-system-mips (debug build) gives: a backtrace
// frame with its source path, gdb's answer to `break`, and cpu_dump_state's first line.
package tandem.console

import spock.lang.Specification

class RenderSpec extends Specification {
    static final String FRAME_REC = '#0  helper_mtc0_entryhi (env=0x555556a4c0e0, arg1=2143373312) at /home/panda/build/panda/target/mips/op_helper.c:2020'
    static final String FRAME_REP = '#0  helper_mtc0_entryhi (env=0x555556a4c0e0, arg1=2143373568) at /home/panda/build/panda/target/mips/op_helper.c:2020'
    static final String BREAK = 'Breakpoint 2 at 0x5555558a1c3e: file /home/panda/build/panda/target/mips/op_helper.c, line 2020.'
    static final String DUMP_REC = 'pc=0x80012e44 HI=0x00000000 LO=0x00000000 ds 00ea 80012e44 0\nGPR00: r0 00000000 at 80020000 v0 00000001 v1 00000000'
    static final String DUMP_REP = 'pc=0x80012e44 HI=0x00000000 LO=0x00000000 ds 00ea 80012e48 0\nGPR00: r0 00000000 at 80020000 v0 00000001 v1 00000000'

    /** The source file names of {@code line} ("op_helper.c:2020", "op_helper.c,") not whole on one row of {@code rows}. */
    static List<String> brokenTokens(String line, List<String> rows) {
        line.split(/\s+/).findAll { it =~ /\.c\b/ }.collect { it.substring(it.lastIndexOf('/') + 1) }
                .findAll { String t -> !rows.any { it.contains(t) } }
    }

    def "a long frame or breakpoint line wraps between tokens, never inside file.c:LINE, in a narrow terminal's columns"() {
        given: 'a terminal 80 columns wide: each side gets 37'
        Render r = new Render(true, 80)

        when:
        String out = r.columns(rec, rep).replaceAll(/\u001b\[[0-9;]*m/, '')
        List<String> rows = out.readLines()

        then: 'op_helper.c:2020 stays whole, and no row is wider than the terminal'
        brokenTokens(rec, rows) == []
        !rows.any { it.contains('op_helper.c:202 ') || it.endsWith('op_helper.c:202') }
        rows.every { it.length() <= 80 }

        where:
        rec       | rep
        FRAME_REC | FRAME_REP
        BREAK     | BREAK
    }

    def "plain text side by side fits the width, and every row of a differing line carries the mark"() {
        given: 'plain text (a pipe or a script) 80 columns wide'
        Render r = new Render(false, 80)

        when:
        List<String> rows = r.columns(DUMP_REC + '\n' + FRAME_REC, DUMP_REP + '\n' + FRAME_REP).readLines()
        List<String> body = rows.drop(1)

        then: 'no row runs past the width, where a terminal would wrap it onto an unmarked row'
        rows.every { it.length() <= 80 }

        and: "the rows of cpu_dump_state's first line, where rep's 80012e48 sits, are all marked"
        List<String> first = body.takeWhile { !it.contains('GPR00') }
        first.size() >= 1
        first.any { it.contains('80012e48') }
        first.every { it.startsWith('* ') }

        and: 'the GPR line is the same on both sides: unmarked'
        body.find { it.contains('GPR00') }.startsWith('  ')

        and: 'the frame lines differ: every row of them is marked, and op_helper.c:2020 stays whole'
        body.dropWhile { !it.contains('#0') }.every { it.startsWith('* ') }
        brokenTokens(FRAME_REC, rows) == []
    }

    def "a token longer than a column is cut with a marker, not silently"() {
        expect:
        Render.wrap('x ' + 'a' * 50, 20).every { it.length() <= 20 }
        Render.wrap('x ' + 'a' * 50, 20).findAll { it.endsWith('\\') }.size() >= 2
        Render.wrap('/usr/src/panda/target/mips/op_helper.c:2020', 20) == ['/usr/src/panda/', 'target/mips/', 'op_helper.c:2020']
        Render.wrap('f (a=1, b=2, c=3)', 10) == ['f (a=1,', 'b=2, c=3)']
    }
}
