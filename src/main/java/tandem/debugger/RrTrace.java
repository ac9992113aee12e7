// An rr trace directory and what rr's own subcommands tell about it: `rr ps` (the recorded
// processes and their command lines) and `rr dump` (the events, the last one's global_time).
package tandem.debugger;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.PumpStreamHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record RrTrace(Path rr, Path directory) {

    private static final Pattern GLOBAL_TIME = Pattern.compile("global_time:(\\d+)");

    /**
     * One line of `rr ps`: PID, PPID ({@code --} for the first process), EXIT (exit code, minus the
     * signal number, or rr 5.8+'s {@code detach} / {@code none}), CMD (the recorded argv joined by
     * spaces, or {@code (forked without exec)}). {@code namespacePid} is the process's id inside its
     * own pid namespace, which rr prints as {@code TID (NSTID)} when it differs from the recorded id
     * (rr src/PsCommand.cc); otherwise it equals {@code pid}.
     */
    public record Process(long pid, long namespacePid, String ppid, String exit, String command) {
    }

    /** rr's PID column: {@code 4101}, or {@code 4101 (1)} for a process in its own pid namespace. */
    private static final Pattern PID_COLUMN = Pattern.compile("(\\d+)(?:\\s+\\((\\d+)\\))?");
    /** rr's CMD for a process that ended without exec: it has no command line of its own. */
    private static final String FORKED_WITHOUT_EXEC = "(forked without exec)";

    /** Checks that the directory looks like an rr trace; the error says what was found instead. */
    public RrTrace {
        if (!Files.isDirectory(directory)) {
            throw new DebuggerException("no rr trace at " + directory + ": it is not a directory"
                    + " (give the directory `rr record -o DIR` wrote)");
        }
        // a recording rr did not finish has `incomplete` instead (TraceStream.h): it is rr's trace,
        // and rr says why it will not replay it when asked
        if (!Files.exists(directory.resolve("version")) && !Files.exists(directory.resolve("incomplete"))) {
            throw new DebuggerException(directory + " is not an rr trace: it has no `version` file"
                    + " (give the directory `rr record -o DIR` wrote)");
        }
    }

    /** `rr ps TRACE`: header `PID\tPPID\tEXIT\tCMD`, then one process per line, in every form rr prints. */
    public List<Process> processes() {
        List<Process> ps = new ArrayList<>();
        for (String line : run("ps", directory.toString()).split("\n")) {
            String[] f = line.split("\t", 4);
            if (f.length < 4 || f[0].equals("PID")) continue;
            Matcher pid = PID_COLUMN.matcher(f[0].trim());
            // rr prints nothing else here, but a warning line must not break the listing
            if (!pid.matches()) continue;
            long tid = Long.parseLong(pid.group(1));
            long nsTid = pid.group(2) == null ? tid : Long.parseLong(pid.group(2));
            ps.add(new Process(tid, nsTid, f[1].trim(), f[2].trim(), f[3].trim()));
        }
        if (ps.isEmpty()) throw new DebuggerException("`rr ps " + directory + "` listed no process");
        return ps;
    }

    /**
     * The recorded command line naming PANDA (panda-system-ARCH or qemu-system-ARCH), else the
     * first one that is a command line (a wrapper's, when PANDA is not in the trace).
     */
    public String pandaCommand() {
        List<Process> ps = processes();
        for (Process p : ps) {
            if (p.command().matches(".*(panda|qemu)-system-.*")) return p.command();
        }
        return ps.stream().map(Process::command).filter(c -> !c.equals(FORKED_WITHOUT_EXEC))
                .findFirst().orElse(ps.get(0).command());
    }

    /** rr's {@code --version}: "rr version 5.7.0". */
    private static final Pattern VERSION = Pattern.compile("rr version (\\d+)\\.(\\d+)");

    /**
     * Whether this rr's {@code replay} takes {@code --tty FILE} (rr 5.5 and later) to send the
     * replayed program's output there instead of to its own stdout. False when the version cannot
     * be read: an unknown option would stop the replay.
     */
    public boolean replaysToTty() {
        try {
            Matcher m = VERSION.matcher(run("--version"));
            if (!m.find()) return false;
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            return major > 5 || major == 5 && minor >= 5;
        } catch (DebuggerException e) {
            return false;
        }
    }

    /** The last event's global_time, as diverge.py reads it from `rr dump`. */
    public long lastEvent() {
        Matcher m = GLOBAL_TIME.matcher(run("dump", directory.toString()));
        long last = -1;
        while (m.find()) last = Long.parseLong(m.group(1));
        if (last < 0) throw new DebuggerException("`rr dump " + directory + "` printed no event");
        return last;
    }

    private String run(String... args) {
        CommandLine cl = new CommandLine(rr.toString());
        for (String a : args) cl.addArgument(a, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DefaultExecutor ex = DefaultExecutor.builder().get();
        ex.setStreamHandler(new PumpStreamHandler(out, err));
        ex.setWatchdog(ExecuteWatchdog.builder().setTimeout(Duration.ofSeconds(120)).get());
        try {
            ex.execute(cl);
            return out.toString(StandardCharsets.UTF_8);
        } catch (ExecuteException e) {
            List<String> said = new ArrayList<>(out.toString(StandardCharsets.UTF_8).lines().toList());
            said.addAll(err.toString(StandardCharsets.UTF_8).lines().toList());
            throw new DebuggerException(new RrFailure(said, e.getExitValue()).describe(rr, "run `rr " + String.join(" ", args) + "`"), null, e);
        } catch (IOException e) {
            throw new DebuggerException("could not run rr at " + rr + ": " + e.getMessage()
                    + ". Install rr (https://rr-project.org) or give its path with --rr");
        }
    }
}
