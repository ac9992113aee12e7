package tandem.real

import org.spockframework.runtime.extension.IGlobalExtension

/**
 * Ends the test run's real-PANDA fixtures once Spock has run every spec (registered in
 * META-INF/services): a JVM shutdown hook alone may be cut short when the test JVM is ended.
 */
class RealPandaRun implements IGlobalExtension {
    @Override
    void stop() {
        RealPanda.closeShared()
    }
}
