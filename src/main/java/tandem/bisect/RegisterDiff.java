// A guest register (by the arch profile's name) whose value differs between rec and rep.
package tandem.bisect;

public record RegisterDiff(String name, long rec, long rep) {
    @Override
    public String toString() {
        return String.format("%s rec=0x%x rep=0x%x", name, rec, rep);
    }
}
