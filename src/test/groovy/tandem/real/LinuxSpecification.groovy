// What the Linux*Spec classes share: one Linux guest of one PANDA target (LinuxGuest), one
// recording of `ls /etc` from its shell prompt, a plain gdb's reading of the replay at its first
// TB (and its first TB in user mode, where the replay gets there), and no PANDA of theirs left
// running at the end. Every right answer comes from LinuxGuest, never from tandem.
package tandem.real

import spock.lang.Shared
import spock.lang.Specification
import tandem.panda.Arch
import tandem.panda.Pair

abstract class LinuxSpecification extends Specification {
    @Shared LinuxGuest g
    @Shared LinuxGuest.Recording recording
    @Shared Pair pair
    /** The PANDA processes of this guest's work folder before the class ran (none, unless another run's). */
    @Shared Set<String> before
    /** A plain gdb's reading of the replay at its first TB (in the kernel), and at its first TB in user mode when {@link #witnessUser}. */
    @Shared LinuxGuest.Witness plain
    /** gdb's expression of each register regs() shows: pc, the general registers, the arch's extra ones. */
    @Shared Map<String, String> exprs

    /** The guest's target as scripts/linux-guest names it: x86_64, mipsel or arm. */
    abstract String target()

    /** tandem's arch of that target. */
    abstract Arch arch()

    /** Whether the plain gdb also reads the first TB in user mode (false where the replay fails before it gets there). */
    boolean witnessUser() { false }

    def setupSpec() {
        g = LinuxGuest.open(target())
        before = pandaProcesses()
        recording = recordOnce()
        exprs = ['pc': arch().pcExpression()]
        arch().registerNames().eachWithIndex { n, i -> exprs[n] = arch().registerExpression(i) }
        arch().extraRegisters().each { label, field -> exprs[label] = arch().field(field) }
        if (witnessNeeded()) plain = g.witness(recording, exprs, arch().pcExpression(), witnessUser())
    }

    /** The class's one recording: `ls /etc` as a user's PANDA records it (no plugin). */
    protected LinuxGuest.Recording recordOnce() { g.record() }

    /** Whether the class reads {@link #plain} (one replay under gdb less when it does not). */
    protected boolean witnessNeeded() { true }

    def cleanupSpec() {
        pair?.close()
        if (g) assert pandaProcesses() - before == [] as Set
        g?.close()
    }

    /**
     * The processes of {@code binary} (this guest's PANDA unless named) that run in this guest's
     * work folder or name it on their command line: PANDA recording or replaying here (in the
     * recording's folder, which -replay NAME needs), or gdb running it with a script from there.
     */
    protected Set<String> pandaProcesses(java.nio.file.Path binary = g.panda) {
        ['ps', '-eo', 'pid=,args='].execute().text.readLines()*.trim().findAll { String line ->
            line.contains(binary.toString()) && (line.contains(g.workDir.toString()) || runsIn(line.takeWhile { it != ' ' }, g.workDir))
        } as Set
    }

    private static boolean runsIn(String pid, java.nio.file.Path dir) {
        try {
            java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of('/proc', pid, 'cwd')).startsWith(dir)
        } catch (IOException ignored) {
            false   // it ended meanwhile, or is not ours to read
        }
    }

    /** A command line for tandem's --rec-cmd / --rep-cmd: each word single-quoted. */
    protected static String words(List<String> cmd) { cmd.collect { "'$it'" }.join(' ') }

    /**
     * The count a failed replay names: its replay point ("Current replay point" or "Replay program
     * point" of an rr_assertion or a disagreement), or the count detect_infinite_loops prints when
     * the replay has run 20 TBs without a guest instruction (cpu-exec.c:758-772).
     */
    protected static long replayPoint(RealPanda.Replay replay) {
        def m = replay.output =~ /(?:Current replay point|Replay program point):\s*\{guest_instr_count=(\d+)\}|rr_guest_instr_count = (\d+)/
        assert m.find(): "no replay point in:\n${LinuxGuest.lastLines(replay.output, 30)}"
        (m.group(1) ?: m.group(2)) as long
    }
}
