package tandem.debugger

import spock.lang.Specification

/**
 * gdb 13 on an x86-64 host with AMX fails every inferior call when it restores registers; tandem
 * then hands gdb a target description without AVX. These features check the description and that
 * calls work on this host either way.
 */
class XsaveQuirkSpec extends Specification {

    def "the description keeps the core, SSE, Linux and segment features and drops the vector extensions"() {
        given:
        def tdesc = '''<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target>
  <architecture>i386:x86-64</architecture>
  <osabi>GNU/Linux</osabi>
  <feature name="org.gnu.gdb.i386.core"><reg name="rax" bitsize="64"/></feature>
  <feature name="org.gnu.gdb.i386.sse"><reg name="xmm0" bitsize="128"/></feature>
  <feature name="org.gnu.gdb.i386.linux"><reg name="orig_rax" bitsize="64"/></feature>
  <feature name="org.gnu.gdb.i386.segments"><reg name="fs_base" bitsize="64"/></feature>
  <feature name="org.gnu.gdb.i386.avx"><reg name="ymm0h" bitsize="128"/></feature>
  <feature name="org.gnu.gdb.i386.avx512"><reg name="zmm0h" bitsize="256"/></feature>
  <feature name="org.gnu.gdb.i386.pkeys"><reg name="pkru" bitsize="32"/></feature>
</target>
'''

        when:
        def kept = XsaveQuirk.withoutAvx(tdesc)

        then:
        ['rax', 'xmm0', 'orig_rax', 'fs_base'].every { kept.contains("\"$it\"") }
        ['ymm0h', 'zmm0h', 'pkru'].every { !kept.contains(it) }
        kept.contains('<architecture>i386:x86-64</architecture>')
        kept.trim().endsWith('</target>')
    }

    def "the gdb on this host either needs no help or gets a description file that exists"() {
        when:
        def options = XsaveQuirk.nativeOptions(tandem.panda.Demo.GDB.toString())

        then:
        options.isEmpty() || (options[0] == '-iex' && new File(options[1] - 'set tdesc filename ').exists())
    }
}
