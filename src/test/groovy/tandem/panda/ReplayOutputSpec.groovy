package tandem.panda

import spock.lang.Specification

/**
 * PANDA's failure texts as the real PANDA prints them (measured on the notes' branch, see
 * PANDA.md; rr_log.c rr_assert_fail and rr_signal_disagreement).
 */
class ReplayOutputSpec extends Specification {

    static final List<String> ASSERTION = '''\
ls:    32000000 ( 51.07%) instrs.    2.01 sec.  0.17 GB ram.
RR rr_assertion `current_item' failed at /build/panda/panda/src/rr/rr_log.c:1036
Current log point:
{guest_instr_count=32324878}
Next log entry type: RR_INPUT_8
Current replay point:
{guest_instr_count=32324870}
Aborted'''.readLines()

    static final List<String> TLB = '''\
ls:         310 (  1.00%) instrs.    0.00 sec.  0.17 GB ram.
Ahead of log while looking for log entry of type RR_SKIPPED_CALL
{guest_instr_count=302}
\tRR_EXCEPTION from RR_CALLSITE_CPU_EXCEPTION_INDEX
FOUND DISAGREEMENT!
Replay program point:
{guest_instr_count=310}

Record program point:
{guest_instr_count=302}

>>> guest instruction counts disagree
ERROR: replay failed!
Time taken was: 0 seconds.'''.readLines()

    def "PANDA's progress lines printed during a move are no difference between rec's and rep's answers"() {
        given: 'the same stop; only rep printed progress, and the recordings have other names'
        String stop = '[stopped: breakpoint-hit, breakpoint 4, in r4k_helper_tlbwr]'
        def answers = new Both<String>("good:     532222 ( 14.00%) instrs.    0.09 sec.  0.16 GB ram.\n$stop",
                "ls:     532222 ( 14.00%) instrs.    0.11 sec.  0.16 GB ram.\nls:     570000 ( 15.00%) instrs.    0.12 sec.  0.16 GB ram.\n$stop")

        expect:
        answers.same()
        !new Both<String>("good:     532222 ( 14.00%) instrs.\n$stop", 'ls:     532222 ( 14.00%) instrs.\n[stopped: exited-normally]').same()
    }

    def "an rr_assertion's log point is the log's next entry: the replay reached only the replay point"() {
        given:
        def out = new ReplayOutput(ASSERTION, 134)

        expect:
        out.failed()
        out.lastInstr().asLong == 32324870L
        out.failureText().contains("RR rr_assertion `current_item' failed at /build/panda/panda/src/rr/rr_log.c:1036")
        out.failureText().containsAll(['Current log point:', '{guest_instr_count=32324878}', 'Current replay point:',
                                       '{guest_instr_count=32324870}', 'Next log entry type: RR_INPUT_8'])
    }

    def "a disagreement: the replay program point counts, the record point and a shown log entry do not"() {
        given: 'a record point after the replay point: the replay never got there'
        def lines = TLB.collect { it == '{guest_instr_count=302}' ? '{guest_instr_count=340}' : it }
        def out = new ReplayOutput(lines, 0)

        expect:
        out.lastInstr().asLong == 310L
        out.failureText().containsAll(['FOUND DISAGREEMENT!', '>>> guest instruction counts disagree', 'ERROR: replay failed!'])
    }

    def "a replay that printed ERROR: replay failed! has failed, whatever its exit code"() {
        expect:
        new ReplayOutput(TLB, 0).failed()
        new ReplayOutput(['ls:  100 (  1.00%) instrs.', 'ERROR: replay failed!'], 0).failed()
        new ReplayOutput(['Infinite loop detected during replay, aborting.'], 0).failureText() ==
                ['Infinite loop detected during replay, aborting.']
        new ReplayOutput(['panda-system-mips: hw/mips/cputimer.c:42: cpu_mips_get_random: Assertion `idx < 16\' failed.'], 134)
                .failureText().size() == 1
    }

    def "a replay that completed has not failed and has no failure text"() {
        given:
        def out = new ReplayOutput(['./ls-rr-nondet.log:    62653801 instrs total.',
                                    'ls:      626559 (  1.00%) instrs.    0.23 sec.  0.17 GB ram.',
                                    'Replay completed successfully'], 0)

        expect:
        !out.failed()
        out.failureText().isEmpty()
        out.lastInstr().asLong == 626559L
    }

    def "a snapshot PANDA could not load: the reason in PANDA's words, and no replay began"() {
        given: 'what the real panda-system-mips printed (stdout and stderr merged)'
        def out = new ReplayOutput(lines, code)

        expect:
        out.failed()
        out.snapshotNotLoaded().get() == reason
        !out.lastInstr().present
        out.failureText().containsAll(lines.findAll { it != 'loading snapshot' })

        where:
        code | reason                                                                | lines
        134  | "PANDA could not open it (`... snapshot file doesn't exist?`)"       | ['loading snapshot', "... snapshot file doesn't exist?"]
        1    | 'Missing section footer for cpu_common'                               | ['loading snapshot', 'panda-system-mips: Missing section footer for cpu_common', 'Failed to load vmstate', 'Failed to start replay']
        1    | 'Length mismatch: mips_malta.ram: 0x8000000 in != 0x4000000: Invalid argument; ' +
               "error while loading state for instance 0x0 of device 'ram'"          | ['loading snapshot', 'Failed to start replay', 'panda-system-mips: Length mismatch: mips_malta.ram: 0x8000000 in != 0x4000000: Invalid argument',
                                                                                         "panda-system-mips: error while loading state for instance 0x0 of device 'ram'", 'Failed to load vmstate']
    }

    def "a snapshot of another machine (a recording of another target's PANDA): the error names both machines"() {
        given: "what the real panda-system-mipsel printed replaying a recording of panda-system-x86_64 (migration/savevm.c)"
        def out = new ReplayOutput(['loading snapshot', "panda-system-mipsel: Machine type received is 'pc-i440fx-2.8' and local is 'malta'",
                                    'Failed to load vmstate', 'Failed to start replay'], 1)

        when:
        def reason = out.snapshotNotLoaded().get()
        def message = ReplayOutput.snapshotFailure('/r/ls-rr-snp', reason)

        then:
        reason == "Machine type received is 'pc-i440fx-2.8' and local is 'malta'"
        message.startsWith("PANDA could not load the snapshot /r/ls-rr-snp: it was recorded on the machine 'pc-i440fx-2.8' and this PANDA runs 'malta'")
        message.contains('the replay never started')
        message.contains('the PANDA target (panda-system-ARCH) and -M that recorded it')
    }

    def "an rr_assertion or a completed replay is no snapshot failure"() {
        expect:
        !new ReplayOutput(ASSERTION, 134).snapshotNotLoaded().present
        !new ReplayOutput(TLB, 0).snapshotNotLoaded().present
    }
}
