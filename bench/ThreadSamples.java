import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where the time of each pipeline stage goes, from thread dumps taken every few hundred milliseconds
 * ({@code jcmd PID Thread.print}, appended to one file): a wall-clock sampler, so time waiting for PostgreSQL counts
 * too. A stage is known by its thread (the file consumer: intake; seda://pack: packing; seda://ingest: ingest); a
 * sample of a stage's thread that is in batchpipe code is charged to the innermost batchpipe method on its stack,
 * with what that method was in at the top of the stack (the database driver, the tokenizer, JSON, schema validation,
 * the JDK). Prints, per stage, the share of its samples for the largest entries. A STAGE=FROM-TO argument (epoch
 * milliseconds) keeps only that stage's samples taken in its window (a dump's time has whole seconds), so a pack tick
 * that finds nothing during intake does not count as packing.
 * Usage: java bench/ThreadSamples.java DUMPS [TOP] [STAGE=FROM-TO ...]
 */
public class ThreadSamples {

    private static final Map<String, String> STAGES = Map.of("file://", "intake", "seda://pack", "packing",
            "seda://ingest", "ingest", "- ingest-write", "ingest", "seda://submit", "submit");
    private static final Pattern DUMP_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Map<String, long[]> windows = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] w = args[i].split("[=-]");
            windows.put(w[0], new long[] {Long.parseLong(w[1]) / 1000 * 1000, Long.parseLong(w[2])});
        }
        long dumpTime = 0;
        Map<String, Map<String, Integer>> byStage = new TreeMap<>();
        Map<String, Integer> totals = new HashMap<>();
        String stage = null;
        List<String> frames = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (DUMP_TIME.matcher(line).matches()) {
                dumpTime = LocalDateTime.parse(line.replace(' ', 'T')).atZone(ZoneId.systemDefault()).toInstant()
                        .toEpochMilli();
            } else if (line.startsWith("\"")) {
                charge(stage, frames, byStage, totals);
                stage = stageOf(line);
                long[] w = stage == null ? null : windows.get(stage);
                if (w != null && (dumpTime < w[0] || dumpTime > w[1])) {
                    stage = null;
                }
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
