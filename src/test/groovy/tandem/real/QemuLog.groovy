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

        /** Registers (GPRs, HI, LO) alone, the PC left out. */
        Map<String, String> gprs() { regs.findAll { k, v -> k != 'pc' } }

        String toString() { "TB at pc 0x${Long.toHexString(pc)}" }
    }

    /** The entries of a log, in order. */
    static List<Entry> read(Path log) {
        List<Entry> out = []
        Entry cur = null
        Files.newBufferedReader(log, java.nio.charset.StandardCharsets.ISO_8859_1).eachLine { String l ->
            if (l.startsWith('Trace ')) {
                def m = l =~ /^Trace \S+ \[\d+: ([0-9a-f]+)\]/
                if (m.find()) { cur = new Entry(Long.parseLong(m.group(1), 16), [:]); out << cur }
            } else if (cur != null && l.startsWith('pc=')) {
                def m = l =~ /^pc=0x([0-9a-f]+) HI=0x([0-9a-f]+) LO=0x([0-9a-f]+)/
                if (m.find()) cur.regs.putAll(pc: m.group(1), HI: m.group(2), LO: m.group(3))
            } else if (cur != null && l.startsWith('GPR')) {
                (l.substring(6) =~ /(\w+) ([0-9a-f]{8})/).each { List<String> g -> cur.regs[g[1]] = g[2] }
            }
        }
        out
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
