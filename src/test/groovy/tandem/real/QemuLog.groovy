// QEMU's own log of the TBs a run enters (`-d cpu,exec,nochain`, or the monitor's `log
// cpu,exec,nochain` before begin_record), read and compared without any of tandem's code: the
// truth the record-trace specs check tandem's first divergence against. Traps
// (../shared/LINUX-GUESTS.md): a TB logged several times in a row at one pc (entered, cut short,
// entered again); a TB entered and cut short before any instruction ran, logged in one run only;
// no instruction counts (a replay under gdb supplies them, breaking where the log line is written).
package tandem.real

import groovy.transform.Canonical
import groovy.transform.CompileStatic
import groovy.transform.EqualsAndHashCode
import groovy.transform.TupleConstructor

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

class QemuLog {

    /**
     * The register dump `-d cpu` writes after each `Trace` line, one parser per target's format
     * (each target's cpu_dump_state): which lines hold registers and what they are named here.
     * "System" registers are read only when asked for (the {@code system} flag of {@link #entries}).
     */
    @CompileStatic
    static enum Format {
        /**
         * target/mips/translate.c mips_cpu_dump_state: `pc=0x... HI=0x... LO=0x...`, `GPR00: r0
         * 00000000 at ...` (8 a line), `CP0 Status 0x... Cause 0x... EPC 0x...`. System: Status, Cause, EPC.
         */
        MIPS {
            void read(String l, Map<String, String> regs, boolean system) {
                if (l.startsWith('pc=')) {
                    def m = l =~ /^pc=0x([0-9a-f]+) HI=0x([0-9a-f]+) LO=0x([0-9a-f]+)/
                    if (m.find()) { regs.pc = m.group(1); regs.HI = m.group(2); regs.LO = m.group(3) }
                } else if (l.startsWith('GPR')) {
                    def m = l.substring(6) =~ /(\w+) ([0-9a-f]{8})/
                    while (m.find()) regs[m.group(1)] = m.group(2)
                } else if (system && l.startsWith('CP0 ')) {
                    def m = l =~ /(Status|Cause|EPC)\s+0x([0-9a-f]+)/
                    while (m.find()) regs[m.group(1)] = m.group(2)
                }
            }
        },
        /**
         * target/i386/helper.c x86_cpu_dump_state in 64-bit code (HF_CS64_MASK; the 32-bit
         * `EAX=...` dump of other modes is not read): `RAX=%016lx RBX=... RCX=... RDX=...`,
         * `RSI=...`, `R8 =...`, `R12=...` (four a line), `RIP=%016lx RFL=%08x [flags] CPL=...`;
         * RIP is named pc. System: RFL (the flags QEMU computes from its lazy condition codes).
         */
        X86_64 {
            void read(String l, Map<String, String> regs, boolean system) {
                if (l.startsWith('RAX=') || l.startsWith('RSI=') || l.startsWith('R8 =') || l.startsWith('R12=')) {
                    def m = l =~ /([A-Z0-9]+) ?=([0-9a-f]{16})/
                    while (m.find()) regs[m.group(1)] = m.group(2)
                } else if (l.startsWith('RIP=')) {
                    def m = l =~ /^RIP=([0-9a-f]+) RFL=([0-9a-f]+)/
                    if (m.find()) {
                        regs.pc = m.group(1)
                        if (system) regs.RFL = m.group(2)
                    }
                }
            }
        }

        /** Reads the registers {@code l} holds (a line after a Trace line) into {@code regs}. */
        abstract void read(String l, Map<String, String> regs, boolean system)

        /**
         * The general registers the CPU itself changes as it takes an interrupt or exception, before
         * the handler's first instruction: none on MIPS (EPC, Cause, Status: CP0,
         * target/mips/helper.c mips_cpu_do_interrupt), RSP on x86_64 (the frame pushed, and the
         * stack switched to the kernel's or the IST's, target/i386/seg_helper.c do_interrupt64).
         */
        Set<String> getTakingAnInterruptChanges() { this == X86_64 ? ['RSP'] as Set<String> : [] as Set<String> }

        /** The system registers this format reads when asked: a TB entered and left before its first instruction may change them, not the others. */
        static final Set<String> SYSTEM = ['Status', 'Cause', 'EPC', 'RFL'] as Set
    }

    /**
     * One `Trace ... [cpu: PC]` line and the CPU state QEMU logs after it (hex, as logged). Equal
     * when PC and registers are; {@code offset}, the byte offset of its Trace line in the log, is
     * not compared.
     */
    @TupleConstructor
    @EqualsAndHashCode(excludes = ['offset'])
    static class Entry {
        long pc
        Map<String, String> regs
        long offset

        /**
         * Registers alone, the PC, the system registers and {@code also} left out: a TB entered
         * and left before its first instruction (an interrupt came: Cause changed) has the next
         * entry's GPRs, but for those the CPU changes as it takes the interrupt.
         */
        Map<String, String> gprs(Set<String> also = [] as Set) { regs.findAll { k, v -> !(k in NOT_GPRS) && !(k in also) } }

        static final Set<String> NOT_GPRS = (['pc'] as Set) + Format.SYSTEM

        /** The registers whose values differ from {@code other}'s, with both values: `name rec/rep`. */
        List<String> differences(Entry other) {
            (regs.keySet() + other.regs.keySet()).findAll { regs[it] != other.regs[it] }.collect { "$it ${regs[it]}/${other.regs[it]}".toString() }
        }

        String toString() { "TB at pc 0x${Long.toHexString(pc)}" }
    }

    /** The entries of a MIPS log, in order. */
    static List<Entry> read(Path log) {
        List<Entry> out = []
        def it = entries(log)
        try { while (it.hasNext()) out << it.next() } finally { it.close() }
        out
    }

    /**
     * The entries of a log one at a time, for logs too large to hold (a Linux guest's record run
     * logs about 1 GB per 1e7 guest instructions): close() it when done. {@code system}: the
     * format's system registers (MIPS CP0 Status, Cause, EPC; x86_64 RFL) are among the entries'.
     */
    static CloseableIterator entries(Path log, boolean system = false, Format format = Format.MIPS) {
        // ISO-8859-1: one char per byte, so an entry's offset is counted in the file's bytes
        new CloseableIterator(Files.newBufferedReader(log, StandardCharsets.ISO_8859_1), system, format)
    }

    @CompileStatic
    static class CloseableIterator implements Iterator<Entry>, Closeable {
        private final BufferedReader in
        private Entry next, pending
        private boolean ended
        private final boolean system
        private final Format format
        /** Bytes read so far (each line and its '\n'). */
        private long position

        CloseableIterator(BufferedReader in, boolean system, Format format) { this.in = in; this.system = system; this.format = format }

        boolean hasNext() {
            if (next == null && !ended) next = readOne()
            next != null
        }

        Entry next() {
            if (!hasNext()) throw new NoSuchElementException()
            def e = next
            next = null
            e
        }

        /** The next entry: a Trace line and the register lines up to the following Trace line. */
        private Entry readOne() {
            Entry cur = pending
            pending = null
            String l
            while ((l = in.readLine()) != null) {
                long at = position
                position += l.length() + 1
                if (l.startsWith('Trace ')) {
                    def m = l =~ /^Trace \S+ \[\d+: ([0-9a-f]+)\]/
                    if (!m.find()) continue
                    def e = new Entry(Long.parseUnsignedLong(m.group(1), 16), [:], at)
                    if (cur != null) { pending = e; return cur }
                    cur = e
                } else if (cur != null) {
                    format.read(l, cur.regs, system)
                }
            }
            ended = true
            cur
        }

        void close() { in.close() }
    }

    /** How many entries of {@code log} begin before byte {@code offset}: the index of the first entry at or past it. */
    static int entriesBefore(Path log, long offset) {
        int n = 0
        long position = 0
        Files.newBufferedReader(log, StandardCharsets.ISO_8859_1).withCloseable { BufferedReader in ->
            String l
            while (position < offset && (l = in.readLine()) != null) {
                if (l.startsWith('Trace ')) n++
                position += l.length() + 1
            }
        }
        n
    }

    /** Where two logs' registers first differ: the indexes into each, or null if one ends first without a difference. */
    @Canonical
    static class Difference {
        int rec, rep
        Entry recEntry, repEntry

        /** What differs: `name rec/rep` per register (pc among them). */
        List<String> getWhat() { recEntry.differences(repEntry) }
    }

    /**
     * Compares a record run's log with its replay's TB by TB, from where the replay's first TB
     * appears in the record log, passing over the traps above and what two runs that agree log
     * differently: an entry equal to the one before it in its own log only; an entry (logged once
     * or more) whose registers are the next entry's where that next one matches the other log
     * (no instruction ran: an interrupt was taken at the TB's entry; the registers the CPU changes
     * as it takes one, {@link Format#getTakingAnInterruptChanges}, are not compared there); TBs
     * cut elsewhere in the same code ({@link #cutElsewhere}; never two entries at one PC). Where
     * both runs enter again, at one PC, the TB they had just entered alike, each with the GPRs
     * it had then (cut short, entered again), the two re-entries are compared: a system register
     * changed in one run only (MIPS: Cause's timer bit set between the two entries) is the
     * difference there.
     */
    static Difference firstRegisterDifference(Path recLog, Path repLog, boolean system = false, Format format = Format.MIPS) {
        // a window of each log is held: the rules below look one entry back and a few ahead
        def a = entries(recLog, system, format), b = entries(repLog, system, format)
        try {
            firstDifference(new Window(a), new Window(b), "$repLog", format.takingAnInterruptChanges)
        } finally {
            a.close(); b.close()
        }
    }

    static Difference firstRegisterDifference(List<Entry> rec, List<Entry> rep) {
        firstDifference(new Window(rec.iterator()), new Window(rep.iterator()), 'the replay log', [] as Set)
    }

    private static Difference firstDifference(Window rec, Window rep, String repName, Set<String> interruptChanges) {
        if (!rep.has(0)) throw new IllegalStateException("$repName holds no TB")
        Entry first = rep.at(0)
        int i = 0
        while (rec.has(i) && rec.at(i) != first) { i++; rec.forget(i - 1) }
        if (!rec.has(i)) throw new IllegalStateException("the replay's first TB ($first) is not in the record log")
        int j = 0
        while (rec.has(i) && rep.has(j)) {
            rec.forget(i - 1); rep.forget(j - 1)
            Entry x = rec.at(i), y = rep.at(j)
            if (x == y) { i++; j++; continue }
            if (i > 0 && j > 0 && reentries(x, rec.at(i - 1), y, rep.at(j - 1))) return new Difference(i, j, x, y)
            if (i > 0 && x == rec.at(i - 1)) { i++; continue }
            if (j > 0 && y == rep.at(j - 1)) { j++; continue }
            int k = pastRepeats(rec, i), l = pastRepeats(rep, j)
            if (rec.has(k) && x.gprs(interruptChanges) == rec.at(k).gprs(interruptChanges) && rec.at(k) == y) { i = k; continue }
            if (rep.has(l) && y.gprs(interruptChanges) == rep.at(l).gprs(interruptChanges) && rep.at(l) == x) { j = l; continue }
            if (x.pc != y.pc && i > 0 && j > 0 && rec.at(i - 1) == rep.at(j - 1)) {
                def again = cutElsewhere(rec, i, rep, j, rec.at(i - 1).pc)
                if (again != null) { (i, j) = again; continue }
            }
            return new Difference(i, j, x, y)
        }
        null
    }

    /** The index of the first entry after {@code i} that differs from entry {@code i} (it may be past the log's end). */
    private static int pastRepeats(Window log, int i) {
        int k = i + 1
        while (log.has(k) && log.at(k) == log.at(i)) k++
        k
    }

    /** The most entries {@link #cutElsewhere} passes over, both logs together. */
    static final int CUT_ELSEWHERE_ENTRIES = 4

    /** How far past the TB both runs entered last a TB cut elsewhere may begin (bytes of guest code: a page). */
    static final long CUT_ELSEWHERE_BYTES = 4096

    /**
     * Where both logs agree again when the runs entered the same code, at {@code lastPc}, and then
     * TBs cut elsewhere within it: a replay ends a TB at the next logged event and keeps the short
     * TBs it cut in its TB cache, so the same instructions run as other TBs than in the record run
     * (x86_64 `ls /etc`: record TBs of 33 and 1 instructions, the replay's of 1 and 33; the
     * README's "Comparing"). The indexes, at most {@link #CUT_ELSEWHERE_ENTRIES}
     * entries on, of the first entries equal in both logs, every entry passed over beginning in
     * the code after {@code lastPc} (within {@link #CUT_ELSEWHERE_BYTES}); else null.
     */
    private static List<Integer> cutElsewhere(Window rec, int i, Window rep, int j, long lastPc) {
        def inCode = { Entry e -> e.pc > lastPc && e.pc - lastPc < CUT_ELSEWHERE_BYTES }
        for (int n = 1; n <= CUT_ELSEWHERE_ENTRIES; n++) {
            for (int a = 0; a <= n; a++) {
                int b = n - a
                if (!rec.has(i + a) || !rep.has(j + b)) continue
                if ((0..<a).every { inCode(rec.at(i + it)) } && (0..<b).every { inCode(rep.at(j + it)) } && rec.at(i + a) == rep.at(j + b))
                    return [i + a, j + b]
            }
        }
        null
    }

    /**
     * Whether {@code x} and {@code y} (differing) are both runs entering again the TB they had just
     * entered alike ({@code px} == {@code py}), each with the GPRs it was entered with before (no
     * instruction ran between): then they are the same moment of both runs, not one run's extra entry.
     */
    private static boolean reentries(Entry x, Entry px, Entry y, Entry py) {
        px == py && x.pc == px.pc && y.pc == py.pc && x.gprs() == px.gprs() && y.gprs() == py.gprs()
    }

    /** The entries of a log from index {@code from} on, read as they are asked for. */
    private static class Window {
        final Iterator<Entry> source
        final ArrayDeque<Entry> held = new ArrayDeque<>()
        int from = 0

        Window(Iterator<Entry> source) { this.source = source }

        boolean has(int index) {
            while (from + held.size() <= index && source.hasNext()) held.addLast(source.next())
            index >= from && index < from + held.size()
        }

        Entry at(int index) {
            if (!has(index)) throw new IndexOutOfBoundsException("entry $index (held: $from..${from + held.size() - 1})")
            held[index - from]
        }

        /** Entries before {@code index} are not asked for again. */
        void forget(int index) {
            while (from < index && !held.isEmpty()) { held.removeFirst(); from++ }
        }
    }
}
