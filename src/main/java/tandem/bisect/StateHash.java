// How the search hashes one side's state: the cheap signature (a crc32 of the register array and
// the PC read as memory blocks, with PandaSession's TLB hash), its fallback through gdb calls
// (PANDA's rr_checksum_regs, or the registers one by one), and crc32s of guest RAM computed in the
// PANDA process. The blocks are the ones a Trace hashes too, so traced rows and probes compare.
package tandem.bisect;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.panda.PandaNames;
import tandem.panda.PandaSession;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

final class StateHash {
    private final PandaSession session;
    private final Debugger gdb;
    private final boolean regsChecksum;
    /** Host address and size of the register array and of the PC; regsBlock empty when gdb can't find them. */
    private long[] regsBlock;
    private long[] pcBlock;
    private List<long[]> extraBlocks;

    StateHash(PandaSession session) {
        this.session = session;
        this.gdb = session.debugger();
        this.regsChecksum = session.hasSymbol(PandaNames.RR_CHECKSUM_REGS);
    }

    boolean hasRegsChecksum() {
        return regsChecksum;
    }

    /** Whether the register array and the PC are read as memory blocks (else through gdb calls, see {@link #called}). */
    boolean readsBlocks() {
        if (regsBlock == null) locateBlocks();
        return regsBlock.length > 0;
    }

    /**
     * The cheap signature at count {@code instr} from the blocks (needs readsBlocks()): one memory
     * read per block instead of gdb inferior calls, which cost milliseconds each.
     */
    Signature fromBlocks(long instr) {
        CRC32 r = new CRC32();
        r.update(gdb.readMemory(regsBlock[0], (int) regsBlock[1]));
        r.update(gdb.readMemory(pcBlock[0], (int) pcBlock[1]));
        return new Signature(instr, r.getValue(), session.tlbHash(), null);
    }

    /** The cheap signature at count {@code instr} where the blocks can't be read: rr_checksum_regs(), or the registers one by one. */
    Signature called(long instr) {
        long regs;
        if (regsChecksum) {
            regs = gdb.evaluateUnsigned("(unsigned int) " + PandaNames.RR_CHECKSUM_REGS + "()");
        } else {
            CRC32 crc = new CRC32();
            session.regs().values().forEach((k, v) -> {
                crc.update(k.getBytes());
                for (int i = 0; i < 8; i++) crc.update((int) (v >>> (8 * i)));
            });
            regs = crc.getValue();
        }
        return new Signature(instr, regs, session.tlbHash(), null);
    }

    private void locateBlocks() {
        var arch = session.arch();
        try {
            String regs = arch.field(arch.registerArray());
            regsBlock = new long[]{gdb.evaluateUnsigned("&" + regs), gdb.evaluateUnsigned("sizeof(" + regs + ")")};
            pcBlock = new long[]{gdb.evaluateUnsigned("&" + arch.pcExpression()), gdb.evaluateUnsigned("sizeof(" + arch.pcExpression() + ")")};
        } catch (DebuggerException e) {
            regsBlock = new long[0];
        }
    }

    /**
     * The blocks a trace hashes, host address and length each, in the cheap signature's order:
     * {register array, PC}, then {TLB entries} where tandem hashes a TLB, then the extra
     * registers (extraBlocks) when there are any. Needs readsBlocks().
     */
    List<List<long[]>> traceGroups() {
        readsBlocks();
        List<List<long[]>> groups = new ArrayList<>();
        groups.add(List.of(regsBlock, pcBlock));
        if (session.hasTlbHash()) groups.add(List.of(session.tlbBlock()));
        if (!extraBlocks().isEmpty()) groups.add(extraBlocks());
        return groups;
    }

    /**
     * Host address and size of each of the arch's extra registers (Arch.extraRegisters, in its
     * order): the last group a trace reads, for what differs, not for the signature.
     */
    List<long[]> extraBlocks() {
        if (extraBlocks == null) {
            List<long[]> blocks = new ArrayList<>();
            var arch = session.arch();
            try {
                for (String field : arch.extraRegisters().values()) {
                    String f = arch.field(field);
                    blocks.add(new long[]{gdb.evaluateUnsigned("&" + f), gdb.evaluateUnsigned("sizeof(" + f + ")")});
                }
            } catch (DebuggerException e) {
                blocks.clear(); // a build without one of them: what differs is then read at the TB itself
            }
            extraBlocks = List.copyOf(blocks);
        }
        return extraBlocks;
    }

    /** A crc32 of all guest RAM, computed in the PANDA process (diverge.py's RAM checksum). */
    long ram() {
        return session.ramCrc(0, session.ramSize());
    }

    /** A crc32 of the given ranges of guest RAM only: a few calls over a few bytes instead of all of RAM. */
    long ram(List<MemoryRange> ranges) {
        CRC32 crc = new CRC32();
        for (MemoryRange r : ranges) {
            long v = session.ramCrc(r.start(), r.length());
            for (int i = 0; i < 4; i++) crc.update((int) (v >>> (8 * i)));
        }
        return crc.getValue();
    }
}
