// Step 4 of the notes, "Take Mozilla RR recording of PANDA failing to replay its own recording":
//   >     rr record -o reprep \
//   >       ./mips-softmmu/panda-system-mips \
//   >       -m 1g -M malta \
//   >       -kernel ~/.panda/vmlinux-3.2.0-4-4kc-malta \
//   >       -replay ls
// Runs that command; the replay inside is expected to fail, as in step 3.
// --without-rr: there is no trace to take. rep is PANDA's replay itself, which tandem runs under
// gdb (and runs again to go back: a PANDA replay is deterministic); this step says so and stops.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A    mips        --name N    ls
//   --kernel FILE      ~/.panda/vmlinux-3.2.0-4-4kc-malta
//   --rep DIR          reprep (in the build directory; in --work with --demo)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --without-rr       PANDA's replay under tandem's gdb, no rr (see recipes/02-record.groovy)
//   --guest-args TEXT  the guest part of the command line instead of the notes'
//   --dry-run          print the command only
//   --demo             the demo target in --work DIR (target/walkthrough), replaying with
//                      --bug KIND@N (default tlb@100000)
// Run: tandem run recipes/04-record-replay.groovy [--demo] [--dry-run] ...
STEP = '04-record-replay'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header(r.withoutRr ? "PANDA replaying '${r.name}' (and failing), without rr" : "rr recording of PANDA replaying '${r.name}' (and failing)")
if (r.withoutRr) {
    r.show("--without-rr: no rr trace to take. rep is PANDA's replay itself, run under tandem's gdb by steps 5-8"
            + " and run again to go back (a PANDA replay is deterministic). In ${r.work}, rep will run:")
    r.show("  ${r.line([r.pandaCommand()] + r.replayArgs())}")
    return
}
r.requirePanda()
r.requireKernel()
r.requireRr()
r.require(['recording snapshot': r.work.resolve("${r.name}-rr-snp"), 'recording log': r.work.resolve("${r.name}-rr-nondet.log")])
if (!r.dryRun && java.nio.file.Files.exists(r.rep)) {
    if (r.demo) r.rep.toFile().deleteDir()
    else throw new tandem.panda.PandaException("${STEP}: ${r.rep} already exists (rr will not overwrite a trace): remove it or give --rep DIR")
}
List<String> cmd = [r.rr, 'record', '-o', r.work.relativize(r.rep).toString(), r.pandaCommand()] + r.replayArgs()
def res = r.run(cmd, r.work)
if (r.dryRun) return
def replay = new tandem.panda.ReplayOutput(res.lines as List<String>, res.code as int)
if (!java.nio.file.Files.isDirectory(r.rep)) throw new tandem.panda.PandaException("${STEP}: rr made no trace at ${r.rep} (exit ${res.code})")
r.show(replay.failed() ? "PANDA's replay failed under rr, as in step 3 (last instr count ${replay.lastInstr().orElse(-1)})"
        : "warning: PANDA's replay did not fail under rr (exit ${res.code})")
r.show("rr trace of PANDA replaying: ${r.rep}")
