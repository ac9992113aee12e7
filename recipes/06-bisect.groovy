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
//   --dry-run          print the commands only
//   --demo             the demo's traces in --work DIR (target/walkthrough)
// Run: tandem run recipes/06-bisect.groovy [--demo] [--dry-run] [--instr-max N] ...
STEP = '06-bisect'
// the shared helpers: recipes/lib/Recipe.groovy, next to this file
def here = getClass().protectionDomain.codeSource?.location
// loaded with evaluate(new File(...)) from the console: run again with the console's DSL
if (!(this instanceof tandem.console.TandemScript) && here?.protocol == 'file') {
    return new GroovyShell(getClass().classLoader, binding, tandem.console.Evaluator.config()).evaluate(new File(here.toURI()))
}
File dir = here?.protocol == 'file' && here.path.endsWith('.groovy') ? new File(here.toURI()).parentFile
        : new File(System.getProperty('tandem.home') ?: '.', 'recipes')
def r = new GroovyClassLoader(getClass().classLoader).parseClass(new File(dir, 'lib/Recipe.groovy')).newInstance(this, STEP)

r.header('find the divergence')
long hi = r.fromState('instr-max', 'instrMax', 'run recipes/03-check-replay.groovy first, or give --instr-max N')
long lo = r.num('lo', 0)
r.show("diverge.py's equivalent: python ../panda/scripts/diverge.py --rr ${r.rr} ${r.rec} ${r.rep} --instr-max=${hi < 0 ? 'XX' : hi}")
if (!tandem.console.BisectHook.available()) {
    throw new tandem.panda.PandaException("${STEP}: the divergence search is not available in this build of tandem: " +
            "it comes with tandem.bisect (class ${tandem.console.BisectHook.BISECTOR}), which is missing. " +
            "Meanwhile bisect by hand: toInstr N and checksums() on both sides, halving [$lo, $hi]")
}
r.open()
// the console's verb; tandem.bisect's own entry (Bisector.search(pair, options)) where the
// console's hook does not know it yet
Class bisector = null
try { bisector = Class.forName(tandem.console.BisectHook.BISECTOR) } catch (ClassNotFoundException ignored) { }
boolean direct = bisector != null && bisector.methods.any { it.name == 'search' && java.lang.reflect.Modifier.isStatic(it.modifiers) && it.parameterCount == 2 }
def d = r.dsl("bisect $lo, ${hi < 0 ? 'XX' : hi}") {
    if (!direct) return bisect(lo, hi)
    def listener = [progress: { p -> r.show("  ${p}") }, note: { m -> r.show("  note: ${m}") }]
            .asType(Class.forName('tandem.bisect.BisectListener'))
    def opts = Class.forName('tandem.bisect.BisectOptions').defaults().bounds(lo, hi).listener(listener)
    bisector.search(ctx.pair(), opts)
}
if (r.dryRun) return
boolean diverged = d.respondsTo('diverged') ? d.diverged() : true
if (!diverged) {
    r.show("no divergence found in [$lo, $hi]")
    r.save(lastEqual: hi, firstDiverged: -1)
    return
}
long lastEqual = d.respondsTo('lastEqual') ? d.lastEqual() : -1
long first = d.respondsTo('firstDiverged') ? d.firstDiverged() : -1
r.show(d.respondsTo('headline') ? d.headline() : "first divergence at guest instruction $first")
if (d.respondsTo('backHere')) r.show("args to get back here: ${d.backHere()}")
r.save(lastEqual: lastEqual, firstDiverged: first)
