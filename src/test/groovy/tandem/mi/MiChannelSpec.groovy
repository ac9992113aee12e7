package tandem.mi

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The channel against a real gdb 13.1 driving looper.c, compiled here with gcc -g -O0.
 */
@Timeout(60)
class MiChannelSpec extends Specification {

    @Shared Path dir
    @Shared String looper
    MiChannel gdb

    def setupSpec() {
        dir = Files.createTempDirectory('mi-channel')
        def src = dir.resolve('looper.c')
        Files.writeString(src, MiChannelSpec.getResourceAsStream('/mi/looper.c').getText('UTF-8'))
        looper = dir.resolve('looper').toString()
        def gcc = ['gcc', '-g', '-O0', '-pthread', '-o', looper, src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
    }

    def cleanupSpec() {
        dir?.toFile()?.deleteDir()
    }

    def cleanup() {
        gdb?.close()
    }

    MiChannel start(String... programArgs) {
        gdb = new GdbLauncher().args('--args', looper, *programArgs).workingDir(dir.toFile()).start()
        gdb
    }

    /** Starts looper with {@code loops} calls of tick(), stopped at main. */
    MiChannel atMain(String loops = '10') {
        start(loops)
        gdb.send('-break-insert', '-t', 'main')
        def stop = gdb.resume(MiCommand.of('-exec-run'), Duration.ofSeconds(20))
        assert stop.string('frame.func') == 'main'
        gdb
    }

    def "evaluates an expression in the stopped program"() {
        given:
        atMain()

        when:
        def result = gdb.send('-data-evaluate-expression', 'numbers[1] + 40')

        then:
        result.resultClass() == 'done'
        result.string('value') == '42'
        gdb.send(MiCommand.of('-data-evaluate-expression', 'origin')).string('value') == '{x = 3, y = 4}'
    }

    def "an ^error carries gdb's message verbatim"() {
        given:
        atMain()

        when:
        gdb.send('-data-evaluate-expression', 'nosuchvar + 1')

        then:
        def e = thrown(GdbErrorException)
        e.gdbMessage() == 'No symbol "nosuchvar" in current context.'
        e.message == e.gdbMessage()
        e.command().operation() == 'data-evaluate-expression'

        when:
        gdb.send('-no-such-command')

        then:
        def undefined = thrown(GdbErrorException)
        undefined.gdbMessage() == 'Undefined MI command: no-such-command'
        undefined.code() == 'undefined-command'
    }

    def "breakpoint-created and stopped events reach a listener in order"() {
        given:
        def seen = new CopyOnWriteArrayList<String>()
        start('5')
        gdb.addListener(new MiListener() {
            void onAsync(AsyncRecord r) { seen << "${r.kind().prefix}${r.asyncClass()}".toString() }
        })

        when:
        gdb.console('break tick')
        def stop = gdb.resume(MiCommand.of('exec-run'), Duration.ofSeconds(20))
        gdb.console('delete 1')
        gdb.resume(MiCommand.of('exec-continue'), Duration.ofSeconds(20))

        then:
        stop.reason() == 'breakpoint-hit'
        stop.string('frame.func') == 'tick'
        stop.string('bkptno') == '1'
        waitFor { seen.contains('*stopped') && seen.count('*stopped') == 2 }
        def order = seen.findAll { it in ['=breakpoint-created', '*running', '*stopped', '=breakpoint-deleted'] }
        order == ['=breakpoint-created', '*running', '*stopped', '=breakpoint-deleted', '*running', '*stopped']
        seen.indexOf('=thread-group-started') < seen.indexOf('*running')
    }

    def "console text of a CLI command is collected for that command"() {
        given:
        atMain()
        gdb.send('-break-insert', 'tick')

        when:
        def info = gdb.console('info breakpoints')

        then:
        info.console.startsWith('Num     Type')
        info.console =~ /in tick at \S*looper.c:18/
        info.log == ''

        when: "a CLI error arrives as log text and as the error message"
        gdb.console('frobnicate')

        then:
        def e = thrown(GdbErrorException)
        e.gdbMessage() == 'Undefined command: "frobnicate".  Try "help".'
        e.result().log == 'Undefined command: "frobnicate".  Try "help".\n'
    }

    def "quotes and backslashes in a console command round-trip to gdb"() {
        given:
        start()

        expect:
        gdb.console(cli).console == printed

        where:
        cli                             || printed
        'printf "a\\"b\\n"'             || 'a"b\n'
        'printf "a\\"b\\\\n"'           || 'a"b\\n'
        'printf "%d|%c\\n", 42, 65'     || '42|A\n'
        'echo tab\\there\\n'            || 'tab\there\n'
    }

    def "MI parameters with spaces and quotes round-trip"() {
        given:
        atMain()

        expect:
        gdb.send(MiCommand.of('-data-evaluate-expression', '"a \\"q\\" b"')).string('value') == '"a \\"q\\" b"'
        gdb.send(MiCommand.of('-data-evaluate-expression', 'sizeof (struct point)')).string('value') == '8'
        gdb.send(MiCommand.of('-data-evaluate-expression', 'greeting')).string('value').endsWith('"h\u00e9llo \\"world\\"\\n"')
    }

    def "interrupt stops a long -exec-continue within a second and the channel stays usable"() {
        given:
        atMain('1000000000000')
        def stop = gdb.expectStop('*stopped after the long run')
        gdb.send('-exec-continue')
        Thread.sleep(300)

        when:
        long t0 = System.nanoTime()
        def stopped = gdb.interrupt(Duration.ofSeconds(5))
        long millis = (System.nanoTime() - t0).intdiv(1_000_000)

        then:
        millis < 1000
        stopped.reason() == 'signal-received'
        stopped.string('signal-name') == 'SIGINT'
        stop.await(Duration.ofSeconds(1)).is(stopped)
        gdb.send('-data-evaluate-expression', 'counter >= 0').string('value') == '1'
        gdb.send('-data-evaluate-expression', 'i > 0').string('value') == '1'
    }

    def "a resume timeout names the *stopped it awaited, and a send timeout names the command"() {
        given:
        atMain('1000000000000')

        when:
        gdb.resume(MiCommand.of('exec-continue'), Duration.ofMillis(300))

        then:
        def e = thrown(MiTimeoutException)
        e.message.contains('*stopped after -exec-continue')
        e.message.contains('300 ms')

        when:
        gdb.interrupt(Duration.ofSeconds(5))
        gdb.console('shell sleep 1', Duration.ofMillis(100))

        then:
        def t = thrown(MiTimeoutException)
        t.message.contains('-interpreter-exec console "shell sleep 1"')

        and: "the late answer is dropped and the channel goes on"
        gdb.send('-data-evaluate-expression', '1 + 1').string('value') == '2'
    }

    def "killing gdb makes a waiting send fail fast with gdb's last output"() {
        given:
        start('5')
        gdb.console('echo last words before dying\\n')
        def failure = null
        def waiter = Thread.start {
            try {
                gdb.console('shell sleep 2', Duration.ofSeconds(30))
            } catch (Throwable t) {
                failure = t
            }
        }
        Thread.sleep(300)

        when:
        long t0 = System.nanoTime()
        ['kill', '-9', gdb.pid().toString()].execute().waitFor()
        waiter.join(5000)
        long millis = (System.nanoTime() - t0).intdiv(1_000_000)

        then:
        failure instanceof GdbDiedException
        millis < 1500
        failure.message.startsWith('gdb (pid ')
        failure.message.contains('was killed by signal 9')
        failure.message.contains('shell sleep 2')
        failure.message.contains('last words before dying')
        (failure as GdbDiedException).exitCode() == 137

        when: "later sends fail at once"
        gdb.send('-data-evaluate-expression', '1')

        then:
        def again = thrown(GdbDiedException)
        again.message.contains('gdb')
    }

    def "close() leaves neither gdb nor the debugged program running"() {
        given:
        atMain('1000000000000')
        gdb.send('-exec-continue')
        Thread.sleep(200)
        def gdbProcess = ProcessHandle.of(gdb.pid()).get()
        def children = gdbProcess.descendants().toList()
        def inferiors = gdb.inferiorPids().collect { ProcessHandle.of(it).get() }

        expect:
        !inferiors.isEmpty()
        children*.pid().containsAll(inferiors*.pid())

        when:
        gdb.close()

        then:
        !gdbProcess.isAlive()
        children.every { !it.isAlive() }
        inferiors.every { !it.isAlive() }
        !gdb.isAlive()

        when:
        gdb.send('-data-evaluate-expression', '1')

        then:
        def e = thrown(GdbDiedException)
        e.message.contains('after close()')
    }

    /**
     * A stand-in gdb speaking just enough MI, which reports as its program the process whose pid
     * is in $FOREIGN_PID, the way gdb under rr replay reports the recorded pid; like gdb it
     * survives SIGINT, and its program never stops.
     */
    static final String FOREIGN_PID_GDB = """#!/bin/bash
trap '' INT
echo '=thread-group-added,id="i1"'
echo "=thread-group-started,id=\\"i1\\",pid=\\"\$FOREIGN_PID\\""
echo '(gdb) '
while IFS= read -r line; do
  token=\${line%%[!0-9]*}
  cmd=\${line#"\$token"}
  case "\$cmd" in
    -gdb-exit*) echo "\${token}^exit"; exit 0 ;;
    -gdb-show*mi-async*) echo "\${token}^done,value=\\"on\\"" ;;
    -exec-continue*) echo "\${token}^running"; echo '*running,thread-id="all"' ;;
    *) echo "\${token}^done" ;;
  esac
  echo '(gdb) '
done
"""

    def "a pid gdb reports that is not a process tandem started is neither interrupted nor killed"() {
        given: 'an unrelated process, and a gdb that reports its pid as the program it debugs'
        def unrelated = new ProcessBuilder('sleep', '300').start()
        def script = dir.resolve('foreign-pid-gdb')
        Files.writeString(script, FOREIGN_PID_GDB)
        script.toFile().setExecutable(true)
        gdb = new GdbLauncher().gdb(script.toString()).miArgs([]).env('FOREIGN_PID', unrelated.pid() as String).start()
        gdb.send('-exec-continue')

        when: 'no *stopped comes: the interrupt falls back to signals'
        gdb.interrupt(Duration.ofSeconds(1))

        then: 'it says what it signalled and what it left alone'
        def e = thrown(MiTimeoutException)
        e.message.contains("SIGINT to gdb (pid ${gdb.pid()})")
        e.message.contains("program pid ${unrelated.pid()} that gdb reported is not a process tandem started")
        !e.message.contains("SIGINT to program pid")
        gdb.foreignPids() == [unrelated.pid()] as Set
        gdb.inferiorPids().isEmpty()
        Thread.sleep(200)
        unrelated.isAlive()

        when:
        gdb.close()

        then:
        !gdb.isAlive()
        unrelated.isAlive()

        cleanup:
        unrelated?.destroyForcibly()
        unrelated?.waitFor()
    }

    /**
     * What gdb 13.1 printed, in about a third of tries here, for a native program killed with
     * SIGKILL while it ran with a conditional breakpoint being tested: no *stopped after it.
     */
    static String programVanishedGdb(String words) { """#!/usr/bin/env bash
echo '(gdb) '
while IFS= read -r line; do
  token=\${line%%[!0-9]*}
  cmd=\${line#"\$token"}
  case "\$cmd" in
    -gdb-exit*) echo "\${token}^exit"; exit 0 ;;
    -gdb-show*mi-async*) echo "\${token}^done,value=\\"on\\"" ;;
    -exec-continue*) echo "\${token}^running"; echo '*running,thread-id="all"'; echo '(gdb) '
                     echo '~"[Thread debugging using libthread_db enabled]\\n"'
                     echo '&"${words.replace("'", "'\\''")}\\n"' ;;
    *) echo "\${token}^done" ;;
  esac
  echo '(gdb) '
done
""" }

    def "a program gdb loses without a stop (gdb 13.1: #words) ends the wait at once, and gdb goes on"() {
        given:
        def script = dir.resolve('program-vanished-gdb')
        Files.writeString(script, programVanishedGdb(words))
        script.toFile().setExecutable(true)
        gdb = new GdbLauncher().gdb(script.toString()).miArgs([]).start()

        when:
        long t0 = System.nanoTime()
        gdb.continueToStop(Duration.ofHours(4))

        then:
        def e = thrown(ProgramLostException)
        (System.nanoTime() - t0) / 1e9 < 5
        e.gdbWords() == words
        e.message.contains('reports no stop')

        and: 'gdb itself still answers: the program can be run again'
        gdb.isAlive()
        gdb.targetLost() == null
        !gdb.send('-data-evaluate-expression', '1').isError()

        where:
        words << ['Cannot find user-level thread for LWP 21260: generic error', "Couldn't get registers: No such process.",
                  "Couldn't read debug register: No such process."]
    }

    def "a *stopped that follows a prompt printed without a newline is still the stop"() {
        given: 'prompter, stopped in prompt() (it prints "(qemu) " and no newline, then returns 7)'
        def src = dir.resolve('prompter.c')
        Files.writeString(src, MiChannelSpec.getResourceAsStream('/mi/prompter.c').getText('UTF-8'))
        def prompter = dir.resolve('prompter').toString()
        def gcc = ['gcc', '-g', '-O0', '-o', prompter, src.toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
        def fromGdb = new CopyOnWriteArrayList<String>()
        gdb = new GdbLauncher().args(prompter).workingDir(dir.toFile())
                .transcript({ d, l -> if (d == MiTranscript.Direction.FROM_GDB) fromGdb << l } as MiTranscript).start()
        gdb.send('-break-insert', 'prompt')
        assert gdb.resume(MiCommand.of('-exec-run'), Duration.ofSeconds(20)).string('frame.func') == 'prompt'

        when:
        def stop = gdb.resume(MiCommand.of('-exec-finish'), Duration.ofSeconds(10))

        then: 'gdb wrote the prompt and the stop on one line; both are recovered'
        fromGdb.any { it.startsWith('(qemu) *stopped,reason="function-finished"') }
        stop.reason() == 'function-finished'
        stop.string('return-value') == '7'
        gdb.programOutput().contains('(qemu) ')
    }

    def "program output is collected and delivered to listeners"() {
        given:
        def lines = new CopyOnWriteArrayList<String>()
        start('5')
        gdb.addListener(new MiListener() {
            void onProgramOutput(String text, boolean target) { lines << text }
        })

        when:
        def stop = gdb.resume(MiCommand.of('exec-run'), Duration.ofSeconds(20))

        then:
        stop.reason() == 'exited-normally'
        waitFor { lines.size() >= 2 }
        lines == ['looper start a=2 b=4', 'looper done 2']
        gdb.programOutput() == lines
        gdb.takeProgramOutput() == lines
        gdb.programOutput().isEmpty()
    }

    def "many threads send at once and each gets its own answer"() {
        given:
        start()
        def errors = new CopyOnWriteArrayList()

        when:
        def threads = (1..4).collect { th ->
            Thread.start {
                (1..50).each { n ->
                    def expected = (th * 1000 + n).toString()
                    def got = gdb.send('-data-evaluate-expression', "$th * 1000 + $n").string('value')
                    if (got != expected) errors << "$expected != $got"
                }
            }
        }
        threads*.join()

        then:
        errors.isEmpty()
    }

    def "the transcript sees lines both ways"() {
        given:
        def seen = new CopyOnWriteArrayList<String>()
        gdb = new GdbLauncher().transcript { dirn, line -> seen << "$dirn $line".toString() }.start()

        when:
        gdb.send('-data-evaluate-expression', '6 * 7')

        then:
        seen.any { it ==~ /TO_GDB \d+-data-evaluate-expression "6 \* 7"/ }
        seen.any { it ==~ /FROM_GDB \d+\^done,value="42"/ }
        seen.any { it == 'FROM_GDB (gdb) ' }
    }

    def "a gdb that cannot start reports why, however fast it exits (#attempt)"() {
        when: 'gdb may be gone before the first command is written to it, or after'
        new GdbLauncher().args('--no-such-option').start()

        then:
        def e = thrown(GdbDiedException)
        e.message.contains('exited with code 1')
        e.message.contains('no-such-option')

        where:
        attempt << (1..20)
    }

    static boolean waitFor(Closure<Boolean> condition) {
        long deadline = System.currentTimeMillis() + 5000
        while (!condition()) {
            if (System.currentTimeMillis() > deadline) return false
            Thread.sleep(10)
        }
        true
    }
}
