package dev.batchpipe.api;

import dev.batchpipe.store.JobReports;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.IntakeResult;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The HTTP API behind routes/api.camel.yaml: the same views as {@code status}, taking a request body in as a job (as
 * a file in the inbox would be), and replaying dead letters. Every call answers a {@link Reply}: status and JSON.
 */
public final class JobsApi {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final JobReports reports;
    private final TaskRegistry tasks;
    private final FileIntake intake;
    private final DeadLetters deadLetters;
    private final ApiGuard guard;
    private final Path uploads;

    public JobsApi(JobReports reports, TaskRegistry tasks, FileIntake intake, DeadLetters deadLetters, ApiGuard guard,
                   Path uploads) {
        this.reports = reports;
        this.tasks = tasks;
        this.intake = intake;
        this.deadLetters = deadLetters;
        this.guard = guard;
        this.uploads = uploads;
    }

    /** An HTTP answer: the route sets the status code and the body from it. */
    public record Reply(int status, String json) {
    }

    /** The most recent jobs, newest first ({@code ?limit=}, default 50, at most 500). */
    public Reply list(Integer limit) throws JsonProcessingException {
        int n = limit == null ? 50 : Math.max(1, Math.min(limit, 500));
        return ok(Map.of("jobs", reports.recentJobs(n)));
    }

    /** The job with its batches and first problems. */
    public Reply job(long id) throws JsonProcessingException {
        var job = reports.job(id);
        if (job.isEmpty()) {
            return error(404, "no job " + id);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job", job.get());
        body.put("batches", reports.batches(id));
        body.put("held", reports.holds(id));
        body.put("rejectedLines", reports.inputErrors(id, 100));
        body.put("deadLetters", reports.deadLetters(id, 100));
        return ok(body);
    }

    /**
     * Takes a body (JSON Lines, a JSON array, or CSV with a header, by Content-Type) in as a job of the task.
     * Large inputs belong in the inbox: the HTTP server holds a body in memory.
     */
    public Reply submit(String authorization, String task, byte[] body, String contentType) throws IOException {
        String denied = guard.denied(authorization);
        if (denied != null) {
            return error(401, denied);
        }
        if (!tasks.has(task)) {
            return error(404, "no task named '" + task + "'");
        }
        String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
        String ext = type.contains("csv") ? "csv" : type.startsWith("application/json") ? "json" : "jsonl";
        Files.createDirectories(uploads);
        Path file = uploads.resolve("api-" + UUID.randomUUID() + "." + ext);
        Files.write(file, body == null ? new byte[0] : body);
        IntakeResult r = intake.accept(file, new JobOptions(task, "api", null, null, 5, "asap"));
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("job", reports.job(r.jobId()).orElseThrow());
        reply.put("rejectedLines", reports.inputErrors(r.jobId(), 100));
        return new Reply(r.rejected() ? 422 : 202, JSON.writeValueAsString(reply));
    }

    /** Replays the open dead letters of a task or a job (or all). */
    public Reply replay(String authorization, String task, Long job) throws JsonProcessingException {
        String denied = guard.denied(authorization);
        if (denied != null) {
            return error(401, denied);
        }
        return ok(Map.of("replayed", deadLetters.replay(new DeadLetters.Selection(task, job, null))));
    }

    private static Reply ok(Object body) throws JsonProcessingException {
        return new Reply(200, JSON.writeValueAsString(body));
    }

    private static Reply error(int status, String message) throws JsonProcessingException {
        return new Reply(status, JSON.writeValueAsString(Map.of("error", message)));
    }
}
