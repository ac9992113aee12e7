package tandem.debugger;

import tandem.mi.MiChannel;
import tandem.mi.MiCommand;
import tandem.mi.MiValue.MiTuple;

/** Breakpoints and watchpoints of one gdb session, through gdb's {@code -break-*} commands. */
final class GdbBreakpoints {

    private final MiChannel mi;
    private final GdbErrors errors;

    GdbBreakpoints(MiChannel mi, GdbErrors errors) {
        this.mi = mi;
        this.errors = errors;
    }

    Breakpoint insert(String location, String condition, boolean temporary) {
        return insert(location, condition, temporary, false);
    }

    /**
     * pending: gdb keeps a location no code loaded yet has as a pending breakpoint ({@code -f}), set
     * when a shared library that has it is loaded, instead of answering "Function ... not defined".
     */
    Breakpoint insert(String location, String condition, boolean temporary, boolean pending) {
        MiCommand c = MiCommand.of("break-insert");
        if (temporary) c = c.option("-t");
        if (pending) c = c.option("-f");
        if (condition != null && !condition.isBlank()) c = c.option("-c", condition);
        MiCommand insert = c.param(location);
        return errors.ask("break at " + location + (condition == null || condition.isBlank() ? "" : " if " + condition), () -> {
            MiTuple bkpt = mi.send(insert).record().results().tuple("bkpt");
            return new Breakpoint(Integer.parseInt(bkpt.string("number")), location, condition, temporary);
        });
    }

    Breakpoint watch(String lvalue) {
        return errors.ask("watch " + lvalue, () -> {
            MiTuple wpt = mi.send(MiCommand.of("break-watch", lvalue)).record().results().tuple("wpt");
            return new Breakpoint(Integer.parseInt(wpt.string("number")), lvalue, null, false);
        });
    }

    void condition(int breakpoint, String condition) {
        MiCommand c = MiCommand.of("break-condition", Integer.toString(breakpoint));
        MiCommand set = condition != null && !condition.isBlank() ? c.param(condition) : c;
        OpStats.time("break-condition", () -> errors.ask("set the condition of breakpoint " + breakpoint, () -> mi.send(set)));
    }

    /** {@code -break-enable}, {@code -break-disable} or {@code -break-delete} of the numbers given; none: nothing. */
    void command(String op, int... numbers) {
        if (numbers.length == 0) return;
        MiCommand c = MiCommand.of(op);
        for (int n : numbers) c = c.param(Integer.toString(n));
        MiCommand command = c;
        OpStats.time(op, () -> errors.ask(op.replace('-', ' ') + " " + java.util.Arrays.toString(numbers), () -> mi.send(command)));
    }
}
