// Step 2 of the notes, "Take Mozilla RR recording of PANDA record":
//   >     cd ~/git/panda/build
//   >     rr record -o recrep ./mips-softmmu/panda-system-mips ~/.panda/debian_7.3_mips.qcow \
//   >       -m 1g -M malta -kernel ~/.panda/vmlinux-3.2.0-4-4kc-malta -append root=/dev/sda1 -nographic
//   > Switch to monitor and `loadvm root` if you dont want to wait for boot. Take a recording
//   > named `ls` in which you type something like `/bin/ls /etc` in the guest.
// Starts that command and drives PANDA's console: Ctrl-A c, `loadvm root`, `begin_record ls`,
// Ctrl-A c, `/bin/ls /etc`, Ctrl-A c, `end_record`, `q`.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A     mips       --name N   ls
//   --qcow FILE        ~/.panda/debian_7.3_mips.qcow
//   --kernel FILE      ~/.panda/vmlinux-3.2.0-4-4kc-malta
//   --rec DIR          recrep (in the build directory; in --work with --demo)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --guest-cmd TEXT   /bin/ls /etc          --settle SECONDS  5 (wait for the guest command; 0 with --demo)
//   --no-loadvm        boot instead of `loadvm root`
//   --chain            leave out `-d nochain` (the notes' command line): PANDA then chains TBs while
//                      recording and the search is exact only to a chain of TBs, not to the TB
//   --dry-run          print the commands only
//   --demo             record the demo target in --work DIR (default target/walkthrough), with
//                      --instrs N (200000) guest instructions
// Run: tandem run recipes/02-record.groovy [--demo] [--dry-run] ...
STEP = '02-record'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header("rr recording of PANDA taking the recording '${r.name}'")
r.mipsNote()
r.show(r.chained ? "note (--chain): ${tandem.panda.PandaAdvice.NOCHAIN}"
        : "note: PANDA records with -d nochain here, which the notes' command lacks: ${tandem.panda.PandaAdvice.NOCHAIN}")
r.requirePanda()
r.requireGuest()
r.requireRr()
if (r.demo && !r.dryRun) {
    // a fresh walkthrough: old traces, recordings and state would be taken for this run's
    r.work.toFile().mkdirs()
    [r.rec, r.rep].each { it.toFile().deleteDir() }
    r.work.toFile().listFiles().findAll { it.name.startsWith(r.name + '-rr-') || it.name == 'tandem-state.properties' }*.delete()
}
if (!r.dryRun && java.nio.file.Files.exists(r.rec)) {
    throw new tandem.panda.PandaException("${STEP}: ${r.rec} already exists (rr will not overwrite a trace): remove it or give --rec DIR")
}
List<String> cmd = [r.rr, 'record', '-o', r.work.relativize(r.rec).toString(), r.pandaCommand()] + r.recordArgs() + r.nochainArgs()
def res = r.drive(cmd, r.work) {
    if (!r.demo && !r.opt('no-loadvm', null)) monitor('loadvm root')
    monitor("begin_record ${r.name}")
    guest(r.opt('guest-cmd', '/bin/ls /etc'), r.num('settle', r.demo ? 0 : 5) as int)
    monitor('end_record')
    monitor('q')
}
if (!r.dryRun) {
    r.refuseUpstreamMips(STEP, (res.lines ?: []) as List<String>)
    if (res.code != 0) throw new tandem.panda.PandaException("${STEP}: rr record exited with ${res.code}")
    def files = ["${r.name}-rr-snp", "${r.name}-rr-nondet.log"].collect { r.work.resolve(it) }
    def missing = files.findAll { !java.nio.file.Files.exists(it) }
    if (missing) throw new tandem.panda.PandaException("${STEP}: PANDA wrote no recording: missing ${missing.join(', ')}")
    r.show("recording '${r.name}': ${files.collect { "${it.fileName} (${java.nio.file.Files.size(it)} bytes)" }.join(', ')}")
    r.show("rr trace of PANDA recording: ${r.rec}")
}
