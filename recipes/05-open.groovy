// Step 5 of the notes, "Replaying either of those Mozilla RRs" / "Further debugging with rr":
//   >     rr replay recrep
//   >     rr replay reprep
//   > Use one of these to get to start of record/replay.
//   >     break rr_do_begin_record
//   >     break rr_do_begin_replay
// Opens both traces in tandem's console: rec stopped at rr_do_begin_record, rep at
// rr_do_begin_replay (then both at their first TB), and shows where each is.
// From the REPL, after `open(...)`, the same is: instr(); pc().
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips
//   --rec DIR          recrep                 --rep DIR   reprep   (in the build directory)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --gdb PATH         gdb
//   --without-rr       PANDA's replay under tandem's gdb, no rr (see recipes/02-record.groovy)
//   --guest-args TEXT  the guest part of the command line instead of the notes'
//   --dry-run          print the commands only
//   --demo             the demo's traces in --work DIR (target/walkthrough)
// Run: tandem run recipes/05-open.groovy [--demo] [--dry-run] ...
STEP = '05-open'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header(r.withoutRr ? 'open both replays of the recording at rr_do_begin_replay (without rr)' : 'open both replays: rec at rr_do_begin_record, rep at rr_do_begin_replay')
r.open()
if (!r.dryRun && !r.withoutRr) {
    String recorded = new tandem.debugger.RrTrace(java.nio.file.Path.of(r.rr), r.rec).pandaCommand()
    if (tandem.panda.PandaAdvice.recordsChained(recorded)) r.show("note: rec's PANDA ran without -d nochain (${recorded}): ${tandem.panda.PandaAdvice.NOCHAIN}")
}
r.dsl('instr()') { instr() }
r.dsl('pc()') { pc() }
if (!r.dryRun) r.show("both replays are open and stopped at their first TB after record / replay began")
