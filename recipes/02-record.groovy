// Step 2 of the notes, "Take Mozilla RR recording of PANDA record":
//   >     cd ~/git/panda/build
//   >     rr record -o recrep ./mips-softmmu/panda-system-mips ~/.panda/debian_7.3_mips.qcow \
//   >       -m 1g -M malta -kernel ~/.panda/vmlinux-3.2.0-4-4kc-malta -append root=/dev/sda1 -nographic
//   > Switch to monitor and `loadvm root` if you dont want to wait for boot. Take a recording
//   > named `ls` in which you type something like `/bin/ls /etc` in the guest.
// Starts that command and drives PANDA's console: Ctrl-A c, `loadvm root`, `begin_record ls`,
// Ctrl-A c, `/bin/ls /etc`, Ctrl-A c, `end_record`, `q`.
// --without-rr (no rr here): PANDA runs under gdb instead, which prints at rr_do_begin_record the
// state PANDA neither snapshots nor logs (MIPS: QEMU's Random seed, which picks tlbwr's entry);
// that is saved as recAtBegin in tandem-state.properties, and steps 5-8 give it to the replay
// that stands for the record run. It is driven as `tandem record` drives a record run
// (tandem.cli.RecordRun, README "The record run as the rec side"): PANDA started with -S, its
// monitor and serial port on unix sockets; the guest is stopped (`stop`) while `begin_record`
// takes the snapshot, so the state read is the snapshot's, then goes on (`cont`). PANDA's output
// is in NAME-record.out; a recording NAME already there is refused, not overwritten.
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build      --arch A     mips       --name N   ls
//   --qcow FILE        ~/.panda/debian_7.3_mips.qcow
//   --kernel FILE      ~/.panda/vmlinux-3.2.0-4-4kc-malta
//   --rec DIR          recrep (in the build directory; in --work with --demo)
//   --rr PATH          /usr/local/bin/rr, else rr on the PATH (--demo: src/test/rr/rr)
//   --guest-cmd TEXT   /bin/ls /etc          --settle SECONDS  5 (wait for the guest command; 0 with --demo)
//   --no-loadvm        boot instead of `loadvm root`
//   --without-rr       PANDA under gdb, not rr (above); the recording is taken without -d nochain
//   --guest-args TEXT  the guest part of the command line instead of the notes' (qcow, -m, -M,
//                      -kernel, -append), e.g. '-M malta -m 128M -kernel guest.elf'; no loadvm then
//   --wait-for TEXT    guest output to wait for before begin_record
//   --monitor CMD      a monitor command to run before begin_record, once the guest output is there
//                      (repeatable, run in order; after the notes' `loadvm root`), e.g. --monitor 'loadvm root'
//   --until TEXT       guest output to wait for after the guest command, before end_record
//   --chain            leave out `-d nochain` (the notes' command line): PANDA then chains TBs while
//                      recording and the search is exact only to a chain of TBs, not to the TB
//   --dry-run          print the commands only
//   --demo             record the demo target in --work DIR (default target/walkthrough), with
//                      --instrs N (200000) guest instructions
// Run: tandem run recipes/02-record.groovy [--demo] [--dry-run] ...
STEP = '02-record'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header(r.withoutRr ? "PANDA taking the recording '${r.name}' under gdb (without rr)" : "rr recording of PANDA taking the recording '${r.name}'")
if (r.withoutRr && r.demo) throw new tandem.panda.PandaException("${STEP}: --without-rr is for real PANDA: the demo's rr stand-in runs mini-PANDA's record run again exactly")
r.mipsNote()
if (r.withoutRr) {
    r.show("note (--without-rr): no rr trace of this run is taken. rec will be PANDA replaying '${r.name}' given the"
            + " state this run had at rr_do_begin_record that PANDA neither snapshots nor logs"
            + (r.unloggedState() ? " (${r.unloggedState().join(', ')})" : ' (none known for this arch)')
            + ": that replay is this run again, and PANDA never chains TBs replaying")
} else {
    r.show(r.chained ? "note (--chain): ${tandem.panda.PandaAdvice.NOCHAIN}"
            : "note: PANDA records with -d nochain here, which the notes' command lacks: ${tandem.panda.PandaAdvice.NOCHAIN}")
}
r.requirePanda()
r.requireGuest()
r.requireRr()
if (r.demo && !r.dryRun) {
    // a fresh walkthrough: old traces, recordings and state would be taken for this run's
    r.work.toFile().mkdirs()
    [r.rec, r.rep].each { it.toFile().deleteDir() }
    r.work.toFile().listFiles().findAll { it.name.startsWith(r.name + '-rr-') || it.name == 'tandem-state.properties' }*.delete()
}
if (!r.dryRun && !r.withoutRr && java.nio.file.Files.exists(r.rec)) {
    throw new tandem.panda.PandaException("${STEP}: ${r.rec} already exists (rr will not overwrite a trace): remove it or give --rec DIR")
}
List<String> panda = [r.pandaCommand()] + r.recordArgs() + r.nochainArgs()
List<String> cmd
if (r.withoutRr) {
    def arch = tandem.panda.Arch.fromName(r.arch).orElseThrow { new tandem.panda.PandaException("${STEP}: unknown --arch ${r.arch}") }
    cmd = r.underGdb(panda, 'rr_do_begin_record', tandem.panda.UnloggedState.printCommands(arch))
} else {
    cmd = [r.rr, 'record', '-o', r.work.relativize(r.rec).toString()] + panda
}
Map res
if (r.withoutRr) {
    // tandem record's driver (RecordRun): the monitor and the serial port on unix sockets, -S; the
    // guest stopped while begin_record writes the snapshot, so gdb reads the snapshot's state
    List<String> monitor = (!r.demo && r.guestArgs == null && !r.opt('no-loadvm', null) ? ['loadvm root'] : []) + r.all('monitor')
    String until = r.opt('until', null)
    def plan = new tandem.cli.RecordRun.Plan(cmd, r.work, r.name, monitor, r.opt('wait-for', null),
            r.opt('guest-cmd', '/bin/ls /etc') + '\n', until, until ? 0 : r.num('settle', 5) as long, 600)
    if (r.dryRun) {
        r.show("\$ cd ${r.work}")
        r.show("\$ ${r.line(cmd)} -S -monitor unix:SOCKET,server,nowait -serial unix:SOCKET,server,nowait")
        tandem.cli.RecordRun.steps(plan).each { r.show("  >> $it") }
        res = [code: 0, lines: []]
    } else {
        def stream = new PrintStream(new OutputStream() {
            void write(int b) { r.out.write(b) }
            void flush() { r.out.flush() }
        }, true)
        def result = tandem.cli.RecordRun.run(plan, stream)
        r.show("PANDA's output (${result.outputFile().fileName}):")
        result.output().readLines().each { r.echo(it) }
        res = [code: 0, lines: result.output().readLines()]
    }
} else {
    res = r.drive(cmd, r.work) {
        String waitFor = r.opt('wait-for', null)
        if (waitFor) expect(waitFor, 600)
        if (!r.demo && r.guestArgs == null && !r.opt('no-loadvm', null)) monitor('loadvm root')
        r.all('monitor').each { monitor(it) }
        monitor("begin_record ${r.name}")
        guest(r.opt('guest-cmd', '/bin/ls /etc'), r.num('settle', r.demo || r.opt('until', null) ? 0 : 5) as int)
        String until = r.opt('until', null)
        if (until) expect(until, 600)
        monitor('end_record')
        monitor('q')
    }
}
if (!r.dryRun) {
    r.refuseUpstreamMips(STEP, (res.lines ?: []) as List<String>)
    if (res.code != 0) throw new tandem.panda.PandaException("${STEP}: ${r.withoutRr ? 'gdb running PANDA' : 'rr record'} exited with ${res.code}")
    def files = ["${r.name}-rr-snp", "${r.name}-rr-nondet.log"].collect { r.work.resolve(it) }
    def missing = files.findAll { !java.nio.file.Files.exists(it) }
    if (missing) throw new tandem.panda.PandaException("${STEP}: PANDA wrote no recording: missing ${missing.join(', ')}")
    r.show("recording '${r.name}': ${files.collect { "${it.fileName} (${java.nio.file.Files.size(it)} bytes)" }.join(', ')}")
    if (r.withoutRr) {
        def values = tandem.panda.UnloggedState.parse(res.lines as List<String>)
        def unread = r.unloggedState() - values.keySet()
        if (unread) throw new tandem.panda.PandaException("${STEP}: gdb printed no ${unread.join(', ')} at rr_do_begin_record: is this PANDA built with debug info?")
        r.save(recAtBegin: tandem.panda.UnloggedState.restoreCommands(values).join('\n'))
    } else {
        r.show("rr trace of PANDA recording: ${r.rec}")
    }
}
