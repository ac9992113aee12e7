// The bare-metal MIPS guest of the real-PANDA specs (src/test/mips-guest/guest.S), built by Maven
// into target/mips-guest/guest.elf, and copies of it with another length.
package tandem.real

import java.nio.ByteBuffer
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

class MipsGuest {
    /** System property naming the guest ELF (the pom sets it to target/mips-guest/guest.elf). */
    static final String PROPERTY = 'tandem.mipsGuest'

    /** guest.S: the 20-byte marker in .data right before the length word (big-endian u32). */
    static final byte[] LENGTH_MARKER = 'TANDEM-GUEST-LENGTH:'.getBytes(StandardCharsets.US_ASCII)
    /** guest.S's accepted range of lengths, in guest instructions. */
    static final long MIN_LENGTH = 1_000_000L, MAX_LENGTH = 100_000_000L

    /** Texts the guest prints on the UART (guest.S). */
    static final String TLBWR_DONE = 'tlbwr ok\n', END = '\ndone\n'
    /** The byte to send the guest once it has printed TLBWR_DONE (any byte goes). */
    static final String GO = 'g'

    /** Physical address the guest's wired `tlbwi` entry gives virtual 0x7f81cac0 (guest.S FIXED_PA). */
    static final long FIXED_VA = 0x7f81cac0L, FIXED_PA = 0x0123cac0L

    /** The built guest, or null when the build had no mips-linux-gnu-gcc. */
    static Path elf() {
        def p = Path.of(System.getProperty(PROPERTY, 'target/mips-guest/guest.elf')).toAbsolutePath()
        Files.isRegularFile(p) ? p : null
    }

    /**
     * Writes a copy of {@code elf} to {@code to} whose run takes about {@code instrs} guest
     * instructions (MIN_LENGTH..MAX_LENGTH; the guest runs instrs / ROUND_COST rounds, so the
     * recorded total is within some percent of it: see RealPandaFixtureSpec).
     */
    static Path withLength(Path elf, long instrs, Path to) {
        if (instrs < MIN_LENGTH || instrs > MAX_LENGTH)
            throw new IllegalArgumentException("guest length $instrs is outside $MIN_LENGTH..$MAX_LENGTH instructions")
        byte[] bytes = Files.readAllBytes(elf)
        ByteBuffer.wrap(bytes, lengthAt(bytes, elf), 4).putInt((int) instrs)   // big-endian, as the guest
        Files.write(to, bytes)
        to
    }

    /** The length word of {@code elf}, in guest instructions. */
    static long length(Path elf) {
        byte[] bytes = Files.readAllBytes(elf)
        int at = lengthAt(bytes, elf)
        ByteBuffer.wrap(bytes, at, 4).getInt() & 0xffffffffL
    }

    private static int lengthAt(byte[] bytes, Path elf) {
        int at = indexOf(bytes, LENGTH_MARKER)
        if (at < 0) throw new IllegalArgumentException("$elf has no length marker: not the tandem MIPS guest")
        at + LENGTH_MARKER.length
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer
            return i
        }
        -1
    }
}
