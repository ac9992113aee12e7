// tandem's version, as `--version` prints it for `tandem` and each of its verbs.
package tandem.cli;

import picocli.CommandLine;

final class Version implements CommandLine.IVersionProvider {
    static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[]{"tandem " + VERSION, "Java " + System.getProperty("java.version")};
    }
}
