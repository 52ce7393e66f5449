package dev.batchpipe.api;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.IntakeResult;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The HTTP API behind routes/api.camel.yaml: the same views as {@code status}, taking a request body in as a job (as
 * a file in the inbox would be), and replaying dead letters. Each call returns a typed reply that the Rest DSL (or the
 * route) marshals with {@link ApiJson}; a refused call throws an {@link ApiProblem}.
 */
public final class JobsApi {

    /** The Content-Types a submitted body may have. */
    public static final List<String> BODY_TYPES = List.of("application/x-ndjson", "application/jsonl",
            "application/json", "text/csv");

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

    public record JobList(List<JobReports.JobSummary> jobs) {
    }

    public record JobDetail(JobReports.JobSummary job, List<JobReports.BatchSummary> batches,
                            List<JobReports.Hold> held, List<JobReports.Problem> rejectedLines,
                            List<JobReports.Problem> deadLetters) {
    }

    /** A body taken in: {@code job.status} is {@code rejected} when nothing in it was usable. */
    public record Submitted(JobReports.JobSummary job, List<JobReports.Problem> rejectedLines) {
        public boolean rejected() {
            return job.status().equals("rejected");
        }
    }

    public record Replayed(int replayed) {
    }

    /** The most recent jobs, newest first ({@code ?limit=}, default 50, at most 500). */
    public JobList list(String limit) {
        Long n = ApiProblem.number("limit", limit);
        return new JobList(reports.recentJobs(n == null ? 50 : (int) Math.max(1, Math.min(n, 500))));
    }

    /** The job with its batches and first problems. */
    public JobDetail job(String id) {
        long job = ApiProblem.number("job id", id);
        var summary = reports.job(job).orElseThrow(() -> new ApiProblem(404, "no job " + job));
        return new JobDetail(summary, reports.batches(job), reports.holds(job), reports.inputErrors(job, 100),
                reports.deadLetters(job, 100));
    }

    /**
     * The input format a body's Content-Type names, as a file extension; none means JSON Lines. Anything else, a form
     * above all (curl's {@code --data} sends one), is refused with the types we read.
     */
    public String format(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "", "application/x-ndjson", "application/jsonl" -> "jsonl";
            case "application/json" -> "json";
            case "text/csv" -> "csv";
            default -> throw new ApiProblem(415, "Content-Type " + type + " is not accepted; send one of "
                    + String.join(", ", BODY_TYPES) + " (curl: -H 'Content-Type: application/x-ndjson' --data-binary @FILE)");
        };
    }

    /**
     * Takes a body (JSON Lines, a JSON array, or CSV with a header: {@link #format}) in as a job of the task. The body
     * streams to a file under the data dir first, so its size does not weigh on the heap. {@code force=true}: items
     * taken in before are processed again in this job, and their rows replaced.
     */
    public Submitted submit(String authorization, String task, InputStream body, String format, String force,
                            String mode) throws IOException {
        allow(authorization);
        if (!tasks.has(task)) {
            throw new ApiProblem(404, "no task named '" + task + "'");
        }
        if (mode != null && !mode.equals("batch") && !mode.equals("realtime")) {
            throw new ApiProblem(400, "mode must be batch or realtime, not '" + mode + "'");
        }
        Files.createDirectories(uploads);
        Path file = uploads.resolve("api-" + UUID.randomUUID() + "." + format);
        if (body == null) {
            Files.createFile(file);
        } else {
            Files.copy(body, file);
        }
        IntakeResult r = intake.accept(file, new JobOptions(task, "api", null, null, 5, "asap")
                .withForce(Boolean.parseBoolean(force)).withMode(mode));
        return new Submitted(reports.job(r.jobId()).orElseThrow(), reports.inputErrors(r.jobId(), 100));
    }

    /** Replays the open dead letters of a task or a job (or all). */
    public Replayed replay(String authorization, String task, String job) {
        allow(authorization);
        if (task != null && !tasks.has(task)) {
            throw new ApiProblem(404, "no task named '" + task + "'");
        }
        return new Replayed(deadLetters.replay(new DeadLetters.Selection(task, ApiProblem.number("job", job), null)));
    }

    private void allow(String authorization) {
        String denied = guard.denied(authorization);
        if (denied != null) {
            throw new ApiProblem(401, denied);
        }
    }
}
