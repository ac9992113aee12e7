// Opens rec and rep on the real PANDA of the notes, each side a replay command line gdb runs
// itself (no rr here): the way the real-PANDA specs get an exact, re-executable pair.
package tandem.real

import tandem.panda.Pair
import tandem.panda.PandaCommand
import tandem.panda.PandaSession
import tandem.panda.PandaSide

import java.nio.file.Path

class RealPandaPair {
    static final Path GDB = Path.of('/usr/bin/gdb')

    /** A side replaying {@code r}, with gdb commands for rr_do_begin_replay (e.g. the record run's seed). */
    static PandaSide side(String name, RealPanda.Recording r, List<String> atBegin = []) {
        PandaSide.command(name, new PandaCommand(r.replayCommand(RealPanda.get().panda), r.dir, atBegin), GDB)
    }

    /** Both sides open and at their first TB after rr_do_begin_replay; notices go to {@code notices}. */
    static Pair open(PandaSide rec, PandaSide rep, List<String> notices = []) {
        def pair = Pair.open(rec, rep, Optional.empty())
        try {
            pair.rec().onNotice { notices << "rec: $it".toString() }
            pair.rep().onNotice { notices << "rep: $it".toString() }
            pair.both { it.beginRecordOrReplay() }
            return pair
        } catch (Throwable e) {
            pair.close()
            throw e
        }
    }

    /** PANDA processes alive now that replay this run's fixtures (other test runs have their own), by pid. */
    static Set<String> pandaProcesses() {
        String fixtures = RealPanda.get().workDir.toString()
        ['ps', '-eo', 'pid,args'].execute().text.readLines()
                .findAll { it.contains(RealPanda.get().panda.toString()) && it.contains(fixtures) }
                .collect { it.trim() } as Set
    }
}
