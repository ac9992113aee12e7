// Step 3 of the notes, "verify that replaying the PANDA recording you just created fails":
//   >     ./mips-softmmu/panda-system-mips -m 1g -M malta \
//   >       -kernel ~/.panda/vmlinux-3.2.0-4-4kc-malta -replay ls
//   > If you now have a failing replay, take note of the max instr count reached during replay
//   > since you'll need it later.
// Runs the replay, reads its progress lines and failure text, and saves the last instruction
// count reached (diverge.py's --instr-max, step 6's bound) as instrMax in tandem-state.properties
// next to the traces: the replay point of PANDA's failure text, never the log point (the log's
// next entry, which the replay did not reach). A replay fails on a non-zero exit or on PANDA's
// failure words (`ERROR: replay failed!` ...) whatever its exit code; when it does not fail there
// is nothing to debug.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips        --name N    ls
//   --kernel FILE      ~/.panda/vmlinux-3.2.0-4-4kc-malta
//   --work DIR         where the recording is: the build directory (--demo: target/walkthrough)
//   --guest-args TEXT  the guest part of the command line instead of the notes' (see recipes/02-record.groovy)
//   --dry-run          print the command only
//   --demo             the demo target; --bug KIND@N (default tlb@100000, half of --instrs 200000)
//                      makes its replay fail the way the notes' does
// Run: tandem run recipes/03-check-replay.groovy [--demo] [--dry-run] ...
STEP = '03-check-replay'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header("check that replaying '${r.name}' fails")
r.mipsNote()
r.requirePanda()
r.requireKernel()
r.require(['recording snapshot': r.work.resolve("${r.name}-rr-snp"), 'recording log': r.work.resolve("${r.name}-rr-nondet.log")])
List<String> cmd = [r.pandaCommand()] + r.replayArgs()
def res = r.run(cmd, r.work)
if (r.dryRun) return
r.refuseUpstreamMips(STEP, res.lines as List<String>)
def replay = new tandem.panda.ReplayOutput(res.lines as List<String>, res.code as int)
replay.snapshotNotLoaded().ifPresent { why ->
    throw new tandem.panda.PandaException("${STEP}: " + tandem.panda.ReplayOutput.snapshotFailure(r.work.resolve("${r.name}-rr-snp").toString(), why))
}
if (!replay.failed()) {
    throw new tandem.panda.PandaException("${STEP}: the replay of '${r.name}' did not fail (exit ${res.code}): nothing to debug")
}
r.show("the replay failed (exit ${res.code}):")
replay.failureText().each { r.show("  | $it") }
long last = replay.lastInstr().orElseThrow {
    new tandem.panda.PandaException("${STEP}: the replay failed but printed no instruction count (no progress line, no {guest_instr_count=N})")
}
r.show("max instr count reached during replay: $last")
Map values = [instrMax: last, recording: r.name]
// the demo says where its injected bug took effect: the answer step 6 must find
String injected = replay.lines().find { it.startsWith('mini-panda: injected') }
if (injected) values.injectedAt = injected.trim().split(' ')[-1] as long
r.save(values)
