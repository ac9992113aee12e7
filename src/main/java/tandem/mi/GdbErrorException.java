package tandem.mi;

/** gdb answered a command with {@code ^error}; {@link #gdbMessage()} is gdb's {@code msg}, verbatim. */
public class GdbErrorException extends MiException {
    private final MiCommand command;
    private final String gdbMessage;
    private final String code;
    private final MiResult result;

    public GdbErrorException(MiCommand command, MiResult result) {
        super(result.string("msg", "(gdb gave no message)"));
        this.command = command;
        this.gdbMessage = result.string("msg", "");
        this.code = result.string("code", null);
        this.result = result;
    }

    public MiCommand command() {
        return command;
    }

    /** gdb's {@code msg}, e.g. {@code No symbol "x" in current context.} */
    public String gdbMessage() {
        return gdbMessage;
    }

    /** gdb's {@code code}, e.g. {@code undefined-command}, or null. */
    public String code() {
        return code;
    }

    /** The whole answer, with the console and log text that came with it. */
    public MiResult result() {
        return result;
    }
}
