// The one place where gdb's bytes become text: UTF-8 where they are UTF-8, every other byte kept.
package tandem.mi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * gdb writes what its charset says: under {@code set charset ISO-8859-1} (or a program's own
 * output) bytes that are not UTF-8, which MI escapes in octal ({@code "caf\351"}). Decoding them as
 * UTF-8 with replacement would make every such byte U+FFFD, so that two different values read the
 * same (gdb-js#5, pygdbmi#64). Here each byte that is not part of a UTF-8 sequence becomes the lone
 * surrogate U+DC00 + byte, as Python's "surrogateescape" (PEP 383) does: no UTF-8 text decodes to
 * one, so two texts are equal exactly when gdb's bytes are, and {@link #bytes} gives the bytes back.
 * {@link #shown} prints such a byte as gdb does under its default charset: {@code \351}.
 */
public final class GdbText {

    private static final char ESCAPED = '\uDC00';

    private GdbText() {
    }

    /** {@code length} bytes of {@code b} from {@code offset} as text, every byte kept (see above). */
    public static String decode(byte[] b, int offset, int length) {
        int end = offset + length;
        boolean ascii = true;
        for (int i = offset; i < end && ascii; i++) ascii = b[i] >= 0;
        if (ascii) return new String(b, offset, length, StandardCharsets.ISO_8859_1);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, offset, length);
        CharBuffer out = CharBuffer.allocate(length);   // never more chars than bytes
        while (in.hasRemaining()) {
            CoderResult r = utf8.decode(in, out, true);
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) out.put((char) (ESCAPED + (in.get() & 0xff)));
            } else if (r.isUnderflow() && in.hasRemaining()) {
                // a sequence cut short at the end
                while (in.hasRemaining()) out.put((char) (ESCAPED + (in.get() & 0xff)));
            }
        }
        out.flip();
        return out.toString();
    }

    public static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    /** gdb's bytes of a text made by {@link #decode}. */
    public static byte[] bytes(CharSequence text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= ESCAPED + 0x80 && c <= ESCAPED + 0xff) {
                out.writeBytes(run.toString().getBytes(StandardCharsets.UTF_8));
                run.setLength(0);
                out.write(c - ESCAPED);
            } else {
                run.append(c);
            }
        }
        out.writeBytes(run.toString().getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** The text for a reader: each kept byte as gdb writes one its charset cannot show, {@code \351}. */
    public static String shown(String text) {
        StringBuilder s = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean kept = c >= ESCAPED + 0x80 && c <= ESCAPED + 0xff;
            if (kept && s == null) s = new StringBuilder(text.length() + 8).append(text, 0, i);
            if (s == null) continue;
            if (kept) s.append('\\').append(Integer.toOctalString(c - ESCAPED));
            else s.append(c);
        }
        return s == null ? text : s.toString();
    }
}
