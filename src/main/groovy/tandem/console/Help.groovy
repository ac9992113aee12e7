// The console's verbs, each with a one-line example from the notes: what `help` prints and what
// completion offers.
package tandem.console

import groovy.transform.CompileStatic

@CompileStatic
class Help {
    /** verb (as completed) -> [example, what it does] */
    static final Map<String, List<String>> VERBS = [
            'toInstr'   : ['toInstr 1718780', 'to the first TB at or after guest instruction N (notes: rr_guest_instr_count > 1718780)'],
            'regs'      : ['regs()', 'guest registers: PC, GPRs, EPC, EntryHi... side by side, differences marked'],
            'disas'     : ['disas()', 'the TB about to execute (call target_disas(stdout, cpu, tb->pc, tb->size, 0))'],
            'cpuDump'   : ['cpuDump()', 'call cpu_dump_state((CPUState*) cpus->tqh_first, stderr, fprintf, CPU_DUMP_FPU)'],
            'v2p'       : ['v2p 0x7f81cac0', 'call panda_virt_to_phys(cpus->tqh_first, 0x7f81cac0): physical or unmapped'],
            'checksums' : ['checksums()', "PANDA's rr_checksum_regs(), tandem's crc32 of RAM and of the TLB entries"],
            'pc'        : ['pc()', 'p/x ((CPUMIPSState*)cpus->tqh_first->env_ptr)->active_tc.PC'],
            'instr'     : ['instr()', 'p cpus->tqh_first->rr_guest_instr_count'],
            'epc'       : ['epc()', 'p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EPC'],
            'asid'      : ['asid()', 'the MIPS ASID, kinda: CP0_EntryHi & 0xff'],
            'c'         : ['c', "gdb's continue on the focus (your breakpoints apply; Ctrl-C stops it)"],
            'rc'        : ['rc', "reverse-continue to the last stop of your breakpoints/watchpoints before now (rr's own on rr; elsewhere by re-execution)"],
            'si'        : ['si', 'stepi'],
            'rsi'       : ['rsi', 'reverse-stepi: at cpu_loop_exec_tb, the previous TB; elsewhere one host instruction back'],
            'reverse-finish': ['reverse-finish', "back to the first instruction of the current host function's call (gdb's own stops one earlier, at the call)"],
            'origin'    : ["origin 'tlb[3].VPN2'", "last change before now of an lvalue or guest register ('EntryHi', 'gpr[5]'); origin rec, 'x'"],
            'nextTb'    : ['nextTb()', 'one basic block on (break cpu_loop_exec_tb; continue)'],
            'bt'        : ['bt()', 'backtrace'],
            'use'       : ['use rep', 'focus: use rec, use rep, use both (the default)'],
            'gdb'       : ["gdb 'info breakpoints'", 'any gdb command as a string (pasted gdb lines work as they are)'],
            'nondet'    : ['nondet 992112', "PANDA's nondet log items around a count (nondet(): around the side's own), the one consumed last marked"],
            'hostDiff'  : ['hostDiff()', "the first host function whose result differs in the TB both sides stand at (one count, one TB): its values on rec and rep and its backtrace (both replays)"],
            'eval'      : ["eval 'cpus->tqh_first->rr_guest_instr_count'", "an expression's value as gdb prints it"],
            'bisect'    : ['bisect 0, 1718780', 'first divergence between two counts; `bisect N`: from N to where a side ends; `bisect` alone: from the start'],
            'lastError' : ['lastError()', 'the full stack trace of the last error'],
            'load'      : ["load 'recipes/07-inspect.groovy', '--demo'", 'run a recipe or script here, with these bindings'],
            'help'      : ['help', 'this list'],
            'exit'      : ['exit', 'leave (or Ctrl-D); ends every gdb and rr tandem started'],
    ]

    static final List<String> SCRIPT_HELPERS = ['demo', 'open', 'sh']

    static String text(Render r) {
        StringBuilder s = new StringBuilder('Verbs act on the focus (rec, rep or both); `both` answers side by side.\n')
        VERBS.each { String verb, List<String> e ->
            s << '  ' << e[0].padRight(46) << ' ' << e[1] << '\n'
        }
        s << '''\
Sessions and values: rec.regs(), rep.eval('x'), both.checksums(), both { it.pc() }; x = 3, def x = 3 and
methods defined here keep for later lines, and a name you bound is yours: `x` is never gdb's x.
run, start, kill and restart are refused: they would lose where rec and rep are (toInstr N goes back).
Pasted gdb lines go to the focus as gdb sees them, with or without "(rr) ":
  break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > 1718780
  call target_disas(stdout, cpu, tb->pc, tb->size, 0)        (casts stdout/stderr/fprintf when gdb asks)
  p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EntryHi
Shell: $ ls -l   or   !ls       (lines ending in \\ continue on the next line)
Scripts (tandem run): demo(bug: 'tlb', at: 1000000, instrs: 2000000), open(rec: 'recrep', rep: 'reprep'), sh('ls')'''
        return s.toString()
    }
}
