// What the console's notices need of the move under way (Progress): a line printed above its
// status line, and a pass going back reported. Context holds one and knows no more of it.
package tandem.console

import groovy.transform.CompileStatic
import tandem.panda.time.Pass

@CompileStatic
interface StatusLine {
    /** Prints a whole line above the status line, which is drawn again below it. */
    void printAbove(String line)

    /** A stop of a side's pass going back: the count reached of the goal. */
    void passed(String side, Pass p)
}
