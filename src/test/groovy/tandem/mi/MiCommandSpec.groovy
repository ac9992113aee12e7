package tandem.mi

import spock.lang.Specification

class MiCommandSpec extends Specification {

    def "renders #command with token 7 as #line"() {
        expect:
        command.render(7) == line

        where:
        command                                                          || line
        MiCommand.of('-exec-continue')                                   || '7-exec-continue'
        MiCommand.of('break-insert').option('-t').param('main')          || '7-break-insert -t main'
        MiCommand.of('-data-evaluate-expression', 'x + 1')               || '7-data-evaluate-expression "x + 1"'
        MiCommand.of('-data-evaluate-expression', '')                    || '7-data-evaluate-expression ""'
        MiCommand.of('-var-create', '-', '*', 'a->b[0]')                 || '7-var-create - * a->b[0]'
        MiCommand.of('-stack-list-frames').option('--thread', '2')       || '7-stack-list-frames --thread 2'
        MiCommand.of('-data-evaluate-expression').endOfOptions().param('-1') || '7-data-evaluate-expression -- -1'
        MiCommand.console('info breakpoints')                            || '7-interpreter-exec console "info breakpoints"'
        MiCommand.console('printf "a\\"b\\\\n"')                         || '7-interpreter-exec console "printf \\"a\\\\\\"b\\\\\\\\n\\""'
        MiCommand.console('echo a\tb\n')                                 || '7-interpreter-exec console "echo a\\tb\\n"'
        MiCommand.console('p "\u0001"')                                  || '7-interpreter-exec console "p \\"\\001\\""'
    }

    def "quoting is undone by the parser's C-string rules"() {
        expect:
        (MiParser.parseLine('~' + MiCommand.quote(text, true)) as StreamRecord).text() == text

        where:
        text << ['plain', 'a "quoted" \\ word', 'tab\tnew\nline', 'bell\u0007', 'caf\u00e9']
    }

    def "an operation must be one word"() {
        when:
        MiCommand.of('exec continue')

        then:
        thrown(IllegalArgumentException)
    }
}
