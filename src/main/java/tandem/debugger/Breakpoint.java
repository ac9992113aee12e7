// A breakpoint or watchpoint tandem created, with the condition it carries.
package tandem.debugger;

public record Breakpoint(int number, String location, String condition, boolean temporary) {
}
