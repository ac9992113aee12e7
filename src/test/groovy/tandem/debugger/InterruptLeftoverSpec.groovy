package tandem.debugger

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Timeout
import tandem.panda.Demo
import tandem.panda.MiniPanda

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * The move after an interrupted one, on a program of several threads that gdb traces itself (as
 * the real PANDA is): a SIGINT tandem's interrupt left queued in the program (a follow-up SIGINT
 * sent while gdb was still stopping the threads, or gdb's own that raced the stop) is not that
 * move's stop; a Ctrl-C during that move still is. Real gdb, a C program of two threads.
 */
@Timeout(120)
class InterruptLeftoverSpec extends Specification {

    static final Duration LIMIT = Duration.ofSeconds(60)

    /**
     * main blocks SIGINT and sleeps ARGV[1] seconds, then calls reached(); a worker spins with
     * SIGINT open, so a SIGINT sent to the process is taken by the worker whenever it runs.
     */
    static final String SOURCE = '''\
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
volatile unsigned long spins;
void reached(void) { spins = 0; }
int answer(void) { return 42; }
static void *worker(void *arg) { (void) arg; for (;;) spins++; return 0; }
int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    sigset_t sigint;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigint, 0);
    for (int i = 0; i < seconds * 10; i++) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, 0);
    }
    reached();
    return 0;
}
'''

    @Shared Path dir
    @Shared Set<Long> before
    GdbDebugger gdb

    def setupSpec() {
        before = Demo.children()
        dir = Files.createTempDirectory('tandem-leftover-')
        Files.writeString(dir.resolve('sleeper.c'), SOURCE)
        def gcc = ['gcc', '-g', '-O0', '-pthread', '-o', dir.resolve('sleeper').toString(), dir.resolve('sleeper.c').toString()].execute()
        assert gcc.waitFor() == 0: gcc.errorStream.text
    }

    def cleanupSpec() {
        MiniPanda.deleteTree(dir)
        assert Demo.leftovers(before).isEmpty()
    }

    def cleanup() {
        gdb?.close()
    }

    /** The program under gdb, stopped in the middle of its sleep by an interrupt of tandem's. */
    private long interruptedSleeper(int seconds) {
        gdb = GdbDebugger.open(new LiveProgram(Demo.GDB, dir.resolve('sleeper'), ["$seconds".toString()], dir, null))
        // past the dynamic loader and into main first: a loaded machine can take longer than the wait below
        gdb.temporaryBreakAt('main', null)
        assert gdb.cont(LIMIT).reason() == Stop.Reason.BREAKPOINT_HIT
        gdb.breakAt('reached', null)
        def interrupter = interruptAfter(300)
        def stop = gdb.cont(LIMIT)
        interrupter.join()
        assert stop.reason() == Stop.Reason.INTERRUPTED
        programPid()
    }

    private Thread interruptAfter(long ms) {
        Thread.start {
            while (!gdb.running()) sleep 5
            sleep ms
            gdb.interrupt()
        }
    }

    def "a SIGINT an interrupt left queued in the program is not the next move's stop, even with commands between"() {
        given: 'stopped by an interrupt'
        long pid = interruptedSleeper(3)

        and: 'a follow-up SIGINT of that interrupt, landed after gdb had stopped the worker: queued in the program'
        ['kill', '-INT', "$pid"].execute().waitFor()
        assert GdbDebuggerSpec.sigintPending(pid)

        and: 'commands between the moves, as a PANDA side gives (a console one, a read)'
        gdb.console('info threads')
        gdb.evaluate('spins') != null

        when: 'the next move'
        def stop = gdb.cont(LIMIT)

        then: 'it goes on to where it was going, and the signal is gone'
        stop.reason() == Stop.Reason.BREAKPOINT_HIT
        gdb.backtrace()[0].function() == 'reached'
        !GdbDebuggerSpec.sigintPending(pid)
    }

    def "a SIGINT an interrupt left queued in the program does not break a call in it, even with commands between"() {
        given:
        long pid = interruptedSleeper(3)
        ['kill', '-INT', "$pid"].execute().waitFor()
        assert GdbDebuggerSpec.sigintPending(pid)
        gdb.console('info threads')

        expect: 'the call gdb undid on that signal, run once more'
        gdb.evaluate('answer()') == '42'
        !GdbDebuggerSpec.sigintPending(pid)

        and: 'the next move goes on to where it was going'
        gdb.cont(LIMIT).reason() == Stop.Reason.BREAKPOINT_HIT
        gdb.backtrace()[0].function() == 'reached'
    }

    def "a Ctrl-C during the move after an interrupted one stops it, leftover SIGINT or not"() {
        given:
        long pid = interruptedSleeper(30)
        if (leftover) {
            ['kill', '-INT', "$pid"].execute().waitFor()
            assert GdbDebuggerSpec.sigintPending(pid)
        }

        when: 'Ctrl-C half a second into the next move, long before main calls reached()'
        long started = System.nanoTime()
        def interrupter = interruptAfter(500)
        def stop = gdb.cont(LIMIT)
        interrupter.join()
        double seconds = (System.nanoTime() - started) / 1e9

        then: 'stopped by it, not by the leftover and not at the breakpoint 30 s later'
        stop.reason() == Stop.Reason.INTERRUPTED
        seconds >= 0.5 && seconds < 20

        and: 'and the move after that goes on'
        gdb.console('delete').isEmpty()
        gdb.evaluate('1 + 1') == '2'

        where:
        leftover << [false, true]
    }

    long programPid() {
        def m = gdb.console('info inferiors') =~ /process (\d+)/
        assert m.find()
        Long.parseLong(m.group(1))
    }
}
