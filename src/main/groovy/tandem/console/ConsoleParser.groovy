// JLine's view of the input: words for completion, and "not finished yet" (EOFError) for an
// incomplete Groovy statement or a line ending in a backslash, so the reader asks for more.
package tandem.console

import groovy.transform.CompileStatic
import org.jline.reader.EOFError
import org.jline.reader.ParsedLine
import org.jline.reader.Parser
import org.jline.reader.impl.DefaultParser

@CompileStatic
class ConsoleParser implements Parser {
    private final DefaultParser words = new DefaultParser()

    ConsoleParser() {
        // gdb expressions and Groovy have their own quoting: split on blanks only
        words.setQuoteChars(new char[0])
        words.setEscapeChars(new char[0])
    }

    @Override
    ParsedLine parse(String line, int cursor, Parser.ParseContext context) {
        if (context == Parser.ParseContext.ACCEPT_LINE && Completeness.incomplete(line)) {
            throw new EOFError(-1, -1, 'incomplete statement')
        }
        return words.parse(line, cursor, Parser.ParseContext.COMPLETE)
    }
}
