// One PANDA process under gdb, as a side's time (tandem.panda.time) sees it: its name, which of
// PANDA's begin and end functions it runs, its debugger, and the few looks at its state a move
// needs. PandaSession is the one kind; time/ depends on this, never on the session.
package tandem.panda;

import tandem.debugger.Debugger;

public interface PandaProcess {
    /** The side's name for messages ("rec", "rep", or the user's). */
    String name();

    /** rr_do_begin_record or rr_do_begin_replay: where record or replay begins (PandaNames). */
    String beginFunction();

    /** rr_do_end_record or rr_do_end_replay: PANDA's end of record or replay (PandaNames). */
    String endFunction();

    /**
     * Whether this process replays a recording: only a replay may be run again from its start (it
     * reaches the same state at the same counts); a live PANDA record run is a new execution each time.
     */
    boolean replays();

    Debugger debugger();

    /** The guest instruction count here (rr_guest_instr_count); DebuggerException when gdb can't read it. */
    long instrCount();

    /** Host address of the guest instruction count (a uint64 in the first CPU's state). */
    long instrCountAddress();

    /** The guest PC (the arch's), for where a reverse move arrived. */
    long pc();

    /** A guest-state name ('EntryHi', 'gpr[5]', 'tlb[3].VPN2') as a gdb lvalue, else the text itself. */
    String guestState(String name);

    /** Whether the PANDA build defines a function or global. */
    boolean hasSymbol(String symbol);

    /** Why this side can do nothing more, naming the side, or null while it can. */
    String gone();

    /** Host addresses read from the process are to be read again: it was run again from its start. */
    void forgetHostAddresses();
}
