package tandem.panda;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which functions and globals one PANDA build defines (debug_counter, rr_checksum_regs, ...), as
 * gdb answers for the PANDA process of one side, each asked once. gdb forgets a shared library's
 * symbols when the program starts again and reads them when the dynamic loader maps it: where it
 * knows none of libpanda-ARCH.so's code, a "no" says nothing of the build, so the answer is "can't
 * tell" (a PandaException) rather than false.
 */
final class BuildSymbols {
    private final String side;
    private final Debugger gdb;
    /** Where the side is, for the "can't tell" message. */
    private final Supplier<String> where;
    private final Map<String, Boolean> known = new HashMap<>();

    BuildSymbols(String side, Debugger gdb, Supplier<String> where) {
        this.side = side;
        this.gdb = gdb;
        this.where = where;
    }

    /**
     * Asks, while gdb knows PANDA's code (PandaSession.open just read {@code cpus}), for each of
     * {@code symbols}: a run from the start stopped before the dynamic loader mapped
     * libpanda-ARCH.so knows none of them, and must not be taken for a build without them.
     */
    void readAll(List<String> symbols) {
        for (String s : symbols) has(s);
    }

    /**
     * Whether the build defines {@code symbol}. Throws PandaException where gdb knows none of
     * PANDA's code, so cannot tell, for a name not asked before.
     */
    synchronized boolean has(String symbol) {
        Boolean answer = known.get(symbol);
        if (answer != null) return answer;
        try {
            gdb.evaluate("&" + symbol);
            known.put(symbol, true);
            return true;
        } catch (DebuggerException e) {
            // where gdb does not know PANDA's own count either (a run from the start stopped before
            // libpanda-ARCH.so was mapped), "no" says nothing of the build
            if (!knowsPandaCode()) {
                throw new PandaException(side + ": can't tell whether this PANDA has " + symbol + ": gdb knows none of its code here"
                        + " (it forgets libpanda's symbols when the program ends or starts again, until the dynamic loader maps it)"
                        + where.get(), e);
            }
            known.put(symbol, false);
            return false;
        }
    }

    /** Whether gdb knows the symbols of PANDA's code here: the count PandaSession.open checked for. */
    private boolean knowsPandaCode() {
        try {
            gdb.evaluate("&" + PandaNames.INSTR_COUNT);
            return true;
        } catch (DebuggerException e) {
            return false;
        }
    }
}
