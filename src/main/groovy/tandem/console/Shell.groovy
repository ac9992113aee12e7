// Shell lines (`$ cmd` or `!cmd`): run by bash, output and exit status returned as text.
package tandem.console

import groovy.transform.CompileStatic

@CompileStatic
class Shell {
    static String run(String command) {
        Process p = new ProcessBuilder('bash', '-c', command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File('/dev/null'))).start()
        String out = p.inputStream.getText('UTF-8')
        int code = p.waitFor()
        return out.replaceAll(/\n$/, '') + (code == 0 ? '' : "${out ? '\n' : ''}[exit $code]")
    }
}
