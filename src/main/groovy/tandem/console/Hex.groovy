// A guest address or register shown in hex (pc(), epc()), still usable as a number in scripts.
package tandem.console

import groovy.transform.CompileStatic
import groovy.transform.EqualsAndHashCode

@CompileStatic
@EqualsAndHashCode
class Hex extends Number implements Comparable<Object> {
    final long value

    Hex(long value) { this.value = value }

    @Override int intValue() { (int) value }
    @Override long longValue() { value }
    @Override float floatValue() { (float) value }
    @Override double doubleValue() { (double) value }

    // Groovy's Number arithmetic would treat an unknown Number as an int: keep 64 bits
    Long plus(Number n) { value + n.longValue() }
    Long minus(Number n) { value - n.longValue() }
    Long and(Number n) { value & n.longValue() }
    Long or(Number n) { value | n.longValue() }

    @Override
    int compareTo(Object o) { Long.compareUnsigned(value, ((Number) o).longValue()) }

    @Override
    String toString() { String.format('0x%08x', value) }
}
