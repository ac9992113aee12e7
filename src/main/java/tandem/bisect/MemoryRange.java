// A range of guest-physical RAM, [start, start + length).
package tandem.bisect;

public record MemoryRange(long start, long length) {

    public long end() {
        return start + length;
    }

    @Override
    public String toString() {
        return String.format("0x%x..0x%x (%d bytes)", start, end(), length);
    }
}
