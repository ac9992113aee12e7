// Step 8 of the notes, "Further debugging with rr", one basic block at a time:
//   > And then you can disable that bp and add this one to go one bb at a time
//   >     break cpu_loop_exec_tb
// From --from, steps both replays one TB at a time (the side that is behind catches up, since
// TB boundaries can differ), printing the instruction count, the PC and whether the state
// (PC, rr_checksum_regs, RAM, rr_checksum_tlb) still agrees, until it differs or --limit TBs.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips
//   --rec DIR          recrep                 --rep DIR   reprep   (in the build directory)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --gdb PATH         gdb
//   --from N           where to start (default: step 6's lastEqual from tandem-state.properties,
//                      else the first TB; the notes use 1718780)
//   --limit N          at most N TBs (500)
//   --without-rr       PANDA's replay under tandem's gdb, no rr (see recipes/02-record.groovy)
//   --guest-args TEXT  the guest part of the command line instead of the notes'
//   --dry-run          print the commands only
//   --demo             the demo's traces in --work DIR (target/walkthrough)
// Run: tandem run recipes/08-walk.groovy [--demo] [--dry-run] [--from N] [--limit N] ...
STEP = '08-walk'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header('walk both replays one TB at a time')
long from = r.o.containsKey('from') ? r.num('from', null) : (r.state().getProperty('lastEqual') ?: '-1') as long
long limit = r.num('limit', 500)
r.open()
if (from >= 0) {
    r.show("(rr) break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > ${from - 1}")
    r.dsl("toInstr $from") { toInstr(from) }
}
r.show('(rr) break cpu_loop_exec_tb')
r.show('(rr) continue      # on the side that is behind, or on both; then compare')
if (r.dryRun) return
def pair = ctx.pair()
def rec = pair.rec(), rep = pair.rep()
Closure<Map> look = { s -> [instr: s.instrCount(), pc: s.pc()] }
r.show(String.format('%6s  %-24s %-24s %s', 'TB', 'rec count / pc', 'rep count / pc', 'state'))
int n = 0
boolean differ = false
Map a = look(rec), b = look(rep)
while (n <= limit) {
    String state
    if (a.instr == b.instr) {
        def sums = pair.both({ s -> s.checksums() } as java.util.function.Function)
        def diff = sums.rec().differences(sums.rep())
        if (a.pc != b.pc) diff = ['pc'] + diff
        differ = !diff.isEmpty()
        state = differ ? "DIFFER: ${diff.join(', ')}" : 'same'
    } else {
        state = 'TB boundaries differ: stepping the side behind'
    }
    r.show(String.format('%6d  %-24s %-24s %s', n, String.format('%d / 0x%x', a.instr, a.pc), String.format('%d / 0x%x', b.instr, b.pc), state))
    if (differ) break
    if (n == limit) break
    n++
    if (a.instr == b.instr) {
        def moved = pair.both({ s -> s.nextTb() } as java.util.function.Function)
        a = look(rec); b = look(rep)
    } else if (a.instr < b.instr) {
        rec.nextTb(); a = look(rec)
    } else {
        rep.nextTb(); b = look(rep)
    }
}
r.show(differ ? "rec and rep first differ at guest instruction ${a.instr}, after ${n} TBs from ${from < 0 ? 'the start' : from}"
        : "no difference in ${n} TBs (raise --limit, or start later with --from N)")
