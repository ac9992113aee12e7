package tandem.console

import spock.lang.Specification
import spock.lang.TempDir
import spock.lang.Timeout

import java.nio.file.Path

@Timeout(180)
class RunSpec extends Specification {
    @TempDir
    Path dir

    def "a script opens the demo itself, uses the DSL and gets its arguments"() {
        given:
        Path script = dir.resolve('probe.groovy')
        script.toFile().text = '''\
            println "args=$args"
            demo(bug: 'reg', at: 3000, instrs: 10000)
            toInstr args[0] as long
            c = checksums()
            println "same=${c.same()}"
            use rec
            println "instr=${instr()}"
            show regs()
            '''.stripIndent()

        def before = TandemProcess.demoProcesses()

        when:
        def r = TandemProcess.run(['run', script.toString(), '2000'])

        then:
        r.code == 0
        r.out.contains('args=[2000]')
        r.out.contains('same=true')
        r.out =~ /instr=20\d\d/
        r.err == ''
        TandemProcess.leftovers(before).isEmpty()
    }

    def "tandem --help says what each command does in a whole sentence, and its examples name files that exist"() {
        when:
        def r = TandemProcess.run(['--help'])
        List<String> lines = r.out.readLines()
        int from = lines.indexOf('Commands:')
        List<String> commands = lines.drop(from + 1).takeWhile { it.trim() }
        List<String> scripts = (r.out =~ /recipes\/[\w.-]+\.groovy/).collect { it as String }

        then:
        r.code == 0
        commands*.trim()*.split(/\s+/, 2)*.getAt(0) as Set == ['record', 'console', 'bisect', 'check', 'demo', 'run', 'doctor', 'help'] as Set
        commands.every { it.endsWith('.') }                   // one line each, none cut off
        lines.every { it.length() <= 80 }
        scripts && scripts.every { new File(it).isFile() }
    }

    def "a failing script exits non-zero with one message naming its line"() {
        given:
        Path script = dir.resolve('broken.groovy')
        script.toFile().text = 'println "start"\nx = 1\nregs()\n'

        when:
        def r = TandemProcess.run(['run', script.toString()])

        then:
        r.code == 1
        r.out.contains('start')
        r.err.trim() ==~ /tandem: broken.groovy:3: no sessions are open.*/
        !r.err.contains('\tat ')
    }

    def "demo --run runs a script on the demo pair"() {
        given:
        Path script = dir.resolve('pair.groovy')
        script.toFile().text = 'toInstr 4000\nprintln both.instrCount()\n'

        when:
        def r = TandemProcess.run(['demo', '--instrs', '10000', '--at', '6000', '--run', script.toString()])

        then:
        r.code == 0
        r.out =~ /rec: 40\d\d/
    }

    def "every line of `tandem #verb --help` that tandem writes fits 80 columns: no example or sentence is broken by the wrapping"() {
        given: 'picocli wraps what is wider than its 80 columns wherever the width runs out'
        def cl = new picocli.CommandLine(new tandem.cli.Main())
        def spec = verb ? cl.subcommands[verb].commandSpec : cl.commandSpec
        def usage = spec.usageMessage()
        List<String> written = (usage.header() + usage.description() + usage.footer()) as List<String>

        expect:
        written.findAll { it.length() > 79 } == []

        where:
        verb << ['', 'record', 'console', 'bisect', 'check', 'demo', 'run', 'doctor']
    }

    def "--help and --version answer for every verb"() {
        expect:
        TandemProcess.run([verb, '--help'].findAll()).out.contains(text)

        where:
        verb      | text
        'console' | 'tandem console recrep reprep'
        'demo'    | '--bug'
        'run'     | "demo(bug: 'tlb', at: 1000000)"
        'doctor'  | '--panda'
        'bisect'  | '--instr-bounds=LO,HI'
        'record'  | '--until=TEXT'
        'check'   | '--cmd=CMDLINE'
        null      | 'Examples'
    }

    def "doctor says what to fix"() {
        when:
        def r = TandemProcess.run(['doctor', '--rr', '/nonexistent/rr', '--panda',
                                   System.getProperty('tandem.pandaBuild', 'target/panda') + '/mips-softmmu/panda-system-mips'])

        then:
        r.code == 1
        r.out =~ /FIX\s+rr\s+not found/
        r.out =~ /ok\s+gdb/
        r.out =~ /ok\s+PANDA symbols/
        r.out.contains("rr's own check")
        r.out.contains('ptrace')
        and: 'no rr_checksum_tlb / rr_checksum_ram: no PANDA has them'
        !r.out.contains('rr_checksum_tlb')
        !r.out.contains('rr_checksum_ram')
        and: 'mini-PANDA, like the notes\' branch, records MIPS; recording without -d nochain costs exactness'
        r.out =~ /ok\s+MIPS record\/replay/
        r.out.contains('`-d nochain`')
    }

    def "doctor --without-rr checks a PANDA run under gdb alone: no rr, no perf counters asked for"() {
        when:
        def r = TandemProcess.run(['doctor', '--without-rr', '--rr', '/nonexistent/rr', '--panda',
                                   System.getProperty('tandem.pandaBuild', 'target/panda') + '/mips-softmmu/panda-system-mips'])

        then:
        r.code == 0
        r.out =~ /--\s+rr\s+not checked/
        !r.out.contains('perf_event_paranoid')
        r.out =~ /ok\s+gdb/
        r.out =~ /ok\s+gdb Python\s+yes/
        r.out =~ /ok\s+PANDA symbols/
        r.out.contains('all good')
    }

    def "doctor with a gdb built without Python: the search still works, stopping at each call, and says so"() {
        given: "a gdb that answers as one built without Python does"
        def dir = java.nio.file.Files.createTempDirectory('tandem-gdb-')
        def fake = dir.resolve('gdb')
        fake.toFile().text = """#!/bin/sh
case "\$*" in
  *python*) echo 'Python scripting is not supported in this copy of GDB.' >&2; exit 1 ;;
  *) exec gdb "\$@" ;;
esac
"""
        fake.toFile().setExecutable(true)

        when:
        def r = TandemProcess.run(['doctor', '--without-rr', '--gdb', fake.toString(), '--panda',
                                   System.getProperty('tandem.pandaBuild', 'target/panda') + '/mips-softmmu/panda-system-mips'])

        then: 'a note, not a problem'
        r.out =~ /--\s+gdb Python\s+none in this gdb/
        r.code == 0

        cleanup:
        dir?.toFile()?.deleteDir()
    }

    def "doctor: rr 5.9 records at perf_event_paranoid 2, earlier rr at 1"() {
        expect:
        tandem.cli.Doctor.highestParanoid(tandem.cli.Doctor.rrVersion(version)) == highest

        where:
        version                         | highest
        'rr version 5.9.0'              | 2
        'rr version 5.10.1'             | 2
        'rr version 5.8.0'              | 1
        'rr version 5.7.0 (stand-in)'   | 1
    }

    def "doctor's rr record check shows rr's reason (its FATAL line), not the last line of rr's backtrace"() {
        given: "rr on a machine without hardware performance counters: the stand-in prints rr's FATAL, then its backtrace"
        def dir = java.nio.file.Files.createTempDirectory('tandem-rr-')
        def rr = dir.resolve('rr')
        rr.toFile().text = "#!/bin/sh\nRR_STANDIN_PERF_COUNTERS=none exec '${tandem.panda.Demo.RR}' \"\$@\"\n"
        rr.toFile().setExecutable(true)

        when:
        def r = TandemProcess.run(['doctor', '--rr', rr.toString(), '--panda',
                                   System.getProperty('tandem.pandaBuild', 'target/panda') + '/mips-softmmu/panda-system-mips'])
        String line = r.out.readLines().find { it.contains('rr record /bin/true') }

        then: "rr's own reason, and what follows from it"
        r.code == 1
        line.startsWith('FIX')
        line.contains("failed (killed by SIGABRT): [FATAL src/PerfCounters.cc:308:start_counter() errno: ENOENT] " +
                "Unable to open performance counter with 'perf_event_open'; are hardware perf events available?")
        line.contains('rr needs hardware performance counters')
        !r.out.contains('backtrace')

        cleanup:
        dir?.toFile()?.deleteDir()
    }
}
