// The recipes (recipes/NN-*.groovy) through tandem's own `tandem run` entry, in-process: the
// whole walkthrough on the demo target in order (steps 2 -> 8 for real, through the stand-in rr),
// the real-PANDA command lines of --dry-run against the notes, and the errors for missing files.
package tandem.recipes

import spock.lang.Shared
import spock.lang.Specification
import tandem.cli.Main
import tandem.panda.MiniPanda

import java.nio.file.Files
import java.nio.file.Path

class RecipesSpec extends Specification {
    static final String HOME = System.getProperty('user.home')
    static final Path BASE = Path.of('.').toAbsolutePath().normalize()

    @Shared Path work

    def setupSpec() {
        System.setProperty('tandem.home', BASE.toString())
        work = Files.createTempDirectory('tandem-walkthrough-')
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(work)
    }

    /** `tandem run recipes/FILE ARGS`: exit code, stdout, stderr (also shown as it runs). */
    static Map tandem(String file, List<String> args) {
        def out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream()
        PrintStream oldOut = System.out, oldErr = System.err
        System.setOut(new PrintStream(new Tee(oldOut, out), true, 'UTF-8'))
        System.setErr(new PrintStream(new Tee(oldErr, err), true, 'UTF-8'))
        int code
        try {
            code = Main.execute((['run', "recipes/$file", '--'] + args) as String[])
        } finally {
            System.out.flush(); System.err.flush()
            System.setOut(oldOut); System.setErr(oldErr)
        }
        [code: code, out: out.toString('UTF-8'), err: err.toString('UTF-8')]
    }

    static class Tee extends OutputStream {
        final OutputStream a, b
        Tee(OutputStream a, OutputStream b) { this.a = a; this.b = b }
        void write(int c) { a.write(c); b.write(c) }
        void write(byte[] buf, int off, int len) { a.write(buf, off, len); b.write(buf, off, len) }
        void flush() { a.flush(); b.flush() }
    }

    Properties state() {
        def p = new Properties()
        work.resolve('tandem-state.properties').toFile().withReader { p.load(it) }
        p
    }

    def "the walkthrough runs on the demo target, steps 1 to 8 in order, and finds the injected divergence"() {
        given:
        def demo = ['--demo', '--work', work.toString(), '--instrs', '200000', '--bug', 'tlb@100000']

        when:
        def s1 = tandem('01-guest-files.groovy', demo)
        def s2 = tandem('02-record.groovy', demo)
        def s3 = tandem('03-check-replay.groovy', demo)
        def afterStep3 = state()
        def s4 = tandem('04-record-replay.groovy', demo)
        def s5 = tandem('05-open.groovy', demo)
        def s6 = tandem('06-bisect.groovy', demo)
        def found = state()
        def s7 = tandem('07-inspect.groovy', demo)
        def s8 = tandem('08-walk.groovy', demo)
        long injected = afterStep3.getProperty('injectedAt') as long

        then:
        verifyAll {
            [s1, s2, s3, s4, s5, s6, s7, s8]*.code == [0] * 8
            s1.out.contains('panda-system-mips -m 128M -M malta -nographic -demo-instrs 200000')
            s2.out.contains('src/test/rr/rr record -o recrep ')
            s2.out.contains('-demo-instrs 200000 -d nochain\n')
            s2.out.contains('>> (qemu) begin_record ls')
            s2.out.contains('>> guest$ /bin/ls /etc')
            Files.isDirectory(work.resolve('recrep')) && Files.exists(work.resolve('ls-rr-nondet.log'))
            s3.out.contains('FOUND DISAGREEMENT!')
            (afterStep3.getProperty('instrMax') as long) > injected
            injected >= 100_000 && injected < 100_100
            s4.out.contains('-replay ls -demo-bug tlb@100000')
            // rr says nothing of its own when the recorded program aborts; bash's job report is not rr's
            !(s4.out + s4.err).contains('Aborted')
            Files.isDirectory(work.resolve('reprep'))
            s5.out.contains('both replays are open')
            !s5.out.contains('ran without -d nochain')
            s6.out.contains("bisect 0, ${afterStep3.getProperty('instrMax')}")
            // the search's progress from its start, and its summary once
            s6.out =~ /(?m)^start\s+\[0, ${afterStep3.getProperty('instrMax')}\]  probes 0 done/
            s6.out.readLines().count { it.trim().startsWith('first divergence at guest instruction') } == 1
            s6.out.readLines().count { it.trim().startsWith('back here:') } == 1
            s7.out.contains("toInstr ${found.getProperty('firstDiverged')}")
            s7.out =~ /rec and rep differ in: .*tlb/
            s8.out.contains("rec and rep first differ at guest instruction $injected")
            // the search must land on the count where the bug took effect
            (found.getProperty('firstDiverged') as long) == injected
        }

        and: "the README's transcripts are what the recipes print"
        Map<String, Map> runs = ['02-record': s2, '03-check-replay': s3, '06-bisect': s6, '07-inspect': s7, '08-walk': s8]
        Map<String, List<String>> readme = readmeTranscripts()
        readme.keySet().every { runs.containsKey(it) }
        readme.size() >= 4
        verifyAll {
            readme.collectEntries { step, expected -> [step, firstMissing(expected, runs[step].out as String)] }
                    .findAll { it.value != null } == [:]
        }
    }

    /**
     * README's "What you see on the demo target": each `$ scripts/tandem run recipes/NN-x.groovy
     * --demo` and the lines it prints, by step. A line `...` stands for lines left out; `...`
     * inside a line for any text (a path, a time).
     */
    static Map<String, List<String>> readmeTranscripts() {
        List<String> lines = BASE.resolve('README.md').toFile().readLines()
        int from = lines.findIndexOf { it.startsWith('### What you see on the demo target') }
        assert from >= 0: 'README.md has no "What you see on the demo target" section'
        Map<String, List<String>> t = [:]
        List<String> current = null
        for (String l : lines.drop(from + 1)) {
            if (l.trim() && !l.startsWith('    ')) {
                if (t) break   // the prose after the transcripts
                continue
            }
            def run = l =~ /^    \$ scripts\/tandem run recipes\/(\d\d-[\w-]+)\.groovy --demo\s*$/
            if (run.matches()) {
                current = t.computeIfAbsent(run.group(1)) { [] }
            } else if (current != null && l.trim()) {
                current << l.substring(4).stripTrailing()
            }
        }
        t
    }

    /** The first of {@code expected} not found in {@code actual} after the ones before it; null when all are. */
    String firstMissing(List<String> expected, String actual) {
        // the spec's work folder stands for the recipes' default, target/walkthrough in the checkout
        List<String> out = actual.replace(work.toString(), BASE.resolve('target/walkthrough').toString())
                .readLines()*.stripTrailing()
        int at = 0
        for (String e : expected) {
            if (e.trim() == '...') continue
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                    e.split(/\.\.\./, -1).collect { it.isEmpty() ? '' : java.util.regex.Pattern.quote(it) }.join('.*?'))
            Integer found = (at..<out.size()).find { int i -> p.matcher(out[i]).matches() } as Integer
            if (found == null) return e
            at = found + 1
        }
        null
    }

    def "--dry-run prints the notes' command lines, with paths expanded, recording with -d nochain, and says which PANDA records MIPS"() {
        given:
        String rr = Files.isExecutable(Path.of('/usr/local/bin/rr')) ? '/usr/local/bin/rr' : 'rr'
        String qcow = "$HOME/.panda/debian_7.3_mips.qcow", kernel = "$HOME/.panda/vmlinux-3.2.0-4-4kc-malta"
        String build = "$HOME/git/panda/build"

        when:
        def s = (1..8).collect { n ->
            String f = new File('recipes').list().find { it.startsWith(String.format('%02d-', n)) }
            tandem(f, ['--dry-run'])
        }

        then:
        s*.code == [0] * 8
        s[0].out.contains("$build/mips-softmmu/panda-system-mips -L $build/mips-softmmu/pc-bios -os linux-32-debian:3.2.0-4-4kc-malta $qcow -m 1g -M malta -kernel $kernel -append root=/dev/sda1 -nographic -loadvm root")
        s[1].out.contains("\$ cd $build\n")
        s[1].out.contains("\$ $rr record -o recrep ./mips-softmmu/panda-system-mips $qcow -m 1g -M malta -kernel $kernel -append root=/dev/sda1 -nographic -d nochain\n")
        s[1].out.contains('PANDA chains TBs while recording unless run with `-d nochain`')
        s[1].out.contains('MIPS record/replay needs PANDA\'s branch mips_serious_rec_attempt')
        s[1].out.contains('>> (qemu) loadvm root')
        s[2].out.contains("\$ ./mips-softmmu/panda-system-mips -m 1g -M malta -kernel $kernel -replay ls\n")
        s[3].out.contains("\$ $rr record -o reprep ./mips-softmmu/panda-system-mips -m 1g -M malta -kernel $kernel -replay ls\n")
        s[4].out.contains("\$ $rr replay $build/recrep")
        s[4].out.contains("\$ $rr replay $build/reprep")
        s[5].out.contains("diverge.py --rr $rr $build/recrep $build/reprep --instr-max=XX (MIPS: the diverge.py of PANDA's branch mips_serious_rec_attempt")
        s[6].out.contains('call panda_virt_to_phys(cpus->tqh_first, 0x7f81cac0)')
        s[7].out.contains('(rr) break cpu_loop_exec_tb')
    }

    /**
     * README's `--dry-run` transcript: the lines after `$ scripts/tandem run recipes/NN-x.groovy
     * --dry-run`, up to the end of its code block; `/home/me` stands for the home folder.
     */
    static Map<String, List<String>> readmeDryRuns() {
        Map<String, List<String>> t = [:]
        List<String> current = null
        for (String l : BASE.resolve('README.md').toFile().readLines()) {
            def run = l =~ /^    \$ scripts\/tandem run recipes\/(\d\d-[\w-]+)\.groovy --dry-run\s*$/
            if (run.matches()) current = t.computeIfAbsent(run.group(1)) { [] }
            else if (current != null && l.startsWith('    ')) current << l.substring(4).stripTrailing()
            else if (current != null && l.trim()) current = null
        }
        t
    }

    def "README's --dry-run transcript is what the recipe prints, line for line"() {
        given:
        def readme = readmeDryRuns()

        expect:
        readme.size() >= 1
        readme.every { step, expected ->
            def run = tandem("${step}.groovy", ['--dry-run'])
            // the notes' rr is /usr/local/bin/rr where it is installed, else rr on the PATH (README shows the latter)
            String out = run.out.replace(HOME, '/home/me').replace('$ /usr/local/bin/rr ', '$ rr ')
            run.code == 0 && out.readLines()*.stripTrailing() == expected
        }
    }

    def "step 2 runs every --monitor command, in the order given, after the guest output it waits for and before begin_record"() {
        when:
        def s = tandem('02-record.groovy', ['--dry-run', '--without-rr', '--guest-args', '-M malta -m 256M -kernel /k',
                                            '--wait-for', 'tandem-mipsel#', '--monitor', 'info status', '--monitor=log cpu'])
        def lines = s.out.readLines()*.trim()

        then:
        s.code == 0
        int status = lines.indexOf('>> (qemu) info status'), log = lines.indexOf('>> (qemu) log cpu')
        status >= 0 && log > status
        log < lines.indexOf('>> (qemu) begin_record ls')
        !lines.contains('>> (qemu) loadvm root')
    }

    def "a missing PANDA build or guest file fails at once, naming it"() {
        when:
        def r = tandem(file, args)

        then:
        r.code == 1
        r.err.contains(message)

        where:
        file                      | args                                                                               | message
        '02-record.groovy'        | ['--panda-build', '/nonexistent/build']                                            | 'PANDA build directory not found: /nonexistent/build'
        '02-record.groovy'        | ['--panda-build', MiniPanda.buildDirectory().toString(), '--qcow', '/no/disk.qcow'] | 'guest disk image (--qcow) not found: /no/disk.qcow'
        '03-check-replay.groovy'  | ['--panda-build', MiniPanda.buildDirectory().toString(), '--kernel', '/no/vmlinux'] | 'guest kernel (--kernel) not found: /no/vmlinux'
        '04-record-replay.groovy' | ['--panda-build', '/nonexistent/build']                                            | 'PANDA build directory not found: /nonexistent/build'
    }

    def "#file --help prints what the step does and its options, runs nothing and exits 0"() {
        when:
        def r = tandem(file, ['--help'])
        List<String> header = BASE.resolve("recipes/$file").toFile().readLines().takeWhile { it.startsWith('//') }
        List<String> own = header.findAll { it =~ /^\/\/\s+--/ }.collect { (it =~ /--[a-z][a-z-]*/)[0] as String }

        then:
        r.code == 0
        r.err == ''
        r.out.contains('Parameters')
        own.size() >= 2
        own.every { r.out.contains(it) }
        !r.out.contains('$ ')   // no command was run or shown
        !r.out.contains('== ')  // nor the step's header line

        where:
        file << BASE.resolve('recipes').toFile().list().findAll { it ==~ /\d\d-.*\.groovy/ }.sort()
    }

    def "#file refuses an option it does not know, naming it and the ones it takes, before running anything"() {
        when:
        def r = tandem(file, ['--demo', '--bogus', '5'])

        then:
        r.code != 0
        r.err.contains('unknown option --bogus')
        r.err.contains('--dry-run') && r.err.contains('--work')
        !r.out.contains('$ ')

        where:
        file << BASE.resolve('recipes').toFile().list().findAll { it ==~ /\d\d-.*\.groovy/ }.sort()
    }

    def "step 3 on a recording whose snapshot PANDA cannot load: one error naming the file and PANDA's reason"() {
        given: "a recording 'ls' whose snapshot is not a snapshot (as one written by another program)"
        Path dir = Files.createTempDirectory('tandem-badsnp-')
        Files.writeString(dir.resolve('ls-rr-snp'), 'x' * 100)
        Files.writeString(dir.resolve('ls-rr-nondet.log'), '')

        when:
        def r = tandem('03-check-replay.groovy', ['--demo', '--work', dir.toString()])

        then: "PANDA's reason as it printed it (mini-PANDA prints the real PANDA's words, MiniPandaSpec)"
        r.code == 1
        r.err.contains("PANDA could not load the snapshot ${dir.resolve('ls-rr-snp')}: Not a migration stream; the replay never started")
        !r.err.contains('printed no instruction count')

        cleanup:
        MiniPanda.deleteTree(dir)
    }
}
