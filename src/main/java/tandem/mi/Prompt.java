package tandem.mi;

/** The {@code (gdb)} line that ends each output of gdb (GDB manual, "GDB/MI Output Syntax"). */
public record Prompt() implements MiRecord {
    public static final Prompt INSTANCE = new Prompt();

    @Override
    public String toString() {
        return "(gdb)";
    }
}
