// QEMU's own log of the TBs a run enters (`-d cpu,exec,nochain`, or the monitor's `log
// cpu,exec,nochain` before begin_record), read and compared without any of tandem's code: the
// truth the record-trace specs check tandem's first register difference against. Traps
// (../shared/LINUX-GUESTS.md): a TB logged several times in a row at one pc (entered, cut short,
// entered again); a TB entered and cut short before any instruction ran, logged in one run only;
// no instruction counts (a replay under gdb supplies them, breaking where the log line is written).
package tandem.real

import groovy.transform.Canonical

import java.nio.file.Files
import java.nio.file.Path

class QemuLog {

    /** One `Trace ... [cpu: PC]` line and the CPU state QEMU logs after it: PC, HI, LO and the GPRs (hex, as logged). */
    @Canonical
    static class Entry {
        long pc
        Map<String, String> regs

        /**
         * Registers (GPRs, HI, LO) alone, the PC and CP0 left out: a TB entered and left before its
         * first instruction (an interrupt came: Cause changed) has the next entry's GPRs.
         */
        Map<String, String> gprs() { regs.findAll { k, v -> !(k in NOT_GPRS) } }

        static final Set<String> NOT_GPRS = ['pc', 'Status', 'Cause', 'EPC'] as Set

        String toString() { "TB at pc 0x${Long.toHexString(pc)}" }
    }

    /** The entries of a log, in order. */
    static List<Entry> read(Path log) {
        List<Entry> out = []
        def it = entries(log)
        try { while (it.hasNext()) out << it.next() } finally { it.close() }
        out
    }

    /**
     * The entries of a log one at a time, for logs too large to hold (a Linux guest's record run
     * logs about 1 GB per 1e7 guest instructions): close() it when done.
     */
    static CloseableIterator entries(Path log, boolean cp0 = false) {
        new CloseableIterator(Files.newBufferedReader(log, java.nio.charset.StandardCharsets.ISO_8859_1), cp0)
    }

    static class CloseableIterator implements Iterator<Entry>, Closeable {
        private final BufferedReader in
        private Entry next, pending
        private boolean ended
        private final boolean cp0

        /** {@code cp0}: the CP0 registers QEMU logs (Status, Cause, EPC) are among the entries' registers. */
        CloseableIterator(BufferedReader in, boolean cp0) { this.in = in; this.cp0 = cp0 }

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
                if (l.startsWith('Trace ')) {
                    def m = l =~ /^Trace \S+ \[\d+: ([0-9a-f]+)\]/
                    if (!m.find()) continue
                    def e = new Entry(Long.parseLong(m.group(1), 16), [:])
                    if (cur != null) { pending = e; return cur }
                    cur = e
                } else if (cur != null && l.startsWith('pc=')) {
                    def m = l =~ /^pc=0x([0-9a-f]+) HI=0x([0-9a-f]+) LO=0x([0-9a-f]+)/
                    if (m.find()) cur.regs.putAll(pc: m.group(1), HI: m.group(2), LO: m.group(3))
                } else if (cur != null && l.startsWith('GPR')) {
                    (l.substring(6) =~ /(\w+) ([0-9a-f]{8})/).each { List<String> g -> cur.regs[g[1]] = g[2] }
                } else if (cp0 && cur != null && l.startsWith('CP0 ')) {
                    (l =~ /(Status|Cause|EPC)\s+0x([0-9a-f]+)/).each { List<String> g -> cur.regs[g[1]] = g[2] }
                }
            }
            ended = true
            cur
        }

        void close() { in.close() }
    }

    /** Where two logs' registers first differ: the indexes into each, or null if one ends first without a difference. */
    @Canonical
    static class Difference {
        int rec, rep
        Entry recEntry, repEntry
    }

    /**
     * Compares a record run's log with its replay's TB by TB, from where the replay's first TB
     * appears in the record log, passing over the traps above: an entry equal to the one before
     * it in its own log only, and an entry whose registers are the next entry's (no instruction
     * ran) where that next one matches the other log.
     */
    static Difference firstRegisterDifference(Path recLog, Path repLog, boolean cp0 = false) {
        // a window of each log is held: the rules below look one entry back and one ahead
        def a = entries(recLog, cp0), b = entries(repLog, cp0)
        try {
            def rec = new Window(a), rep = new Window(b)
            if (!rep.has(0)) throw new IllegalStateException("$repLog holds no TB")
            Entry first = rep.at(0)
            int i = 0
            while (rec.has(i) && rec.at(i) != first) { i++; rec.forget(i - 1) }
            if (!rec.has(i)) throw new IllegalStateException("the replay's first TB ($first) is not in the record log")
            int j = 0
            while (rec.has(i) && rep.has(j)) {
                rec.forget(i - 1); rep.forget(j - 1)
                Entry x = rec.at(i), y = rep.at(j)
                if (x == y) { i++; j++; continue }
                if (i > 0 && x == rec.at(i - 1)) { i++; continue }
                if (j > 0 && y == rep.at(j - 1)) { j++; continue }
                if (rec.has(i + 1) && x.gprs() == rec.at(i + 1).gprs() && rec.at(i + 1) == y) { i++; continue }
                if (rep.has(j + 1) && y.gprs() == rep.at(j + 1).gprs() && rep.at(j + 1) == x) { j++; continue }
                return new Difference(i, j, x, y)
            }
            null
        } finally {
            a.close(); b.close()
        }
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

    static Difference firstRegisterDifference(List<Entry> rec, List<Entry> rep) {
        int i = rec.findIndexOf { it == rep[0] }, j = 0
        if (i < 0) throw new IllegalStateException("the replay's first TB (${rep[0]}) is not in the record log")
        while (i < rec.size() && j < rep.size()) {
            Entry a = rec[i], b = rep[j]
            if (a == b) { i++; j++; continue }
            if (i > 0 && a == rec[i - 1]) { i++; continue }
            if (j > 0 && b == rep[j - 1]) { j++; continue }
            if (i + 1 < rec.size() && a.gprs() == rec[i + 1].gprs() && rec[i + 1] == b) { i++; continue }
            if (j + 1 < rep.size() && b.gprs() == rep[j + 1].gprs() && rep[j + 1] == a) { j++; continue }
            return new Difference(i, j, a, b)
        }
        null
    }
}
