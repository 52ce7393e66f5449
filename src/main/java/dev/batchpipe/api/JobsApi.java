package dev.batchpipe.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.intake.DbIntake;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.IntakeResult;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.pipeline.Cancellation;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.task.TaskLoader;
import dev.batchpipe.task.TaskRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * The changing calls of the HTTP API (routes/api.camel.yaml, routes/api-jobs.camel.yaml): taking a request body in as
 * a job (as a file in the inbox would be), replaying dead letters, cancelling jobs and batches, requesting
 * extraction runs; and who may read. Each call returns a typed reply that the Rest DSL (or the route) marshals with
 * {@link ApiJson}; a refused call throws an {@link ApiProblem}.
 */
public final class JobsApi {

    /** The Content-Types a submitted body may have. */
    public static final List<String> BODY_TYPES = List.of("application/x-ndjson", "application/jsonl",
            "application/json", "text/csv");

    private final JobReports reports;
    private final ApiReads reads;
    private final TaskRegistry tasks;
    private final FileIntake intake;
    private final DeadLetters deadLetters;
    private final Cancellation cancellation;
    private final DbIntake runs;
    private final TaskEstimate estimator;
    private final ApiGuard guard;
    private final Path uploads;
    private final long maxBodyBytes;

    public JobsApi(JobReports reports, ApiReads reads, TaskRegistry tasks, FileIntake intake, DeadLetters deadLetters,
                   Cancellation cancellation, DbIntake runs, TaskEstimate estimator, ApiGuard guard, Path uploads,
                   long maxBodyBytes) {
        this.reports = reports;
        this.reads = reads;
        this.tasks = tasks;
        this.intake = intake;
        this.deadLetters = deadLetters;
        this.cancellation = cancellation;
        this.runs = runs;
        this.estimator = estimator;
        this.guard = guard;
        this.uploads = uploads;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A body taken in: {@code job.status} is {@code rejected} when nothing in it was usable. */
    public record Submitted(ApiReads.Job job, List<JobReports.Problem> rejectedLines) {
        public boolean rejected() {
            return job.status().equals("rejected");
        }
    }

    public record Replayed(int replayed) {
    }

    /** A cancel: the job (or batch) now, the requests cancelled at once, the batches the provider is asked to stop. */
    public record CancelResult(Long jobId, Long batchId, String status, long requestsCancelled,
                               List<Long> batchesCancelling, List<Long> batchesLeftRunning) {
    }

    /**
     * An extraction run to request (as {@code batchpipe run --task} does): rows changed since {@code since}, or the
     * rows {@code ids}, at most {@code limit}; {@code schedule} asap or overnight (default).
     */
    public record RunRequest(String task, String since, List<String> ids, Integer limit, Integer priority,
                             String schedule, String mode, String deadline, Boolean cache) {
    }

    /**
     * The input format a body's Content-Type names, as a file extension; none means JSON Lines. Anything else, a form
     * above all (curl's {@code --data} sends one), is refused with the types we read.
     */
    public String format(String contentType) {
        return format(contentType, null);
    }

    /** ...and with {@code fetch=true}, a list of URLs may also be sent as {@code text/plain}, one URL per line. */
    public String format(String contentType, String fetch) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (type.isEmpty() && contentType != null && !contentType.isBlank()) {
            throw new ApiProblem(415, "the Content-Type is malformed; send one of " + String.join(", ", BODY_TYPES));
        }
        return switch (type) {
            case "", "application/x-ndjson", "application/jsonl" -> "jsonl";
            case "application/json" -> "json";
            case "text/csv" -> "csv";
            case "text/plain" -> {
                if (!Boolean.parseBoolean(fetch)) {
                    throw new ApiProblem(415, "Content-Type text/plain is taken only as a list of URLs, with ?fetch=true");
                }
                yield "txt";
            }
            default -> throw new ApiProblem(415, "Content-Type " + type + " is not accepted; send one of "
                    + String.join(", ", BODY_TYPES) + " (curl: -H 'Content-Type: application/x-ndjson' --data-binary @FILE)");
        };
    }

    /**
     * Takes a body (JSON Lines, a JSON array, or CSV with a header: {@link #format}) in as a job of the task. The body
     * streams to a file under the data dir first, so its size does not weigh on the heap. {@code force=true}: items
     * taken in before are processed again in this job, and their rows replaced. {@code fetch=true}: the body lists
     * URLs whose pages are fetched and taken in as articles. {@code cache=false}: every item goes to the provider, none
     * is answered from the row cache.
     */
    public Submitted submit(String authorization, String task, InputStream body, String format, String force,
                            String fetch, String mode, String deadline, String cache) throws IOException {
        allow(authorization);
        known(task);
        boolean cached = cache == null || cache.equalsIgnoreCase("true");
        if (!cached && !cache.equalsIgnoreCase("false")) {
            throw new ApiProblem(400, "cache must be true or false");
        }
        Path file = spool(body, format);
        if (format.equals("json") && envelope(file)) {
            file = contents(file);
        }
        java.time.Duration within = deadline(mode, deadline);
        IntakeResult r = intake.accept(file, new JobOptions(task, "api", null, null, 5, "asap")
                .withForce(Boolean.parseBoolean(force)).withFetch(Boolean.parseBoolean(fetch)).withMode(mode)
                .withDeadline(within).withCache(cached));
        return new Submitted(reads.job(reports.job(r.jobId()).orElseThrow()), reports.inputErrors(r.jobId(), 100));
    }

    /** A submit's or run's mode and deadline checked as the CLI checks them: a 400 names what is wrong. */
    private static java.time.Duration deadline(String mode, String deadline) {
        if (mode != null && !JobOptions.MODES.contains(mode)) {
            throw new ApiProblem(400, "mode must be batch, realtime or auto, not '" + mode + "'");
        }
        try {
            return JobOptions.parseDeadline(deadline);
        } catch (IllegalArgumentException e) {
            throw new ApiProblem(400, e.getMessage());
        }
    }

    /** The body in a file under the data dir, so its size does not weigh on the heap. */
    private Path spool(InputStream body, String format) throws IOException {
        Files.createDirectories(uploads);
        Path file = uploads.resolve("api-" + UUID.randomUUID() + "." + format);
        if (body == null) {
            Files.createFile(file);
        } else if (Files.copy(BoundedInputStream.builder().setInputStream(body).setMaxCount(maxBodyBytes + 1).get(),
                file) > maxBodyBytes) {
            // a body sent without a length (chunked) is measured as it is spooled
            Files.delete(file);
            throw new ApiProblem(413, "the body is larger than " + maxBodyBytes + " bytes (BATCHPIPE_MAX_BODY_BYTES)");
        }
        return file;
    }

    /** Whether a JSON body is one object (the {@code {contents, batch_name}} form) rather than an array of items. */
    private static boolean envelope(Path file) throws IOException {
        try (PushbackInputStream in = new PushbackInputStream(Files.newInputStream(file))) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF);
            return c == '{';
        }
    }

    /**
     * The items of a {@code {"contents": [...], "batch_name": "..."}} body, streamed to a JSON Lines file named after
     * the batch name (so the job's source shows it). Each element of contents is one item, as a line of a file is.
     */
    private Path contents(Path envelope) throws IOException {
        Path items = null;
        String name = "contents";
        try (JsonParser p = ApiJson.mapper().createParser(envelope.toFile())) {
            p.nextToken();
            Path spool = uploads.resolve("api-" + UUID.randomUUID() + ".jsonl.part");
            boolean seen = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("contents")) {
                    if (p.currentToken() != JsonToken.START_ARRAY) {
                        throw new ApiProblem(400, "contents must be an array of items");
                    }
                    try (BufferedWriter w = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            JsonNode item = ApiJson.mapper().readTree(p);
                            w.write(item.toString());
                            w.write('\n');
                        }
                    }
                    seen = true;
                } else if (field.equals("batch_name")) {
                    name = p.getValueAsString("contents").replaceAll("[^A-Za-z0-9._-]", "_");
                } else {
                    p.skipChildren();
                }
            }
            if (!seen) {
                throw new ApiProblem(400, "a JSON object body needs contents: an array of items "
                        + "(or send the items as a JSON array)");
            }
            items = Files.move(spool, uploads.resolve(name + "-" + UUID.randomUUID() + ".jsonl"));
            return items;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiProblem(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } finally {
            if (items != null) {
                Files.deleteIfExists(envelope);
            }
        }
    }

    /** Replays the open dead letters of a task or a job (or all). */
    public Replayed replay(String authorization, String task, String job) {
        allow(authorization);
        if (task != null) {
            known(task);
        }
        return new Replayed(deadLetters.replay(new DeadLetters.Selection(task, ApiProblem.number("job", job), null)));
    }

    public CancelResult cancelJob(String authorization, String id) {
        allow(authorization);
        long job = ApiProblem.number("job id", id);
        Cancellation.Cancelled c = refusals(() -> cancellation.cancelJob(job));
        return new CancelResult(job, null, reports.job(job).orElseThrow().status(), c.requestsCancelled(),
                c.batchesCancelling(), c.batchesLeftRunning());
    }

    public CancelResult cancelBatch(String authorization, String id) {
        allow(authorization);
        long batch = ApiProblem.number("batch id", id);
        Cancellation.Cancelled c = refusals(() -> cancellation.cancelBatch(batch));
        return new CancelResult(null, batch, reads.batch(id).state(), c.requestsCancelled(), c.batchesCancelling(),
                c.batchesLeftRunning());
    }

    /**
     * POST /api/tasks/{name}/estimate: a body of {@code {"count": N}} estimates N items like the task's past ones; any
     * other body is an input file in the format its Content-Type names, spooled to disk and counted record by record.
     */
    public TaskEstimate.Estimate estimate(String authorization, String task, String provider, String model,
                                          String contentType, InputStream body) throws IOException {
        allow(authorization);
        known(task);
        String format = format(contentType);
        Path file = spool(body, format);
        try {
            if (format.equals("json") && envelope(file)) {
                JsonNode count = ApiJson.mapper().readTree(file.toFile()).get("count");
                if (count == null || !count.canConvertToLong()) {
                    throw new ApiProblem(400, "an object body must be {\"count\": N}; send a file to estimate its records");
                }
                return estimator.ofCount(tasks.get(task), provider, model, count.asLong());
            }
            return estimator.ofFile(tasks.get(task), provider, model, file);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiProblem(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (dev.batchpipe.StartupException e) {
            throw new ApiProblem(400, e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Requests an extraction run; a running service takes it up (NOTIFY), as from {@code batchpipe run --task}. */
    public ApiReads.Run createRun(String authorization, RunRequest run) {
        allow(authorization);
        if (run == null || run.task() == null) {
            throw new ApiProblem(400, "the body needs task (and optionally since, ids, limit, priority, schedule, mode, "
                    + "deadline, cache)");
        }
        known(run.task());
        if (tasks.get(run.task()).source() == null) {
            throw new ApiProblem(400, "task " + run.task() + " has no source table to select rows from");
        }
        int priority = run.priority() == null ? 5 : run.priority();
        if (priority < 1 || priority > 10) {
            throw new ApiProblem(400, "priority must be between 1 and 10");
        }
        String schedule = run.schedule() == null ? "overnight" : run.schedule();
        if (!schedule.equals("asap") && !schedule.equals("overnight")) {
            throw new ApiProblem(400, "schedule must be asap or overnight");
        }
        if (run.limit() != null && run.limit() < 1) {
            throw new ApiProblem(400, "limit must be at least 1");
        }
        java.time.Duration within = deadline(run.mode(), run.deadline());
        java.time.Instant since = ApiReads.instant("since", run.since());
        long id = runs.requestRun(run.task(), since == null ? null : OffsetDateTime.ofInstant(since, ZoneOffset.UTC),
                run.ids(), run.limit(), priority, schedule, run.mode(), within, !Boolean.FALSE.equals(run.cache()), "api");
        return reads.run(Long.toString(id));
    }

    /** Reading: open on a loopback address; bound beyond it, the token is needed as for changes. */
    public void read(String authorization) {
        String denied = guard.deniedRead(authorization);
        if (denied != null) {
            throw new ApiProblem(401, denied);
        }
    }

    private static Cancellation.Cancelled refusals(java.util.function.Supplier<Cancellation.Cancelled> cancel) {
        try {
            return cancel.get();
        } catch (Cancellation.Refused e) {
            throw new ApiProblem(e.notFound() ? 404 : 409, e.getMessage());
        }
    }

    /** A name that is no task name (a path, SQL, control characters) is refused without being repeated. */
    private void known(String task) {
        if (!TaskLoader.isName(task)) {
            throw new ApiProblem(400, "a task name is lower-case letters, digits and dashes");
        }
        if (!tasks.has(task)) {
            throw new ApiProblem(404, "no task named '" + task + "'");
        }
    }

    /** Changing calls: refused (401) unless the guard lets the caller change things. */
    public void allow(String authorization) {
        String denied = guard.denied(authorization);
        if (denied != null) {
            throw new ApiProblem(401, denied);
        }
    }
}
