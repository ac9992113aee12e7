// A location the analysis watches for the write that made rec and rep differ: a name (a register,
// a TLB field, a RAM word), and its host address in each side's PANDA process and its size.
package tandem.bisect;

/** A watchable location: a name, its host address on rec and on rep, and its size in bytes. */
record Location(String name, long recAddress, long repAddress, int size) {
    /** Its host address on one side: rec's when {@code onRec}. */
    long address(boolean onRec) {
        return onRec ? recAddress : repAddress;
    }
}
