package tandem.panda.trace

import groovy.transform.CompileStatic
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.TempDir
import tandem.rectrace.TraceComparison

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.FileChannel
import java.nio.file.StandardOpenOption
import java.util.concurrent.atomic.AtomicBoolean
import java.util.function.BooleanSupplier
import java.nio.file.Files
import java.nio.file.Path

/**
 * The trace reader on traces written here from the format (TraceFile's and tandem_trace.c's
 * description: header, TB entries with count deltas, full records, TLB entries, PCs, trailer),
 * many times longer than the reader's buffer and its TLB segments: what is read back at any count
 * is what was written there, taken from the writer's own list, never from the reader.
 */
class TraceFileSpec extends Specification {

    @TempDir
    Path dir

    /** A run of TBs as the plugin would see it: counts, summaries, PCs, TLB changes before some TBs. */
    static class Run {
        List<Long> counts = []
        List<Integer> summaries = []
        List<Long> pcs = []
        /** TB index -> TLB changes written before that TB's entry: [TLB index, its 6 words] */
        Map<Integer, List<Tlb>> tlbBefore = [:]
    }

    static class Tlb {
        int index
        List<Long> words
    }

    /**
     * Writes a trace of {@code run} in the plugin's order per TB: its TLB changes, a full record
     * when the TB is the first of a period of 2^periodLog2 instructions, its PC (a replay trace),
     * its entry. {@code repeats}: TB indexes written twice at one count (the plugin's repeat at
     * one (pc, count) rewrites in place; an exception's handler TB at the same count is a second
     * entry with delta 0, the last one wins), the first time with summary {@code ~summary}.
     */
    @CompileStatic
    static byte[] write(Run run, int mode, int periodLog2, Set<Integer> repeats, boolean trailer, Path snapshot = null, Path log = null) {
        def out = new ByteArrayOutputStream()
        def b = le(TraceFile.HEADER_SIZE)
        b.put(TraceFile.MAGIC).putInt(TraceFile.VERSION).putInt(TraceFile.HEADER_SIZE)
        b.put((byte) mode).put((byte) periodLog2).put((byte) 3).put((byte) 2).put((byte) 6)
        b.position(24); b.putLong(run.counts[0])
        b.position(32); b.put('mips'.bytes)
        b.position(48); b.put('x-rr-nondet.log'.bytes)
        out.write(b.array())
        long last = -1
        long period = -1
        for (int i = 0; i < run.counts.size(); i++) {
            long c = run.counts[i]
            for (Tlb t : run.tlbBefore[i] ?: []) {
                def x = le(3 + 2 + 48).put((byte) TraceFile.TAG_TLB).putShort((short) 50).putShort((short) t.index)
                for (long w : t.words) x.putLong(w)
                out.write(x.array())
            }
            if ((c >> periodLog2) > period) {
                period = c >> periodLog2
                def f = le(3 + 42 + 24).put((byte) TraceFile.TAG_FULL).putShort((short) (42 + 24))
                f.putLong(c).putLong(run.pcs[i]).putLong(11).putLong(22).putLong(33).putShort((short) 3)
                f.putLong(run.pcs[i]).putLong(c * 2).putLong(c * 3)
                out.write(f.array())
            }
            if (repeats.contains(i)) {
                if (mode == TraceFile.MODE_REPLAY) out.write(pcItem(run.pcs[i] + 0x100))
                out.write(entry(last < 0 ? 0 : c - last, (int) ~(run.summaries[i] as int)))
                last = c
            }
            if (mode == TraceFile.MODE_REPLAY) out.write(pcItem(run.pcs[i]))
            out.write(entry(last < 0 ? 0 : c - last, run.summaries[i]))
            last = c
        }
        if (trailer) {
            long snpSize = snapshot ? Files.size(snapshot) : 0, snpHash = snapshot ? TraceFile.fileHash(snapshot) : 0
            long logSize = log ? Files.size(log) : 0
            long logHead = log ? le(8).put(Arrays.copyOf(Files.readAllBytes(log), 8)).getLong(0) : 0
            def t = le(3 + 49).put((byte) TraceFile.TAG_TRAILER).putShort((short) 49).put((byte) TraceFile.END_COMPLETE)
            t.putLong(last).putLong(run.counts.size()).putLong(snpSize).putLong(snpHash).putLong(logSize).putLong(logHead)
            out.write(t.array())
        }
        out.toByteArray()
    }

    @CompileStatic
    static ByteBuffer le(int n) { ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN) }

    @CompileStatic
    static byte[] entry(long delta, int summary) {
        if (delta <= 0xEE) return le(5).put((byte) (delta + 1)).putInt(summary).array()
        le(9).put((byte) TraceFile.TAG_LONG).putInt((int) delta).putInt(summary).array()
    }

    @CompileStatic
    static byte[] pcItem(long pc) { le(11).put((byte) TraceFile.TAG_PC).putShort((short) 8).putLong(pc).array() }

    /** A run of {@code n} TBs from count 1000: mostly short TBs, some long gaps (a long count delta), a TLB change every 37th TB. */
    @CompileStatic
    static Run run(int n, long seed) {
        def rnd = new Random(seed)
        def r = new Run()
        long c = 1000
        for (int i = 0; i < n; i++) {
            r.counts << c
            r.summaries << rnd.nextInt()
            r.pcs << (0x80000000L + 4 * rnd.nextInt(1 << 20))
            if (i % 37 == 5) r.tlbBefore[i] = [new Tlb(index: rnd.nextInt(16), words: (0..<6).collect { rnd.nextLong() })]
            c += i % 500 == 499 ? 70000 + rnd.nextInt(1000) : 1 + rnd.nextInt(30)
        }
        r
    }

    /** The TLB in force at {@code count} from the run's own changes: a change before TB i is in force from its count on. */
    static Map<Integer, List<Long>> tlbModel(Run r, long count) {
        Map<Integer, List<Long>> m = new TreeMap<>()
        r.tlbBefore.keySet().sort().each { int i -> if (r.counts[i] <= count) r.tlbBefore[i].each { m[it.index] = it.words } }
        m
    }

    @Shared Run big = run(200_000, 7)
    @Shared Set<Integer> repeats = [3, 999, 150_001] as Set

    def "a trace many buffers and TLB segments long: every entry, the TB at any count, its full record and its TLB are what was written"() {
        given: 'a record trace of 200,000 TBs (about 1.5 MB), read 64 KiB at a time with a TLB copy every 4 KiB'
        def file = dir.resolve('big-tandem-trace')
        Files.write(file, write(big, TraceFile.MODE_RECORD, 10, repeats, true))
        assert Files.size(file) > 12 * TraceFile.MIN_BUFFER_BYTES
        def t = TraceFile.read(file, TraceFile.MIN_BUFFER_BYTES, 4096)

        expect: 'the header, the trailer and the entries, a repeated count read as its last entry'
        t.isRecord()
        t.target == 'mips'
        t.firstCount == 1000
        t.trailer.how() == TraceFile.END_COMPLETE
        t.entryCount() == big.counts.size()
        t.lastCount() == big.counts[-1]
        !t.hasPcs()
        entries(t) == (0..<big.counts.size()).collect { [(long) it, big.counts[it], big.summaries[it], -1L] }

        and: 'at counts all over the trace (TB starts, inside TBs, before the first, past the last)'
        def rnd = new Random(3)
        def probes = [0L, 999L, 1000L, big.counts[-1], big.counts[-1] + 5] + (0..<300).collect { big.counts[rnd.nextInt(big.counts.size())] + rnd.nextInt(3) - 1 }
        // the full records were written at the first TB of each period of 2^10
        def fulls = (0..<big.counts.size()).findAll { it == 0 || (big.counts[it] >> 10) > (big.counts[it - 1] >> 10) }
        def fullIdx = fulls.collect { (long) it }
        probes.every { long c ->
            int i = lastAtOrBefore(big.counts, c)
            int k = i >= 0 && big.counts[i] == c ? i : (i + 1 < big.counts.size() ? i + 1 : -1)
            int f = i < 0 ? -1 : fulls[lastAtOrBefore(fullIdx, i)]
            def at = t.entryAtOrBefore(c), after = t.entryAtOrAfter(c)
            def full = t.fullAtOrBefore(c)
            def tlb = t.tlbAt(c).collectEntries { key, w -> [key, w as List] }
            assert (i < 0 ? at == null : at.count() == big.counts[i] && at.summary() == big.summaries[i] && at.index() == i)
            assert (k < 0 ? after == null : after.count() == big.counts[k] && after.index() == k)
            assert (f < 0 ? full == null : full.count() == big.counts[f] && full.regs() as List == [big.pcs[f], big.counts[f] * 2, big.counts[f] * 3])
            assert tlb == tlbModel(big, c)
            true
        }
    }

    /** Every entry of the trace as [index, count, summary, pc], read through its cursor. */
    static List<List> entries(TraceFile t) {
        def read = []
        t.entries().withCloseable { e -> while (e.next()) read << [e.index(), e.count(), e.summary(), e.pc()] }
        read
    }

    /** Index of the last element at or before {@code x} in an ascending list, -1 if none. */
    static int lastAtOrBefore(List<Long> sorted, long x) {
        int p = Collections.binarySearch(sorted, x)
        p >= 0 ? p : -p - 2
    }

    def "read one buffer at a time or whole, a trace gives the same answers"() {
        given:
        def file = dir.resolve('big-tandem-trace')
        Files.write(file, write(big, TraceFile.MODE_RECORD, 10, repeats, true))
        def small = TraceFile.read(file, TraceFile.MIN_BUFFER_BYTES, 4096)
        def whole = TraceFile.read(file)

        expect:
        [0L, 5000L, big.counts[100_000] + 1, big.counts[-1]].every { c ->
            small.entryAtOrBefore(c) == whole.entryAtOrBefore(c) &&
                    small.fullAtOrBefore(c)?.count() == whole.fullAtOrBefore(c)?.count() &&
                    small.tlbAt(c).collectEntries { k, w -> [k, w as List] } == whole.tlbAt(c).collectEntries { k, w -> [k, w as List] }
        }
    }

    def "a replay trace compared with the record trace, both read a buffer at a time: the first TB whose summary differs, and a replay that went elsewhere"() {
        given: "the replay: the record run's TBs, one TB more cut inside a record TB (PANDA ends a TB at a logged event), a summary changed at TB 123,456"
        def rep = new Run(counts: [] + big.counts, summaries: [] + big.summaries, pcs: [] + big.pcs)
        int cutAfter = 100_000
        long inside = big.counts[cutAfter] + 1
        assert inside < big.counts[cutAfter + 1]
        rep.counts.add(cutAfter + 1, inside)
        rep.summaries.add(cutAfter + 1, 42)
        rep.pcs.add(cutAfter + 1, big.pcs[cutAfter] + 4)
        int changed = 123_456
        rep.summaries[changed + 1] = rep.summaries[changed + 1] ^ 0x00010000
        def recFile = dir.resolve('rec'), repFile = dir.resolve('rep')
        Files.write(recFile, write(big, TraceFile.MODE_RECORD, 10, repeats, true))
        Files.write(repFile, write(rep, TraceFile.MODE_REPLAY, 10, [] as Set, true))
        def rec = TraceFile.read(recFile, TraceFile.MIN_BUFFER_BYTES, 4096)
        def r = TraceFile.read(repFile, TraceFile.MIN_BUFFER_BYTES, 4096)

        when:
        def result = TraceComparison.compare(rec, r)

        then: 'the system registers differ first at the record TB changed, the one before agrees'
        r.hasPcs()
        result.divergence().count() == big.counts[changed]
        result.divergence().groups() == [TraceComparison.Group.SYSTEM]
        result.divergence().lastAgreed() == big.counts[changed - 1]
        result.comparedTbs() == big.counts.size()
        result.replayEndedAt() == -1

        when: "the replay's extra TB at another PC than the record TB's next instruction: it went elsewhere"
        rep.pcs[cutAfter + 1] = 0x80001000L
        Files.write(repFile, write(rep, TraceFile.MODE_REPLAY, 10, [] as Set, true))
        def elsewhere = TraceComparison.compare(rec, TraceFile.read(repFile, TraceFile.MIN_BUFFER_BYTES, 4096)).divergence()

        then:
        elsewhere.replayWentElsewhere()
        elsewhere.count() == inside
        elsewhere.replayPc() == 0x80001000L
        elsewhere.expectedPc() == big.pcs[cutAfter] + 4
        elsewhere.lastAgreed() == big.counts[cutAfter]
    }

    /**
     * {@code bytes} written into {@code file} by another thread as the plugin writes a trace:
     * into a file of zeros (its fallocate), a piece of random length at a time, the header's
     * committed length raised after each piece; with {@code committedToTheEnd} false the last
     * 20 bytes are never committed (a run killed: the reader takes them once the run is over).
     * Returns the trace followed while that thread writes.
     */
    static TraceFile followWhileWritten(Path file, byte[] bytes, boolean committedToTheEnd, long seed) {
        Files.write(file, new byte[bytes.length + 70_000])
        def writing = new AtomicBoolean(true)
        Thread.start {
            FileChannel.open(file, StandardOpenOption.WRITE).withCloseable { ch ->
                def rnd = new Random(seed)
                int at = 0
                while (at < bytes.length) {
                    int n = at == 0 ? TraceFile.HEADER_SIZE : Math.min(bytes.length - at, 1 + rnd.nextInt(6000))
                    ch.write(ByteBuffer.wrap(bytes, at, n), at)
                    at += n
                    long committed = committedToTheEnd || at < bytes.length - 20 ? at : bytes.length - 20
                    ch.write(le(8).putLong(0, committed), CommittedLength.AT)
                    if (rnd.nextInt(8) == 0) Thread.sleep(1)
                }
            }
            writing.set(false)
        }
        TraceFile.follow(file, { -> writing.get() } as BooleanSupplier)
    }

    def "a replay trace followed while it is written, committed to its trailer or not (a killed run): the entries and the comparison read whole"() {
        given: 'a replay trace of 200,000 TBs with a summary changed at TB 123,456, and the record trace'
        def rep = new Run(counts: [] + big.counts, summaries: [] + big.summaries, pcs: [] + big.pcs)
        rep.summaries[123_456] = rep.summaries[123_456] ^ 0x00010000
        byte[] bytes = write(rep, TraceFile.MODE_REPLAY, 10, repeats, trailer)
        def whole = dir.resolve('whole')
        Files.write(whole, bytes)
        def rec = dir.resolve('rec')
        Files.write(rec, write(big, TraceFile.MODE_RECORD, 10, repeats, true))

        when:
        def followed = followWhileWritten(dir.resolve('followed'), bytes, trailer, 5)
        def read = entries(followed)
        def compared = TraceComparison.compare(TraceFile.read(rec), followWhileWritten(dir.resolve('compared'), bytes, trailer, 6))

        then: 'each entry once, as the whole file gives it; the same comparison, read to the divergence'
        followed.entryCount() == -1 && followed.hasPcs()
        read.size() == big.counts.size()
        read == entries(TraceFile.read(whole))
        compared.divergence() == TraceComparison.compare(TraceFile.read(rec), TraceFile.read(whole)).divergence()
        compared.divergence().count() == big.counts[123_456]
        compared.replayReadTo() >= big.counts[123_456]

        where:
        trailer << [true, false]
    }

    def "following a trace whose run ends before writing its header: one clear error"() {
        given:
        def file = dir.resolve('empty')
        Files.write(file, new byte[0])

        when:
        TraceFile.follow(file, { -> false } as BooleanSupplier)

        then:
        def e = thrown(TraceException)
        e.message.contains('is not a tandem trace (0 bytes')
    }

    def "a truncated trace, one with a killed run's zero tail, another recording's trace, a damaged one: one clear error each"() {
        given: 'a recording (snapshot and nondet log) and its trace'
        def snp = dir.resolve('x-rr-snp'), log = dir.resolve('x-rr-nondet.log')
        Files.write(snp, (0..<100_000).collect { (byte) (it * 7) } as byte[])
        Files.write(log, le(16).putLong(big.counts[-1]).putLong(9).array())
        byte[] whole = write(big, TraceFile.MODE_RECORD, 10, repeats, true, snp, log)
        Files.write(dir.resolve('x-tandem-trace'), whole)

        expect: 'its own trace belongs to it'
        TraceComparison.checkBelongs(TraceFile.read(dir.resolve('x-tandem-trace'), TraceFile.MIN_BUFFER_BYTES, 4096), dir, 'x') == null

        when: 'the trace cut in the middle, many buffers in, as a killed record run leaves it'
        def cut = dir.resolve('cut')
        Files.write(cut, Arrays.copyOf(whole, whole.length.intdiv(2) + 2))
        def t = TraceFile.read(cut, TraceFile.MIN_BUFFER_BYTES, 4096)
        TraceComparison.checkBelongs(t, dir, 'x')

        then: 'truncated, at the last whole entry written before the cut'
        def e = thrown(TraceException)
        e.message.contains('is truncated')
        e.message.contains('without the trailer')
        t.entryCount() > 50_000 && t.entryCount() < big.counts.size()
        e.message.contains('ends at guest instruction ' + big.counts[(int) t.entryCount() - 1])

        when: "a killed run's trace: the data, then zeros to the end of the plugin's last window"
        def zeros = dir.resolve('zeros')
        byte[] noTrailer = write(big, TraceFile.MODE_RECORD, 10, repeats, false)
        Files.write(zeros, Arrays.copyOf(noTrailer, noTrailer.length + 300_000))
        def z = TraceFile.read(zeros, TraceFile.MIN_BUFFER_BYTES, 4096)
        TraceComparison.checkBelongs(z, dir, 'x')

        then: 'all its entries, and truncated'
        def ze = thrown(TraceException)
        ze.message.contains('is truncated')
        z.entryCount() == big.counts.size()
        z.lastCount() == big.counts[-1]

        when: 'the trace beside a recording with another snapshot'
        Files.write(snp, (0..<100_000).collect { (byte) (it * 5) } as byte[])
        TraceComparison.checkBelongs(TraceFile.read(dir.resolve('x-tandem-trace'), TraceFile.MIN_BUFFER_BYTES, 4096), dir, 'x')

        then:
        def o = thrown(TraceException)
        o.message.contains('is the record trace of another recording than x')
        o.message.contains('x-rr-snp has other contents')

        when: 'an item no plugin writes, far into the trace'
        def bad = dir.resolve('bad')
        byte[] damaged = corruptAtAnItem(big, write(big, TraceFile.MODE_RECORD, 10, [] as Set, true))
        Files.write(bad, damaged)
        TraceFile.read(bad, TraceFile.MIN_BUFFER_BYTES, 4096)

        then:
        def d = thrown(TraceException)
        d.message.contains('unknown item 0xf9')
        d.message.contains('the trace is damaged')

        when: 'no trace there, and a file that is none'
        TraceFile.read(dir.resolve('none'))

        then:
        def n = thrown(TraceException)
        n.message == 'no trace at ' + dir.resolve('none')

        when:
        Files.write(dir.resolve('text'), ('hello ' * 200).bytes)
        TraceFile.read(dir.resolve('text'))

        then:
        def x = thrown(TraceException)
        x.message.contains('is not a tandem trace (it does not begin with TANDEMTT)')
    }

    /**
     * The trace of {@code run} with the tag of the first item of TB 100,000 (a TLB entry, a full
     * record or its entry) replaced by 0xF9, a tag no plugin writes: the items before are those
     * of the run's first 100,000 TBs, written alone.
     */
    static byte[] corruptAtAnItem(Run run, byte[] whole) {
        def first = new Run(counts: run.counts.subList(0, 100_000), summaries: run.summaries.subList(0, 100_000), pcs: run.pcs.subList(0, 100_000),
                tlbBefore: run.tlbBefore.findAll { it.key < 100_000 })
        int at = write(first, TraceFile.MODE_RECORD, 10, [] as Set, false).length
        byte[] d = Arrays.copyOf(whole, whole.length)
        d[at] = (byte) 0xF9
        d
    }
}
