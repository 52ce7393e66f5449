import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the time of each pipeline stage goes, from thread dumps taken every few hundred milliseconds
 * ({@code jcmd PID Thread.print}, appended to one file): a wall-clock sampler, so time waiting for PostgreSQL counts
 * too. A stage is known by its thread (the file consumer: intake; seda://pack: packing; seda://ingest: ingest); a
 * sample of a stage's thread that is in batchpipe code is charged to the innermost batchpipe method on its stack,
 * with what that method was in at the top of the stack (the database driver, the tokenizer, JSON, schema validation,
 * the JDK). Prints, per stage, the share of its samples for the largest entries.
 * Usage: java bench/ThreadSamples.java DUMPS [TOP]
 */
public class ThreadSamples {

    private static final Map<String, String> STAGES = Map.of("file://", "intake", "seda://pack", "packing",
            "seda://ingest", "ingest", "seda://submit", "submit");

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Map<String, Map<String, Integer>> byStage = new TreeMap<>();
        Map<String, Integer> totals = new HashMap<>();
        String stage = null;
        List<String> frames = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.startsWith("\"")) {
                charge(stage, frames, byStage, totals);
                stage = stageOf(line);
                frames.clear();
            } else if (line.startsWith("\tat ") && stage != null) {
                frames.add(line.substring(4).replaceAll("\\(.*", ""));
            }
        }
        charge(stage, frames, byStage, totals);
        for (var s : byStage.entrySet()) {
            int total = totals.get(s.getKey());
            System.out.printf("%s: %d samples in batchpipe code%n", s.getKey(), total);
            s.getValue().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                    .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
        }
    }

    private static String stageOf(String header) {
        for (var e : STAGES.entrySet()) {
            if (header.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    private static void charge(String stage, List<String> frames, Map<String, Map<String, Integer>> byStage,
                               Map<String, Integer> totals) {
        if (stage == null) {
            return;
        }
        for (int i = 0; i < frames.size(); i++) {
            String f = frames.get(i);
            if (f.startsWith("dev.batchpipe.")) {
                String method = f.substring("dev.batchpipe.".length()).replaceAll("\\$\\$Lambda.*|\\$lambda\\$.*", "");
                String key = method + (i == 0 ? "" : "  [in " + library(frames.get(0)) + "]");
                byStage.computeIfAbsent(stage, s -> new HashMap<>()).merge(key, 1, Integer::sum);
                totals.merge(stage, 1, Integer::sum);
                return;
            }
        }
    }

    private static String library(String frame) {
        if (frame.startsWith("org.postgresql.") || frame.startsWith("sun.nio.ch.") || frame.startsWith("java.net.")) {
            return "PostgreSQL round trip";
        }
        if (frame.startsWith("com.knuddels.jtokkit.")) {
            return "jtokkit";
        }
        if (frame.startsWith("com.networknt.")) {
            return "json-schema-validator";
        }
        if (frame.startsWith("com.fasterxml.")) {
            return "jackson";
        }
        if (frame.startsWith("org.jdbi.")) {
            return "jdbi";
        }
        int dot = frame.lastIndexOf('.', frame.lastIndexOf('.') - 1);
        return dot > 0 ? frame.substring(0, dot) : frame;
    }
}
