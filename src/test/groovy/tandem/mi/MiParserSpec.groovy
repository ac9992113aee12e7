package tandem.mi

import tandem.mi.MiValue.MiConst
import tandem.mi.MiValue.MiField
import tandem.mi.MiValue.MiFields
import tandem.mi.MiValue.MiList
import tandem.mi.MiValue.MiTuple

import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll

/**
 * The parser against transcripts captured from gdb 13.1 (src/test/resources/mi/*.mi, made by
 * running looper.c under gdb --interpreter=mi3, natively and under gdbserver) and against
 * hand-written edge cases of the GDB manual's output grammar.
 */
class MiParserSpec extends Specification {

    static final List<String> TRANSCRIPTS = ['breakpoints-threads.mi', 'gdbserver-streams.mi', 'interrupt.mi']

    @Shared Map<String, List<String>> lines = TRANSCRIPTS.collectEntries { name ->
        [name, MiParserSpec.getResourceAsStream("/mi/$name").getText('UTF-8').readLines()]
    }

    /** The first line of a transcript starting with {@code prefix}. */
    String line(String file, String prefix) {
        def found = lines[file].find { it.startsWith(prefix) }
        assert found != null: "no line starting with '$prefix' in $file"
        found
    }

    static Class expectedKind(String line) {
        if (line.startsWith('(gdb)')) return Prompt
        if (line =~ /^[~@&]"/) return StreamRecord
        if (line =~ /^\d*\^/) return ResultRecord
        if (line =~ /^\d*[*+=]/) return AsyncRecord
        ProgramOutput
    }

    @Unroll
    def "every line of #file parses to the record its prefix announces and prints back to an equal record"() {
        given:
        def parser = new MiParser()

        when:
        def records = lines[file].collect { parser.parse(it) }

        then:
        records.size() >= 30
        [lines[file], records].transpose().each { String text, MiRecord record ->
            assert record.getClass() == expectedKind(text): text
            assert parser.parse(record.toString()) == record
        }

        where:
        file << TRANSCRIPTS
    }

    def "the transcripts together cover every record kind and value shape"() {
        when:
        def records = lines.values().flatten().collect { MiParser.parseLine(it) }
        def values = []
        def walk
        walk = { MiValue v -> values << v; if (v instanceof MiFields) v.fields().each { walk(it.value()) } }
        records.findAll { it instanceof MiFields }.each { it.fields().each { f -> walk(f.value()) } }

        then:
        records.size() >= 40
        records.count { it instanceof Prompt } > 10
        records.findAll { it instanceof ResultRecord }*.resultClass.toSet().containsAll(['done', 'running', 'error', 'exit'])
        records.findAll { it instanceof AsyncRecord }*.kind.toSet() == [AsyncRecord.Kind.EXEC, AsyncRecord.Kind.NOTIFY] as Set
        records.findAll { it instanceof StreamRecord }*.kind.toSet() == StreamRecord.Kind.values() as Set
        records.count { it instanceof ProgramOutput } >= 3
        values.any { it instanceof MiTuple && it.isEmpty() } || values.any { it instanceof MiList && it.isEmpty() }
        values.any { it instanceof MiList && it.isResultList() }
        values.any { it instanceof MiList && !it.isEmpty() && !it.isResultList() }
    }

    @Unroll
    def "#file: #prefix has #path = #expected"() {
        when:
        def record = MiParser.parseLine(line(file, prefix))

        then:
        record instanceof MiFields
        record.string(path) == expected

        where:
        file                      | prefix                          | path                        || expected
        'breakpoints-threads.mi'  | '1^done,bkpt='                  | 'bkpt.func'                 || 'main'
        'breakpoints-threads.mi'  | '1^done,bkpt='                  | 'bkpt.thread-groups.0'      || 'i1'
        'breakpoints-threads.mi'  | '2^done,bkpt='                  | 'bkpt.addr'                 || '<MULTIPLE>'
        'breakpoints-threads.mi'  | '2^done,bkpt='                  | 'bkpt.locations.1.number'   || '2.2'
        'breakpoints-threads.mi'  | '*stopped,reason="breakpoint'   | 'frame.func'                || 'main'
        'breakpoints-threads.mi'  | '*stopped,reason="breakpoint'   | 'frame.args.0.name'         || 'argc'
        'breakpoints-threads.mi'  | '*stopped,reason="breakpoint'   | 'frame.args.1.value'        || '0x7fffffffe7e8'
        'breakpoints-threads.mi'  | '*stopped,reason="end-stepping' | 'frame.line'                || '28'
        'breakpoints-threads.mi'  | '5^done,stack='                 | 'stack.0.level'             || '0'
        'breakpoints-threads.mi'  | '6^done'                        | 'value'                     || '{1, 2, 3, 4}'
        'breakpoints-threads.mi'  | '7^done'                        | 'value'                     || '0x555555556004 "h\u00e9llo \\"world\\"\\n"'
        'breakpoints-threads.mi'  | '9^error'                       | 'msg'                       || 'No symbol "nosuchvar" in current context.'
        'breakpoints-threads.mi'  | '10^done'                       | 'type'                      || 'struct point'
        'breakpoints-threads.mi'  | '11^done'                       | 'children.1.exp'            || 'y'
        'breakpoints-threads.mi'  | '15^done'                       | 'variables.0.arg'           || '1'
        'breakpoints-threads.mi'  | '16^done'                       | 'memory.0.contents'         || '01000000020000000300000004000000'
        'breakpoints-threads.mi'  | '22^done,threads='              | 'threads.1.frame.func'      || 'worker'
        'breakpoints-threads.mi'  | '23^done'                       | 'current-thread-id'         || '2'
        'breakpoints-threads.mi'  | '=thread-group-started'         | 'id'                        || 'i1'
        'breakpoints-threads.mi'  | '=library-loaded'               | 'ranges.0.from'             || '0x00007ffff7fcb060'
        'breakpoints-threads.mi'  | '=breakpoint-deleted'           | 'id'                        || '3'
        'breakpoints-threads.mi'  | '*stopped,reason="exited'       | 'reason'                    || 'exited-normally'
        'breakpoints-threads.mi'  | '=thread-group-exited'          | 'exit-code'                 || '0'
        'breakpoints-threads.mi'  | '30^error'                      | 'code'                      || 'undefined-command'
        'gdbserver-streams.mi'    | '*stopped,frame='               | 'frame.from'                || 'target:/lib64/ld-linux-x86-64.so.2'
        'gdbserver-streams.mi'    | '=tsv-created'                  | 'name'                      || 'trace_timestamp'
        'gdbserver-streams.mi'    | '3^error'                       | 'msg'                       || 'Undefined command: "frobnicate".  Try "help".'
        'gdbserver-streams.mi'    | '12^done'                       | 'children.3.name'           || 'var1.3'
        'interrupt.mi'            | '*stopped'                      | 'signal-name'               || 'SIGINT'
        'interrupt.mi'            | '*stopped'                      | 'frame.args.0.value'        || '757919241'
        'interrupt.mi'            | '4^done'                        | 'depth'                     || '2'
    }

    @Unroll
    def "#file: line starting #prefix is a #kind stream with text #text"() {
        when:
        def record = MiParser.parseLine(line(file, prefix))

        then:
        record == new StreamRecord(kind, text)

        where:
        file                     | prefix               || kind                      | text
        'breakpoints-threads.mi' | '~"Reading symbols'  || StreamRecord.Kind.CONSOLE | 'Reading symbols from /tmp/looper...\n'
        'breakpoints-threads.mi' | '~"Using host'       || StreamRecord.Kind.CONSOLE | 'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".\n'
        'breakpoints-threads.mi' | '~"a'                || StreamRecord.Kind.CONSOLE | 'a"b\n'
        'breakpoints-threads.mi' | '~"16\\t'            || StreamRecord.Kind.CONSOLE | '16\tstatic inline __attribute__((always_inline)) int twice(int v) { return v * 2; }\n'
        'gdbserver-streams.mi'   | '@"The following'    || StreamRecord.Kind.TARGET  | 'The following monitor commands are supported:\n'
        'gdbserver-streams.mi'   | '@", timestamp'      || StreamRecord.Kind.TARGET  | ', timestamp'
        'gdbserver-streams.mi'   | '&"warning'          || StreamRecord.Kind.LOG     | 'warning: File transfers from remote targets can be slow. Use "set sysroot" to access files locally instead.\n'
        'gdbserver-streams.mi'   | '&"Undefined'        || StreamRecord.Kind.LOG     | 'Undefined command: "frobnicate".  Try "help".\n'
    }

    def "records carry token, class and kind from real transcripts"() {
        expect:
        MiParser.parseLine(line('breakpoints-threads.mi', '12^running')) == new ResultRecord(12L, 'running', MiTuple.EMPTY)
        MiParser.parseLine(line('breakpoints-threads.mi', '31^exit')) == new ResultRecord(31L, 'exit', MiTuple.EMPTY)
        MiParser.parseLine(line('breakpoints-threads.mi', '^done')) == new ResultRecord(null, 'done', MiTuple.EMPTY)
        MiParser.parseLine(line('breakpoints-threads.mi', '*running')) ==
                new AsyncRecord(null, AsyncRecord.Kind.EXEC, 'running', new MiTuple([new MiField('thread-id', new MiConst('all'))]))
        MiParser.parseLine(line('breakpoints-threads.mi', 'looper start')) == new ProgramOutput('looper start a=2 b=4')
        MiParser.parseLine(line('breakpoints-threads.mi', '(gdb)')) == Prompt.INSTANCE
        with(MiParser.parseLine(line('interrupt.mi', '*stopped')) as AsyncRecord) {
            isStopped()
            reason() == 'signal-received'
        }
    }

    def "a breakpoint with several locations lists them as tuples"() {
        when:
        def bkpt = (MiParser.parseLine(line('breakpoints-threads.mi', '2^done,bkpt=')) as ResultRecord).tuple('bkpt')

        then:
        bkpt.list('locations').tuples()*.string('number') == ['2.1', '2.2']
        bkpt.list('locations').tuples()*.string('func') == ['twice', 'twice']
        !bkpt.list('locations').isResultList()
    }

    def "a tuple with a repeated key keeps every value (gdb bug 22217), from a real -thread-list-ids"() {
        when:
        def record = MiParser.parseLine(line('breakpoints-threads.mi', '23^done')) as ResultRecord
        def ids = record.tuple('thread-ids')

        then:
        ids.size() == 2
        ids.get('thread-id') == new MiConst('1')
        ids.getAll('thread-id')*.asString() == ['1', '2']
        record.string('thread-ids.thread-id') == '1'
        record.number('number-of-threads') == 2
    }

    @Unroll
    def "hand-written edge case: #description"() {
        expect:
        MiParser.parseLine(text) == expected

        where:
        description                       | text                                              || expected
        'octal escape for a control byte' | '~"bell\\007\\033[0m"'                            || new StreamRecord(StreamRecord.Kind.CONSOLE, 'bell\u0007\u001b[0m')
        'octal UTF-8 bytes'               | '~"caf\\303\\251 \\342\\202\\254"'                || new StreamRecord(StreamRecord.Kind.CONSOLE, 'caf\u00e9 \u20ac')
        'short octal then a letter'       | '~"\\0x"'                                         || new StreamRecord(StreamRecord.Kind.CONSOLE, '\u0000x')
        '\\e, \\t, \\\\ and \\"'          | '&"\\e[1m\\t\\\\ \\"q\\""'                        || new StreamRecord(StreamRecord.Kind.LOG, '\u001b[1m\t\\ "q"')
        'empty string'                    | '@""'                                             || new StreamRecord(StreamRecord.Kind.TARGET, '')
        'token on a result record'        | '4711^done,value="1"'                             || new ResultRecord(4711L, 'done', tuple(value: c('1')))
        'token on an async record'        | '7*stopped'                                       || new AsyncRecord(7L, AsyncRecord.Kind.EXEC, 'stopped', MiTuple.EMPTY)
        'status async record'             | '+download,section=".text",section-size="100"'    || new AsyncRecord(null, AsyncRecord.Kind.STATUS, 'download', tuple(section: c('.text'), 'section-size': c('100')))
        'connected result class'          | '^connected'                                      || new ResultRecord(null, 'connected', MiTuple.EMPTY)
        'empty tuple and empty list'      | '^done,a={},b=[]'                                 || new ResultRecord(null, 'done', tuple(a: MiTuple.EMPTY, b: MiList.EMPTY))
        'list of values'                  | '^done,l=["1","2"]'                               || new ResultRecord(null, 'done', tuple(l: new MiList([new MiField(null, c('1')), new MiField(null, c('2'))])))
        'list of results'                 | '^done,stack=[frame={level="0"},frame={level="1"}]' || new ResultRecord(null, 'done', tuple(stack: new MiList([new MiField('frame', tuple(level: c('0'))), new MiField('frame', tuple(level: c('1')))])))
        'nested lists'                    | '^done,m=[[],["x"]]'                              || new ResultRecord(null, 'done', tuple(m: new MiList([new MiField(null, MiList.EMPTY), new MiField(null, new MiList([new MiField(null, c('x'))]))])))
        'prompt with trailing space'      | '(gdb) '                                          || Prompt.INSTANCE
        'prompt without trailing space'   | '(gdb)'                                           || Prompt.INSTANCE
        'CRLF line end'                   | '^done\r'                                         || new ResultRecord(null, 'done', MiTuple.EMPTY)
        'program output'                  | 'Hello, world = 3'                                || new ProgramOutput('Hello, world = 3')
        'empty line'                      | ''                                                || new ProgramOutput('')
        'digits only'                     | '12345'                                           || new ProgramOutput('12345')
        'not the prompt'                  | '(gdb) x'                                         || new ProgramOutput('(gdb) x')
        'malformed: unterminated string'  | '~"abc'                                           || new ProgramOutput('~"abc')
        'malformed: text after a string'  | '~"abc" tail'                                     || new ProgramOutput('~"abc" tail')
        'malformed: unclosed tuple'       | '^done,a={b="1"'                                  || new ProgramOutput('^done,a={b="1"')
        'malformed: missing value'        | '=x,a='                                           || new ProgramOutput('=x,a=')
        'malformed: bare word value'      | '*stopped,reason=exited'                          || new ProgramOutput('*stopped,reason=exited')
        'malformed: empty class'          | '^,a="1"'                                         || new ProgramOutput('^,a="1"')
    }

    def "the frame={...},frame={...} quirk in a tuple keeps both frames"() {
        when:
        def r = MiParser.parseLine('^done,stack={frame={level="0",func="f"},frame={level="1",func="main"}}') as ResultRecord

        then: "get returns the first, getAll both, in order"
        r.string('stack.frame.func') == 'f'
        r.tuple('stack').getAll('frame')*.asTuple()*.string('func') == ['f', 'main']
    }

    def "typed accessors name the missing path"() {
        given:
        def r = MiParser.parseLine('^done,frame={func="main"}') as ResultRecord

        when:
        r.string('frame.line')

        then:
        def e = thrown(MiFormatException)
        e.message.contains("'frame.line'")

        expect:
        r.string('frame.line', '?') == '?'
        !r.has('frame.line')
        r.value('frame.func') == new MiConst('main')
    }

    def "parseAll drives the parser over a file of lines"() {
        given:
        def text = lines.values().flatten().join('\n')
        def seen = []

        when:
        long n = new MiParser().parseAll(new BufferedReader(new StringReader(text))) { seen << it }

        then:
        n == lines.values().flatten().size()
        seen.size() == n
    }

    static MiConst c(String s) { new MiConst(s) }

    @Unroll
    def "an MI record after program output on the same line is recovered: #description"() {
        expect:
        new MiParser().parseRecovering(text) == expected

        where:
        description                   | text                                                                || expected
        'exec record after a prompt'  | '(qemu) *stopped,reason="function-finished",thread-id="1",stopped-threads="all",core="0"' ||
                [new ProgramOutput('(qemu) '), new AsyncRecord(null, AsyncRecord.Kind.EXEC, 'stopped',
                        tuple(reason: new MiConst('function-finished'), 'thread-id': new MiConst('1'),
                                'stopped-threads': new MiConst('all'), core: new MiConst('0')))]
        'result record with a token'  | 'login: 12^done,value="3"'                                         ||
                [new ProgramOutput('login: '), new ResultRecord(12L, 'done', tuple(value: new MiConst('3')))]
        'notify record'               | '(qemu) =thread-group-exited,id="i1"'                              ||
                [new ProgramOutput('(qemu) '), new AsyncRecord(null, AsyncRecord.Kind.NOTIFY, 'thread-group-exited', tuple(id: new MiConst('i1')))]
        'console stream record'       | '$ ~"Run till exit\\n"'                                            ||
                [new ProgramOutput('$ '), new StreamRecord(StreamRecord.Kind.CONSOLE, 'Run till exit\n')]
        'the prompt'                  | '(qemu) (gdb) '                                                    ||
                [new ProgramOutput('(qemu) '), Prompt.INSTANCE]
        'a line that is MI already'   | '*running,thread-id="all"'                                         ||
                [new AsyncRecord(null, AsyncRecord.Kind.EXEC, 'running', tuple('thread-id': new MiConst('all')))]
        'key=value text stays output' | 'looper start a=2 b=4 mode=fast'                                   ||
                [new ProgramOutput('looper start a=2 b=4 mode=fast')]
        'an unknown class stays'      | 'x *starred,thing="1"'                                             ||
                [new ProgramOutput('x *starred,thing="1"')]
    }

    static MiTuple tuple(Map<String, MiValue> m) {
        new MiTuple(m.collect { k, v -> new MiField(k, v) })
    }
}
