// Step 1 of the notes, "Guest files":
//   > A good way to get these is with PyPanda. [...] if you need to know the cmdline for panda to
//   > boot that guest, this python one-liner will tell you what that is.
//   >     python3 -m pandare.qcows mips
// Prints the generic guest's files and PANDA command line: pandare's answer when it is
// installed, else the notes' known command line and what to install (pip install pandare).
//
// Parameters (defaults are the notes' values):
//   --panda-build DIR  ~/git/panda/build          --arch A      mips
//   --qcow FILE        ~/.panda/debian_7.3_mips.qcow
//   --kernel FILE      ~/.panda/vmlinux-3.2.0-4-4kc-malta
//   --python PATH      python3                     --dry-run     print the commands only
//   --demo             the demo target (mini-PANDA): its binary and command line
// Run: tandem run recipes/01-guest-files.groovy [--demo] [--dry-run] ...
STEP = '01-guest-files'
def r = recipe(STEP) // the shared helpers: recipes/lib/Recipe.groovy

r.header('the guest files and the PANDA command line')
if (r.demo) {
    r.show("demo target: mini-PANDA, a stand-in for PANDA built with tandem; it needs no guest files")
    r.show("  build directory: ${r.build}")
    r.show("  binary:          ${r.panda}" + (java.nio.file.Files.isExecutable(r.panda) ? '' : '   (missing: mvn -B package -DskipTests)'))
    r.show("Run the demo guest interactively (Ctrl-A c: monitor) with the following command:")
    r.show("${r.panda} ${r.line(r.recordArgs())}")
    return
}
String python = r.opt('python', 'python3')
List<String> cmd = [python, '-m', 'pandare.qcows', r.arch]
boolean havePandare = !r.dryRun && ['bash', '-c', "${Recipe_quote(python)} -c 'import pandare' >/dev/null 2>&1"].execute().waitFor() == 0
if (havePandare) {
    def res = r.run(cmd, java.nio.file.Path.of('.').toAbsolutePath())
    if (res.code != 0) throw new tandem.panda.PandaException("${STEP}: ${r.line(cmd)} failed (exit ${res.code})")
} else {
    r.show("\$ ${r.line(cmd)}")
    if (!r.dryRun) r.show("pandare is not installed for ${python}: install it with `pip install pandare`, then")
    r.show("python -c 'from pandare import Panda; Panda(generic=\"${r.arch}\")' downloads the guest files to ~/.panda.")
    r.show("The notes' answer for mips:")
    r.show("Run the generic mips PANDA guest interactively with the following command:")
    String b = r.build.toString()
    r.show("${b}/mips-softmmu/panda-system-mips -L ${b}/mips-softmmu/pc-bios -os linux-32-debian:3.2.0-4-4kc-malta ${r.line(r.recordArgs())} -loadvm root")
}
[('guest disk image'): r.qcow, ('guest kernel'): r.kernel, ('PANDA binary'): r.panda.toString()].each { what, p ->
    r.show(String.format('  %-17s %s  %s', what + ':', p, java.nio.file.Files.exists(java.nio.file.Path.of(p)) ? '(present)' : '(missing)'))
}

static String Recipe_quote(String s) { "'" + s.replace("'", "'\\''") + "'" }
