package dev.batchpipe.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON for the read-only jobs API ({@code GET /api/jobs}, {@code GET /api/jobs/{id}}); the same views as {@code status}. */
public final class JobsApi {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final JobReports reports;

    public JobsApi(JobReports reports) {
        this.reports = reports;
    }

    /** The most recent jobs, newest first ({@code ?limit=}, default 50, at most 500). */
    public String list(Integer limit) throws JsonProcessingException {
        int n = limit == null ? 50 : Math.max(1, Math.min(limit, 500));
        return JSON.writeValueAsString(Map.of("jobs", reports.recentJobs(n)));
    }

    /** The job with its batches and first problems, or null when there is no such job. */
    public String job(long id) throws JsonProcessingException {
        var job = reports.job(id);
        if (job.isEmpty()) {
            return null;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job", job.get());
        body.put("batches", reports.batches(id));
        body.put("rejectedLines", reports.inputErrors(id, 100));
        body.put("deadLetters", reports.deadLetters(id, 100));
        return JSON.writeValueAsString(body);
    }
}
