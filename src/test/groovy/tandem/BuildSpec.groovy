package tandem
import spock.lang.Specification
class BuildSpec extends Specification {
  def "spock runs"() { expect: 1 + 1 == 2 }
}
