// The resume file: where a search stands after every step (bounds, the bracket, the counts each
// side holds checkpoints at, every signature pair seen), written atomically, so a search that was
// interrupted or whose gdb died continues from its bracket instead of from the start.
package tandem.bisect;

import groovy.json.JsonOutput;
import groovy.json.JsonSlurper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class ResumeState {
    /** Phases in the order a search goes through them. */
    public enum Phase { START, SCAN, NARROW, ANALYSE, DONE }

    public long lo = -1;
    public long hi = -1;
    /** Greatest count known equal on both sides, and least count known to differ (-1: none yet). */
    public long equalAt = -1;
    public long differAt = -1;
    public Phase phase = Phase.START;
    public String strategy = Strategy.TANDEM.name();
    public final TreeMap<Long, Signature[]> signatures = new TreeMap<>();
    public List<Long> recCheckpoints = new ArrayList<>();
    public List<Long> repCheckpoints = new ArrayList<>();

    public static ResumeState load(Path file) {
        try {
            Map<?, ?> m = (Map<?, ?>) new JsonSlurper().parseText(Files.readString(file));
            ResumeState s = new ResumeState();
            s.lo = num(m.get("lo"));
            s.hi = num(m.get("hi"));
            s.equalAt = num(m.get("equalAt"));
            s.differAt = num(m.get("differAt"));
            s.phase = Phase.valueOf((String) m.get("phase"));
            s.strategy = (String) m.get("strategy");
            for (Object o : (List<?>) m.get("signatures")) {
                Map<?, ?> e = (Map<?, ?>) o;
                s.signatures.put(num(e.get("instr")), new Signature[]{
                        Signature.fromMap((Map<?, ?>) e.get("rec")), Signature.fromMap((Map<?, ?>) e.get("rep"))});
            }
            for (Object o : (List<?>) m.get("recCheckpoints")) s.recCheckpoints.add(num(o));
            for (Object o : (List<?>) m.get("repCheckpoints")) s.repCheckpoints.add(num(o));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("can't read the resume file " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a tandem bisect resume file: " + e.getMessage(), e);
        }
    }

    private static long num(Object o) {
        return o == null ? -1 : ((Number) o).longValue();
    }

    public void save(Path file) {
        if (file == null) return;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lo", lo);
        m.put("hi", hi);
        m.put("equalAt", equalAt);
        m.put("differAt", differAt);
        m.put("phase", phase.name());
        m.put("strategy", strategy);
        List<Object> sigs = new ArrayList<>();
        synchronized (signatures) {
            signatures.forEach((instr, pair) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("instr", instr);
                e.put("rec", pair[0].toMap());
                e.put("rep", pair[1].toMap());
                sigs.add(e);
            });
        }
        m.put("signatures", sigs);
        m.put("recCheckpoints", recCheckpoints);
        m.put("repCheckpoints", repCheckpoints);
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".bisect-", ".tmp");
            Files.writeString(tmp, JsonOutput.prettyPrint(JsonOutput.toJson(m)));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("can't write the resume file " + file, e);
        }
    }

    void saw(long instr, Signature rec, Signature rep) {
        synchronized (signatures) {
            signatures.put(instr, new Signature[]{rec, rep});
        }
    }
}
