// One PANDA process under gdb (the rr replay of PANDA recording, or of PANDA replaying), seen in
// guest terms: instruction counts, guest registers, TLB, RAM, checksums, disassembly. Its time
// (every move, the ways back, the reverse verbs) is its Timeline's (tandem.panda.time); the
// moving methods here pass on to it, by the same names.
package tandem.panda;

import tandem.debugger.Debugger;
import tandem.debugger.DebuggerException;
import tandem.debugger.Frame;
import tandem.debugger.Stop;
import tandem.panda.time.Checkpoints;
import tandem.panda.time.Pass;
import tandem.panda.time.Timeline;
import tandem.panda.time.WaysBack;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

public final class PandaSession implements PandaProcess, AutoCloseable {

    /** Which side of the pair: PANDA taking the recording, or PANDA replaying it. */
    public enum Role {
        RECORD("rec", PandaNames.BEGIN_RECORD, PandaNames.END_RECORD),
        REPLAY("rep", PandaNames.BEGIN_REPLAY, PandaNames.END_REPLAY);

        public final String shortName;
        public final String beginFunction;
        public final String endFunction;

        Role(String shortName, String beginFunction, String endFunction) {
            this.shortName = shortName;
            this.beginFunction = beginFunction;
            this.endFunction = endFunction;
        }
    }

    /** PandaNames.DEBUG_COUNTER_PERIOD, for scripts that name it here. */
    public static final long DEBUG_COUNTER_PERIOD = PandaNames.DEBUG_COUNTER_PERIOD;
    /** PandaNames.EXEC_TB, for scripts that name it here. */
    public static final String EXEC_TB = PandaNames.EXEC_TB;

    private final String name;
    private final Role role;
    private final Debugger gdb;
    private final Arch arch;
    private final Timeline timeline;
    private final BuildSymbols symbols;
    private Long ramPointer;
    /** Call targets of library functions, by name: see libraryFunction. */
    private final Map<String, String> libraryFunctions = new java.util.concurrent.ConcurrentHashMap<>();
    private String dumpFpuFlag;

    private PandaSession(String name, Role role, Debugger gdb, Arch arch) {
        this.name = name;
        this.role = role;
        this.gdb = gdb;
        this.arch = arch;
        // last: the timeline asks this session for its name and debugger
        this.timeline = new Timeline(this);
        this.symbols = new BuildSymbols(name, gdb, () -> timeline().describeWhere());
    }

    /**
     * Wraps a debugger session on a PANDA process. Fails with a message naming what is missing
     * when the program has no debug symbols or its arch can't be told.
     */
    public static PandaSession open(String name, Role role, Debugger gdb, Optional<Arch> arch) {
        String program = gdb.target().program() == null ? "the program" : gdb.target().program().getFileName().toString();
        try {
            // the struct path, not just the symbol: a build stripped of debug info still exports
            // `cpus` as a minimal symbol of unknown type
            gdb.evaluate("&" + PandaNames.INSTR_COUNT);
        } catch (DebuggerException e) {
            throw new PandaException(program + " has no debug symbols tandem can use: gdb does not know `cpus` as a list of CPUState with rr_guest_instr_count ("
                    + e.gdbMessage() + "). Use a PANDA build configured with --enable-debug, or built with -g.", e);
        }
        Arch a = arch.or(() -> Arch.fromCommandLine(program)).orElseThrow(() -> new PandaException(
                "can't tell the guest arch of " + program + ": name it with --arch (one of " + Arch.knownNames() + ")"));
        try {
            gdb.evaluate("sizeof(" + a.stateStruct() + ")");
        } catch (DebuggerException e) {
            throw new PandaException(program + " has no " + a.stateStruct() + ": it is not a " + a.qemuName()
                    + " build of PANDA (use --arch to name the right one)", e);
        }
        try {
            // PANDA ends a failed replay with abort(). Stop there, but never hand the signal back on a
            // resume: after a restart to a fork checkpoint, gdb resumes the aborted copy too, which
            // would die of it and be reported as the end of the move made from the checkpoint
            gdb.console("handle SIGABRT stop print nopass");
        } catch (DebuggerException e) {
            throw new PandaException(name + ": gdb refused `handle SIGABRT`: " + e.getMessage(), e);
        }
        PandaSession session = new PandaSession(name, role, gdb, a);
        // while gdb knows PANDA's code (cpus was read above): see BuildSymbols.readAll
        session.symbols.readAll(List.of(PandaNames.DEBUG_COUNTER, PandaNames.LOOP_PASS_FUNCTION, PandaNames.RR_CHECKSUM_REGS, role.endFunction));
        return session;
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    public Arch arch() {
        return arch;
    }

    public Debugger debugger() {
        return gdb;
    }

    /** rr_do_begin_record or rr_do_begin_replay, by role. */
    @Override
    public String beginFunction() {
        return role.beginFunction;
    }

    /** rr_do_end_record or rr_do_end_replay, by role. */
    @Override
    public String endFunction() {
        return role.endFunction;
    }

    @Override
    public boolean replays() {
        return role == Role.REPLAY;
    }

    /**
     * Why this side can do nothing more, in one sentence naming the side (its server went away,
     * or its gdb ended), or null while it can. The other side of a pair is not affected.
     */
    public String gone() {
        String why = gdb.gone();
        return why == null ? null : name + ": " + why;
    }

    /** This side's time: the moves, the ways back, the reverse verbs (the methods below are its, by name). */
    public Timeline timeline() {
        return timeline;
    }

    // ---- moving: this side's Timeline's verbs, for callers that hold the side ----

    /** {@link Timeline#checkpoints}. */
    public Checkpoints checkpoints() {
        return timeline().checkpoints();
    }

    /** {@link Timeline#rewind}. */
    public WaysBack.Rewind rewind() {
        return timeline().rewind();
    }

    /** {@link Timeline#reexecutions}. */
    public int reexecutions() {
        return timeline().reexecutions();
    }

    /** {@link Timeline#onNotice}. */
    public void onNotice(java.util.function.Consumer<String> listener) {
        timeline().onNotice(listener);
    }

    /** {@link Timeline#onPass}. */
    public void onPass(java.util.function.Consumer<Pass> listener) {
        timeline().onPass(listener);
    }

    /** {@link Timeline#atBegin}. */
    public void atBegin(List<String> commands) {
        timeline().atBegin(commands);
    }

    /** {@link Timeline#atBeginCommands}. */
    public List<String> atBeginCommands() {
        return timeline().atBeginCommands();
    }

    /** {@link Timeline#stops}. */
    public int stops() {
        return timeline().stops();
    }

    /** {@link Timeline#moveLimit}. */
    public void moveLimit(Duration limit) {
        timeline().moveLimit(limit);
    }

    /** {@link Timeline#useDebugCounter}. */
    public void useDebugCounter(boolean use) {
        timeline().useDebugCounter(use);
    }

    /** {@link Timeline#begin}. */
    public long begin() {
        return timeline().begin();
    }

    /** {@link Timeline#beginRecordOrReplay}. */
    public long beginRecordOrReplay() {
        return timeline().beginRecordOrReplay();
    }

    /** {@link Timeline#toInstr}. */
    public long toInstr(long n) {
        return timeline().toInstr(n);
    }

    /** {@link Timeline#toInstr}. */
    public long toInstr(long n, boolean keep) {
        return timeline().toInstr(n, keep);
    }

    /** {@link Timeline#toCounter}. */
    public long toCounter(long n) {
        return timeline().toCounter(n);
    }

    /** {@link Timeline#readyToMoveTo}. */
    public long readyToMoveTo(long n) {
        return timeline().readyToMoveTo(n);
    }

    /** {@link Timeline#keepCheckpointHere}. */
    public void keepCheckpointHere() {
        timeline().keepCheckpointHere();
    }

    /** {@link Timeline#nextTb}. */
    public long nextTb() {
        return timeline().nextTb();
    }

    /** {@link Timeline#forgetCheckpointsGdbDropped}. */
    public void forgetCheckpointsGdbDropped() {
        timeline().forgetCheckpointsGdbDropped();
    }

    /** {@link Timeline#keepCheckpointAt}. */
    public void keepCheckpointAt(long instr) {
        timeline().keepCheckpointAt(instr);
    }

    /** {@link Timeline#interrupt}. */
    public void interrupt() {
        timeline().interrupt();
    }

    /** {@link Timeline#clearInterrupt}. */
    public void clearInterrupt() {
        timeline().clearInterrupt();
    }

    /** {@link Timeline#interrupted}. */
    public boolean interrupted() {
        return timeline().interrupted();
    }

    /** {@link Timeline#replayFailedHere}. */
    public boolean replayFailedHere() {
        return timeline().replayFailedHere();
    }

    /** {@link Timeline#endBreakpoint}. */
    public Integer endBreakpoint() {
        return timeline().endBreakpoint();
    }

    /** {@link Timeline#ending}. */
    public String ending(Stop stop) {
        return timeline().ending(stop);
    }

    /** {@link Timeline#where}. */
    public String where() {
        return timeline().where();
    }

    /** {@link Timeline#divergeCountExpression}. */
    public String divergeCountExpression() {
        return timeline().divergeCountExpression();
    }

    /** {@link Timeline#countCondition}. */
    public void countCondition(String expression) {
        timeline().countCondition(expression);
    }

    /** Host addresses read from this process are read again (a run from the start is a new process). */
    @Override
    public void forgetHostAddresses() {
        ramPointer = null;
    }

    /** Host address of the guest instruction count (a uint64 in the first CPU's state). */
    public long instrCountAddress() {
        return gdb.evaluateUnsigned("&" + PandaNames.INSTR_COUNT);
    }

    // ---- looking ----

    public long instrCount() {
        return gdb.evaluateUnsigned(PandaNames.INSTR_COUNT);
    }

    public long pc() {
        return gdb.evaluateUnsigned(arch.pcExpression());
    }

    public Registers regs() {
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("pc", pc());
        List<String> names = arch.registerNames();
        for (int i = 0; i < names.size(); i++) {
            values.put(names.get(i), gdb.evaluateUnsigned(arch.registerExpression(i)));
        }
        arch.extraRegisters().forEach((label, field) -> values.put(label, gdb.evaluateUnsigned(arch.field(field))));
        return new Registers(arch, values);
    }

    /** MIPS CP0_EPC: where the guest returns after an exception. */
    public long epc() {
        requireMips("epc()");
        return gdb.evaluateUnsigned(arch.field("CP0_EPC"));
    }

    /** MIPS ASID: the low 8 bits of CP0_EntryHi. */
    public long asid() {
        requireMips("asid()");
        return gdb.evaluateUnsigned(arch.field("CP0_EntryHi")) & 0xff;
    }

    private void requireMips(String what) {
        if (arch != Arch.MIPS) throw new PandaException(what + " is MIPS-only; " + name + " is " + arch.qemuName());
    }

    public Translation v2p(long virtualAddress) {
        long phys = gdb.evaluateUnsigned("panda_virt_to_phys(cpus->tqh_first, " + Long.toUnsignedString(virtualAddress) + ")");
        // hwaddr is 64-bit in QEMU; -1 means "not mapped". A 32-bit all-ones answer is read the same way.
        boolean unmapped = phys == -1L || phys == 0xffffffffL;
        return new Translation(virtualAddress, unmapped ? OptionalLong.empty() : OptionalLong.of(phys));
    }

    /**
     * The state signatures here, each named with its source: PANDA's rr_checksum_regs() (null when
     * the build lacks it), tandem's crc32 of guest RAM computed in the PANDA process (diverge.py's
     * RAM checksum), and tandem's hash of the TLB entries (null on archs without a software TLB).
     * No PANDA has a RAM or TLB checksum function of that kind (only rr_checksum_memory()).
     */
    public Checksums checksums() {
        long instr = instrCount();
        Long regs = hasSymbol(PandaNames.RR_CHECKSUM_REGS) ? gdb.evaluateUnsigned("(unsigned int) " + PandaNames.RR_CHECKSUM_REGS + "()") : null;
        return new Checksums(instr, regs, ramCrc(0, ramSize()), tlbHash());
    }

    /** Host address and byte size of the TLB entry array; empty when the arch has none. */
    private long[] tlbBlock;

    /**
     * A guest-state name ({@link Arch#guestState}: 'EntryHi', 'gpr[5]', 'tlb[3].VPN2') as a gdb
     * lvalue, else the text itself (any gdb lvalue). A register past the arch's array, or a TLB
     * entry past this PANDA's count (env->tlb->nb_tlb), is refused: gdb would read what follows.
     */
    public String guestState(String name) {
        String expr = arch.guestState(name).orElse(name);
        java.util.OptionalLong entry = arch.tlbEntry(name);
        if (entry.isPresent()) {
            long n = gdb.evaluateUnsigned(arch.tlbCount());
            if (entry.getAsLong() >= n) {
                throw new PandaException(name.trim() + ": this PANDA's " + arch.name() + " TLB has " + n
                        + " entries (env->tlb->nb_tlb), tlb[0] to tlb[" + (n - 1) + "]");
            }
        }
        return expr;
    }

    /**
     * Whether the arch keeps a software TLB whose entries tandem found (MIPS: env->tlb->mmu.r4k.tlb).
     * Throws PandaException where a run from the start stopped before its first TB cannot tell.
     */
    public synchronized boolean hasTlbHash() {
        if (tlbBlock != null) return tlbBlock.length > 0;
        if (!arch.hasSoftwareTlb()) {
            tlbBlock = new long[0];
            return false;
        }
        try {
            String tlb = arch.field("tlb->mmu.r4k.tlb");
            long n = gdb.evaluateUnsigned(arch.tlbCount());
            tlbBlock = new long[]{gdb.evaluateUnsigned("&" + tlb + "[0]"), n * gdb.evaluateUnsigned("sizeof(" + tlb + "[0])")};
            return true;
        } catch (DebuggerException noTlbArray) {
            // a run from the start stopped before its first TB may stand where PANDA's CPU state, or
            // gdb's knowledge of its code, is not there yet: no answer, rather than "no TLB" for good
            if (timeline().reexecuting()) {
                throw new PandaException(name + ": can't tell whether this PANDA keeps its " + arch.name()
                        + " TLB where tandem reads it (" + arch.field("tlb->mmu.r4k.tlb") + "): " + noTlbArray.getMessage() + timeline().describeWhere(), noTlbArray);
            }
            // before the program runs there is no CPU state to reach it through: ask again later
            if (timeline().begin() >= 0) tlbBlock = new long[0];
            return false;
        }
    }

    /** Host address and length (bytes) of the TLB entries tlbHash hashes; hasTlbHash() must be true. */
    public long[] tlbBlock() {
        return tlbBlock.clone();
    }

    /**
     * tandem's hash of the TLB: a crc32 of the entries {@code env->tlb->mmu.r4k.tlb[0 .. nb_tlb)}
     * read in one piece (no PANDA has a TLB checksum function: rr_checksum_tlb() is only named in
     * the notes). Raw bytes: QEMU's CPU state starts zeroed and the entries' fields are written one
     * by one, so the padding around them is the same on both sides. Null without a software TLB.
     */
    public Long tlbHash() {
        if (!hasTlbHash()) return null;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(gdb.readMemory(tlbBlock[0], (int) tlbBlock[1]));
        return crc.getValue();
    }

    public long ramSize() {
        return gdb.evaluateUnsigned("ram_size");
    }

    /**
     * The 32-bit guest word at {@code offset} bytes into guest RAM (guest-physical where RAM starts
     * at 0, as on MIPS Malta), read through {@link #ramPointer()} as the search compares RAM, in the
     * guest's byte order as PANDA's target_words_bigendian() (exec.c) gives it: mips is big-endian,
     * mipsel, x86 and arm little-endian; the host's order (x86-64) is not the guest's.
     */
    public long ramWord(long offset) {
        byte[] b = gdb.readMemory(ramPointer() + offset, 4);
        if (bigEndian == null) bigEndian = gdb.evaluateUnsigned("(int) target_words_bigendian()") != 0;
        return java.nio.ByteBuffer.wrap(b).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt() & 0xffffffffL;
    }

    private Boolean bigEndian;

    /** zlib crc32 of guest RAM [offset, offset+length), computed inside the PANDA process. */
    public long ramCrc(long offset, long length) {
        long crc = 0;
        long step = 1L << 30; // crc32's length is a 32-bit uInt
        for (long at = offset; at < offset + length; at += step) {
            long n = Math.min(step, offset + length - at);
            crc = gdb.evaluateUnsigned("(unsigned long) " + libraryFunction("crc32", "unsigned long (*)(unsigned long, const unsigned char *, unsigned int)")
                    + "(" + crc + ", (unsigned char *) " + ramPointer() + " + " + at + ", " + n + ")");
        }
        return crc;
    }

    /**
     * Host address of guest RAM, found the way PANDA finds it: panda_find_ram() (panda/src/common.c,
     * the largest RAM region of system memory; rr_checksum_memory uses it). Builds without it get
     * diverge.py's lookup of the region at guest-physical 0x2000000, which is RAM on MIPS Malta but
     * not on every board (ARM virt has flash there, RAM from 0x40000000).
     */
    public long ramPointer() {
        if (ramPointer == null) {
            ramPointer = gdb.evaluateUnsigned(hasSymbol("panda_find_ram") ? "panda_find_ram()->ram_block->host"
                    : "memory_region_find(get_system_memory(), 0x2000000, 1).mr->ram_block->host");
        }
        return ramPointer;
    }

    /** The TB about to execute, disassembled by PANDA's own target_disas. */
    public String disas() {
        String range = inExecTbFrame() ? "tb->pc, tb->size" : pc() + ", 32";
        return captureOutput("target_disas(%FILE%, cpus->tqh_first, " + range + ", 0)");
    }

    /** PANDA's cpu_dump_state text for the first CPU. */
    public String cpuDump() {
        return captureOutput("cpu_dump_state(cpus->tqh_first, %FILE%, (fprintf_function) fprintf, " + dumpFpuFlag() + ")");
    }

    /**
     * CPU_DUMP_FPU by name when the build's debug info has it; gcc leaves out enums no code uses,
     * so otherwise QEMU's value of it.
     */
    private String dumpFpuFlag() {
        if (dumpFpuFlag == null) {
            try {
                gdb.evaluate("CPU_DUMP_FPU");
                dumpFpuFlag = "CPU_DUMP_FPU";
            } catch (DebuggerException e) {
                dumpFpuFlag = "0x20000";
            }
        }
        return dumpFpuFlag;
    }

    private boolean atExecTb() {
        List<Frame> bt = gdb.backtrace();
        return !bt.isEmpty() && PandaNames.EXEC_TB.equals(bt.get(0).function());
    }

    private boolean inExecTbFrame() {
        try {
            return atExecTb() && gdb.evaluateUnsigned("tb") != 0;
        } catch (DebuggerException e) {
            return false;
        }
    }

    /**
     * A library function without debug info (libc, zlib) as a call target: its address, looked up
     * once, cast to its type. gdb looks a name up again at every call, which costs ~3 ms for such a
     * symbol here against ~0.2 ms for a call through the address (the RAM search makes dozens).
     * Addresses hold for the life of the session: gdb and rr run the program without address
     * randomization, and checkpoints are forks of it.
     */
    private String libraryFunction(String name, String type) {
        return libraryFunctions.computeIfAbsent(name, n -> "((" + type + ") " + gdb.evaluateUnsigned("(unsigned long) &" + n) + ")");
    }

    /**
     * Runs a call that prints to a FILE* into a memory stream inside the PANDA process and reads the
     * text back. This needs neither the program's stdout (a block-buffered pipe, or rr's terminal) nor
     * libc debug info (every libc call is cast to its declared type), and works in rr's diversions.
     */
    private String captureOutput(String callWithFile) {
        String malloc = libraryFunction("malloc", "void *(*)(unsigned long)");
        String free = libraryFunction("free", "void (*)(void *)");
        long cell = gdb.evaluateUnsigned("(unsigned long) " + malloc + "(16)");
        if (cell == 0) throw new PandaException(name + ": malloc failed in the PANDA process");
        try {
            gdb.evaluate("*(unsigned long *) " + cell + " = 0");
            gdb.evaluate("*(unsigned long *) " + (cell + 8) + " = 0");
            long file = gdb.evaluateUnsigned("(unsigned long) " + libraryFunction("open_memstream", "void *(*)(char **, unsigned long *)")
                    + "((char **) " + cell + ", (unsigned long *) " + (cell + 8) + ")");
            if (file == 0) throw new PandaException(name + ": open_memstream failed in the PANDA process");
            String f = "(FILE *) " + file;
            try {
                gdb.call(callWithFile.replace("%FILE%", f));
            } finally {
                gdb.evaluate("(int) " + libraryFunction("fclose", "int (*)(void *)") + "(" + f + ")");
            }
            long buf = gdb.evaluateUnsigned("*(unsigned long *) " + cell);
            long len = gdb.evaluateUnsigned("*(unsigned long *) " + (cell + 8));
            String text = len == 0 ? "" : new String(gdb.readMemory(buf, (int) len), StandardCharsets.UTF_8);
            if (buf != 0) gdb.evaluate("(void) " + free + "((void *) " + buf + ")");
            return text;
        } finally {
            gdb.evaluate("(void) " + free + "((void *) " + cell + ")");
        }
    }

    public List<Frame> backtrace() {
        return gdb.backtrace();
    }

    public String eval(String expression) {
        return gdb.evaluate(expression);
    }

    public String gdb(String command) {
        return gdb.console(command);
    }

    /**
     * Whether the PANDA build defines a function or global (debug_counter, rr_checksum_tlb, ...).
     * Throws PandaException where gdb knows none of PANDA's code, so cannot tell (a run from the
     * start stopped before the dynamic loader mapped libpanda-ARCH.so, or a program that ended),
     * for a name not asked before.
     */
    public boolean hasSymbol(String symbol) {
        return symbols.has(symbol);
    }

    @Override
    public void close() {
        gdb.close();
    }

    @Override
    public String toString() {
        return name + " (" + gdb.target().description() + ")";
    }
}
