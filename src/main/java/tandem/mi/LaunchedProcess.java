// commons-exec starts a process without handing it back; its ProcessDestroyer is told of it
// first. This destroyer destroys nothing (tandem ends its processes itself): it only keeps the
// Process, for its pid and to end it later.
package tandem.mi;

import org.apache.commons.exec.ProcessDestroyer;

import java.util.concurrent.CompletableFuture;

public final class LaunchedProcess implements ProcessDestroyer {
    private final CompletableFuture<Process> launched = new CompletableFuture<>();

    /** The process, once started (completes when commons-exec has launched it). */
    public CompletableFuture<Process> process() {
        return launched;
    }

    @Override
    public boolean add(Process process) {
        launched.complete(process);
        return true;
    }

    @Override
    public boolean remove(Process process) {
        return true;
    }

    @Override
    public int size() {
        return 0;
    }
}
