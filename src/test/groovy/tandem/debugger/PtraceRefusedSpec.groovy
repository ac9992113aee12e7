package tandem.debugger

import picocli.CommandLine
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.cli.Doctor
import tandem.panda.Demo

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions

/**
 * gdb where the kernel refuses ptrace, as in a container (spectre#2349, gitpod#544): real gdb
 * run under a seccomp filter that answers ptrace with EPERM (noptrace.c, compiled here).
 */
@Timeout(120)
class PtraceRefusedSpec extends Specification {

    @Shared Path dir
    /** gdb with ptrace refused: a script that runs Demo.GDB under noptrace. */
    @Shared Path refusedGdb

    def setupSpec() {
        dir = Files.createTempDirectory('tandem-noptrace-')
        def src = dir.resolve('noptrace.c')
        Files.writeString(src, PtraceRefusedSpec.getResourceAsStream('/debugger/noptrace.c').getText('UTF-8'))
        def noptrace = dir.resolve('noptrace')
        def gcc = ['gcc', '-O', '-o', noptrace.toString(), src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
        refusedGdb = dir.resolve('gdb')
        Files.writeString(refusedGdb, "#!/bin/sh\nexec '${noptrace}' '${Demo.GDB}' \"\$@\"\n")
        Files.setPosixFilePermissions(refusedGdb, PosixFilePermissions.fromString('rwxr-xr-x'))
    }

    def cleanupSpec() {
        dir?.toFile()?.deleteDir()
    }

    def "a program gdb cannot trace is an error with gdb's warnings, and says what to do"() {
        when:
        GdbDebugger.open(new LiveProgram(refusedGdb, Path.of('/bin/true'), [], dir, null)).close()

        then:
        def e = thrown(DebuggerException)
        e.message.contains('gdb could not trace live true')
        e.gdbMessage().contains('During startup program exited with code 127.')
        e.gdbMessage().contains('warning: Could not trace the inferior process.')
        e.gdbMessage().contains('warning: ptrace: Operation not permitted')
        e.message.contains('--cap-add=SYS_PTRACE')
    }

    /** doctor's output and exit code with {@code gdb}. */
    static List doctor(Path gdb) {
        def out = new ByteArrayOutputStream()
        PrintStream saved = System.out
        System.setOut(new PrintStream(out, true, 'UTF-8'))
        try {
            int code = new CommandLine(new Doctor()).execute('--without-rr', '--gdb', gdb.toString())
            return [out.toString('UTF-8'), code]
        } finally {
            System.setOut(saved)
        }
    }

    def "doctor has gdb trace a program: with ptrace refused it says so with gdb's reasons, not all good"() {
        when:
        def (String out, int code) = doctor(refusedGdb)
        String line = out.readLines().find { it.contains('gdb traces /bin/true') }

        then:
        code == 1
        !out.contains('all good')
        line.startsWith('FIX')
        line.contains('warning: Could not trace the inferior process.')
        line.contains('warning: ptrace: Operation not permitted')
        line.contains('During startup program exited with code 127.')
        line.contains('--cap-add=SYS_PTRACE')
    }

    def "doctor with a gdb that may trace runs /bin/true to its end"() {
        when:
        def (String out, int code) = doctor(Demo.GDB)

        then:
        out.readLines().find { it.contains('gdb traces /bin/true') }.startsWith('ok')
    }
}
