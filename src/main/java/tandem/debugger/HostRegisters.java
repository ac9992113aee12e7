// Works around gdb 13 being unable to call functions in a native x86-64 process on kernels whose
// XSAVE area is larger than gdb's buffer (CPUs with AMX): every inferior call, and so every
// `checkpoint` (a call to fork), fails with "Couldn't write extended state status: Bad address".
// Giving gdb a target description without the AVX features makes it store registers without the
// extended-state regset; tandem reads no AVX registers of PANDA itself, so nothing is lost.
package tandem.debugger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

final class HostRegisters {
    private static final String X86_64_WITHOUT_AVX = """
            <?xml version="1.0"?>
            <!DOCTYPE target SYSTEM "gdb-target.dtd">
            <target>
              <architecture>i386:x86-64</architecture>
              <osabi>GNU/Linux</osabi>
            </target>
            """;
    private static Path description;

    private HostRegisters() {
    }

    /** The gdb command to run before the program starts, or null where none is needed. */
    static synchronized String gdbCommand() {
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            return null;
        }
        if (description == null) {
            try {
                description = Files.createTempFile("tandem-x86-64-", ".xml");
                description.toFile().deleteOnExit();
                Files.writeString(description, X86_64_WITHOUT_AVX);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write gdb's target description", e);
            }
        }
        return "set tdesc filename " + description;
    }
}
