// Step 6 of the notes, "Running diverge.py":
//   >     python ../panda/scripts/diverge.py --rr /usr/local/bin/rr recrep reprep --instr-max=XX
//   > Use the last instruction replay got to from before, here, in place of XX.
// Opens both replays and runs tandem's divergence search (the console's `bisect lo, hi`) over
// [--lo, --instr-max]; saves the answer (lastEqual, firstDiverged) in tandem-state.properties
// for steps 7 and 8. Needs tandem.bisect; without it, fails saying so.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips
//   --rec DIR          recrep                 --rep DIR   reprep   (in the build directory)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --gdb PATH         gdb
//   --instr-max N      the last instruction count the replay reached (default: step 3's, from
//                      tandem-state.properties)
//   --lo N             0
//   --without-rr       PANDA's replay under tandem's gdb, no rr (see recipes/02-record.groovy)
//   --guest-args TEXT  the guest part of the command line instead of the notes'
//   --dry-run          print the commands only
//   --demo             the demo's traces in --work DIR (target/walkthrough)
// Run: tandem run recipes/06-bisect.groovy [--demo] [--dry-run] [--instr-max N] ...
STEP = '06-bisect'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header('find the divergence')
long hi = r.fromState('instr-max', 'instrMax', 'run recipes/03-check-replay.groovy first, or give --instr-max N')
long lo = r.num('lo', 0)
if (r.withoutRr) {
    r.show("diverge.py has no equivalent here: it replays rr traces, and --without-rr has none")
} else {
    r.show("diverge.py's equivalent: python ../panda/scripts/diverge.py --rr ${r.rr} ${r.rec} ${r.rep} --instr-max=${hi < 0 ? 'XX' : hi}"
            + (r.arch == 'mips' ? " (MIPS: the diverge.py of PANDA's branch mips_serious_rec_attempt; upstream's supports i386, x86_64, arm and ppc only)" : ''))
}
r.mipsNote()
r.open()
def d = r.dsl("bisect $lo, ${hi < 0 ? 'XX' : hi}") { bisect(lo, hi) }
if (r.dryRun) return
boolean diverged = d.diverged()
if (!diverged) {
    r.show("no divergence found in [$lo, $hi]")
    r.save(lastEqual: hi, firstDiverged: -1)
    return
}
long lastEqual = d.lastEqual()
long first = d.firstDiverged()
// the search's report above ends with its headline and the arguments to get back here
r.save(lastEqual: lastEqual, firstDiverged: first)
