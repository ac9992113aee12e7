// Step 7 of the notes, "Further debugging with rr" / "Other things you might need", items 1-8,
// on both replays side by side at one guest instruction count:
//   >     break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > 1718780
//   > 1. call target_disas(stdout, cpu, tb->pc, tb->size, 0)
//   > 2. call cpu_dump_state((CPUState*) cpus->tqh_first, stderr, fprintf, CPU_DUMP_FPU)
//   > 3. p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EPC
//   > 4. p/x ((CPUMIPSState *) (cpus->tqh_first->env_ptr))->CP0_EntryHi
//   > 5. p cpus->tqh_first->rr_guest_instr_count
//   > 6. p/x ((CPUMIPSState*)cpus->tqh_first->env_ptr)->active_tc.PC
//   > 7. call rr_checksum_regs() / call rr_checksum_ram() / call rr_checksum_tlb()
//   > 8. call panda_virt_to_phys(cpus->tqh_first, 0x7f81cac0)
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips
//   --rec DIR          recrep                 --rep DIR   reprep   (in the build directory)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --gdb PATH         gdb
//   --at N             the guest instruction count to look at (default: step 6's firstDiverged,
//                      else step 3's instrMax, from tandem-state.properties; the notes use 1718780)
//   --addr A           the virtual address for v2p (0x7f81cac0)
//   --without-rr       PANDA's replay under tandem's gdb, no rr (see recipes/02-record.groovy)
//   --guest-args TEXT  the guest part of the command line instead of the notes'
//   --dry-run          print the commands only
//   --demo             the demo's traces in --work DIR (target/walkthrough)
// Run: tandem run recipes/07-inspect.groovy [--demo] [--dry-run] [--at N] [--addr A] ...
STEP = '07-inspect'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header('inspect both replays side by side')
long at = r.o.containsKey('at') ? r.num('at', null) : {
    def st = r.state()
    String v = st.getProperty('firstDiverged')
    if (v != null && (v as long) >= 0) return v as long
    r.fromState('at', 'instrMax', 'run recipes/06-bisect.groovy (or 03) first, or give --at N')
}()
long addr = r.num('addr', '0x7f81cac0')
String atText = at < 0 ? 'N' : "$at"
r.open()
r.show("(rr) break cpu_loop_exec_tb if cpus->tqh_first->rr_guest_instr_count > ${at < 0 ? 1718780 : at - 1}")
r.dsl("toInstr $atText") { toInstr(at) }
boolean mips = r.arch == 'mips'
String env = "((CPUMIPSState *) (cpus->tqh_first->env_ptr))"
r.show('\n1. TB disassembly      (rr) call target_disas(stdout, cpu, tb->pc, tb->size, 0)')
r.dsl('disas()') { disas() }
r.show('\n2. registers           (rr) call cpu_dump_state((CPUState*) cpus->tqh_first, stderr, fprintf, CPU_DUMP_FPU)')
r.dsl('cpuDump()') { cpuDump() }
if (mips) {
    r.show("\n3. EPC                 (rr) p/x ${env}->CP0_EPC")
    r.dsl('epc()') { epc() }
    r.show("\n4. EntryHi / ASID      (rr) p/x ${env}->CP0_EntryHi")
    r.dsl("gdb 'p/x ${env}->CP0_EntryHi'") { gdb("p/x ${env}->CP0_EntryHi") }
    r.dsl('asid()') { asid() }
} else {
    r.show('\n3, 4. EPC and EntryHi are MIPS registers: skipped for ' + r.arch)
}
r.show('\n5. instruction count   (rr) p cpus->tqh_first->rr_guest_instr_count')
r.dsl('instr()') { instr() }
r.show("\n6. PC                  (rr) p/x ((CPUMIPSState*)cpus->tqh_first->env_ptr)->active_tc.PC")
r.dsl('pc()') { pc() }
r.show('\n7. checksums           (rr) call rr_checksum_regs() / rr_checksum_ram() / rr_checksum_tlb()')
def sums = r.dsl('checksums()') { checksums() }
r.show(String.format('\n8. v2p                 (rr) call panda_virt_to_phys(cpus->tqh_first, 0x%x)', addr))
r.dsl(String.format('v2p 0x%x', addr)) { v2p(addr) }
if (!r.dryRun && sums != null) {
    def diff = sums.rec().differences(sums.rep())
    r.show(diff ? "\nat guest instruction $at rec and rep differ in: ${diff.join(', ')}" : "\nat guest instruction $at rec and rep agree")
}
