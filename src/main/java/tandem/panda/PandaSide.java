// What one side of the pair runs and how it is opened: an rr trace of PANDA (rr replays it under
// gdb), or a PANDA command line gdb runs itself (real PANDA without rr, or the demo's mini-PANDA).
package tandem.panda;

import tandem.debugger.Debugger;
import tandem.debugger.GdbDebugger;
import tandem.debugger.RrReplay;
import tandem.debugger.RrTrace;
import tandem.debugger.Target;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * @param name    "rec" or "rep"
 * @param role    which of PANDA's begin/end functions the side stops at
 * @param target  what gdb debugs
 * @param atBegin gdb commands for the start of record/replay (see {@link PandaSession#atBegin})
 */
public record PandaSide(String name, PandaSession.Role role, Target target, List<String> atBegin) {

    public PandaSide {
        atBegin = atBegin == null ? List.of() : List.copyOf(atBegin);
    }

    public PandaSide(String name, PandaSession.Role role, Target target) {
        this(name, role, target, List.of());
    }

    /** An rr trace directory of PANDA recording (rec) or replaying (rep), replayed by {@code rr}. */
    public static PandaSide trace(String name, PandaSession.Role role, Path rr, Path gdb, Path directory) {
        return new PandaSide(name, role, new RrReplay(new RrTrace(rr, directory.toAbsolutePath()), gdb, null));
    }

    /** A PANDA command line run under gdb; its role comes from the command (-replay or not). */
    public static PandaSide command(String name, PandaCommand command, Path gdb) {
        return new PandaSide(name, command.role(), command.target(gdb), command.atBegin());
    }

    /** Starts gdb on the target and checks the program's symbols; the program is at its first stop. */
    public PandaSession open(Optional<Arch> arch) {
        Debugger d = GdbDebugger.open(target);
        try {
            PandaSession s = PandaSession.open(name, role, d, arch);
            s.atBegin(atBegin);
            return s;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }
}
