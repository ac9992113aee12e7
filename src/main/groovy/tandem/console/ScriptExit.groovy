// A script that has said all it has to say before its work (a recipe's --help): it ends there,
// with this exit code, and no error message.
package tandem.console

import groovy.transform.CompileStatic

@CompileStatic
class ScriptExit extends RuntimeException {
    final int code

    ScriptExit(int code) {
        super("script ended with exit code $code".toString(), null, false, false)
        this.code = code
    }
}
