package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a finished batch's result lines into table rows, a chunk of lines per transaction: each answer is parsed and
 * validated against the task's schema, its rows written and the request marked succeeded together, so re-running
 * an ingest (after a crash mid-download, say) changes nothing that was already written. Failed lines go back to
 * pending or to the dead letters through {@link RequestStates}. {@link #finish} then resubmits whatever the
 * provider did not answer at all.
 */
public final class ResultIngester {

    private static final Logger LOG = LoggerFactory.getLogger(ResultIngester.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final OutputWriter writer;
    private final RequestStates states;
    private final JobCompletion completion;
    private final PriceTable prices;
    private final SubmitRefusals refusals;
    private final RowCache cache;

    public ResultIngester(Jdbi jdbi, TaskRegistry tasks, OutputWriter writer, RequestStates states,
                          JobCompletion completion, PriceTable prices, SubmitRefusals refusals, RowCache cache) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.writer = writer;
        this.states = states;
        this.completion = completion;
        this.prices = prices;
        this.refusals = refusals;
        this.cache = cache;
    }

    /**
     * A chunk of result lines, in one transaction: each line's rows and its request's new state together. A line
     * whose request is already settled writes nothing, so a chunk written again (after a crash) changes nothing.
     */
    public void write(List<ResultLine> chunk, long batchId) {
        jdbi.useTransaction(h -> {
            for (ResultLine line : chunk) {
                CrashPoints.reached("mid-download");
                write(h, line, batchId);
            }
        });
    }

    /** Answers of realtime calls: submissions without a batch, priced at the realtime price. */
    public void writeRealtime(List<ResultLine> chunk) {
        jdbi.useTransaction(h -> {
            for (ResultLine line : chunk) {
                write(h, line, null);
            }
        });
    }

    private void write(Handle h, ResultLine line, Long batchId) {
        if (RequestRenderer.isGroupId(line.customId())) {
            writeGroup(h, line, batchId);
            return;
        }
        long[] id = RequestRenderer.parseCustomId(line.customId());
        if (id == null) {
            LOG.warn("Batch {}: ignoring a result line with a custom id we did not make: {}", batchId, line.customId());
            return;
        }
        // only a submission made in this very batch: a batch adopted by mistake after a crash (or another
        // installation's custom ids) must never answer requests it was not sent
        var r = h.createQuery("SELECT r.task, r.template, r.provider, r.model, r.state, r.batch_id, i.payload::text "
                        + "FROM requests r JOIN items i ON i.id = r.item_id "
                        + "JOIN request_submissions s ON s.request_id = r.id AND s.submission = :submission "
                        + "AND s.batch_id IS NOT DISTINCT FROM :batch WHERE r.id = :id FOR UPDATE OF r")
                .bind("id", id[0]).bind("submission", (int) id[1]).bind("batch", batchId)
                .map((rs, ctx) -> new Request(id[0], rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getObject(6) == null ? 0 : rs.getLong(6), rs.getString(7)))
                .findOne().orElse(null);
        if (r == null) {
            LOG.debug("Batch {}: ignoring result line {}: not a request submitted in this batch", batchId,
                    line.customId());
            return;
        }
        if (r.state().equals("succeeded") || r.state().equals("dead")) {
            return; // already settled: a re-ingest
        }
        BigDecimal cost = batchId == null ? prices.realtimeCost(r.provider(), r.model(), line.usage())
                : prices.batchCost(r.provider(), r.model(), line.usage());
        h.createUpdate("UPDATE requests SET input_tokens = input_tokens + :in, output_tokens = output_tokens + :out, "
                        + "cost_usd = cost_usd + :cost WHERE id = :id")
                .bind("in", line.usage().inputTokens()).bind("out", line.usage().outputTokens()).bind("cost", cost)
                .bind("id", r.id()).execute();
        boolean current = batchId == null ? r.state().equals("pending")
                : r.state().equals("batched") && r.batchId() == batchId;
        if (line.outcome() == ResultLine.Outcome.SUCCEEDED) {
            succeeded(h, r, line, batchId, cost, current);
        } else if (current) {
            String reason = line.outcome().name().toLowerCase(java.util.Locale.ROOT) + ": " + line.error();
            switch (line.failure()) {
                case TRANSIENT -> states.retryTransient(h, r.id(), reason);
                case INVALID_REQUEST -> states.deadLetter(h, r.id(), "rejected by the provider as invalid: "
                        + line.error(), line.raw().toString());
                case REQUEST -> states.retryOwnFailure(h, r.id(), reason, line.raw().toString());
            }
        }
    }

    /**
     * A micro-batch's line: split into one line per item of the group ({@link GroupAnswers}), each written as the
     * line of a request sent alone; the items it missed or broke are sent alone from now on.
     */
    private void writeGroup(Handle h, ResultLine line, Long batchId) {
        List<GroupItem> items = h.createQuery("SELECT s.request_id, s.submission, r.task, r.template "
                        + "FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                        + "WHERE s.group_id = :g AND s.batch_id IS NOT DISTINCT FROM :batch ORDER BY s.request_id")
                .bind("g", line.customId()).bind("batch", batchId)
                .map((rs, ctx) -> new GroupItem(new GroupAnswers.Member(rs.getLong(1), rs.getInt(2)), rs.getString(3),
                        rs.getString(4)))
                .list();
        if (items.isEmpty()) {
            LOG.debug("Batch {}: ignoring result line {}: not a micro-batch submitted in this batch", batchId,
                    line.customId());
            return;
        }
        TaskDefinition.RequestTemplate template = tasks.get(items.get(0).task()).request(items.get(0).template());
        List<GroupAnswers.Member> members = items.stream().map(GroupItem::member).toList();
        GroupAnswers.Split split = GroupAnswers.split(line, members, template);
        for (ResultLine itemLine : split.lines()) {
            write(h, itemLine, batchId);
        }
        states.sendAlone(h, split.alone());
    }

    private void succeeded(Handle h, Request r, ResultLine line, Long batchId, BigDecimal cost, boolean current) {
        TaskDefinition.RequestTemplate template = tasks.get(r.task()).request(r.template());
        JsonNode answer;
        try {
            answer = JSON.readTree(line.answer() == null ? "" : line.answer());
        } catch (java.io.IOException e) {
            answer = null;
        }
        List<String> problems = answer == null || answer.isMissingNode() ? List.of("the answer is not JSON")
                : template.answerSchema().problems(answer);
        if (!problems.isEmpty()) {
            if (current) {
                states.retryOwnFailure(h, r.id(), "answer does not match the schema: " + String.join("; ", problems),
                        line.raw().toString());
            }
            return;
        }
        String refused = writeRows(h, template, readStored(r.payload()), answer, r.id());
        if (refused != null) {
            // the answer passed the schema but the table refused it (a CHECK constraint, say): the request's problem
            if (current) {
                states.retryOwnFailure(h, r.id(), "answer could not be stored: " + refused, line.raw().toString());
            }
            return;
        }
        CrashPoints.reached("mid-ingest");
        settle(h, r.id(), batchId, line.raw().toString(), answer, line.usage(), cost, null);
        cache.remember(h, r.id(), r.task(), r.template(), r.provider(), r.model(), answer, batchId);
    }

    /**
     * A request answered from the row cache, at intake, in its transaction: written as a provider's answer would be
     * (validated, its rows, its result, succeeded), with no usage and no cost, its result naming the request whose
     * answer it reuses. False when the answer no longer fits the task's schema or tables: the request then goes to
     * the provider.
     */
    public boolean writeCacheHit(Handle h, RowCache.Hit hit) {
        TaskDefinition.RequestTemplate template = tasks.get(hit.task()).request(hit.template());
        if (!template.answerSchema().problems(hit.answer()).isEmpty()
                || writeRows(h, template, hit.item(), hit.answer(), hit.requestId()) != null) {
            return false;
        }
        settle(h, hit.requestId(), null, JSON.createObjectNode().put("cached_from", hit.sourceRequestId()).toString(),
                hit.answer(), ResultLine.Usage.NONE, BigDecimal.ZERO, hit.sourceRequestId());
        return true;
    }

    /** The answer's task rows, in a savepoint: null when written, else why the tables refused them. */
    private String writeRows(Handle h, TaskDefinition.RequestTemplate template, JsonNode item, JsonNode answer,
                             long requestId) {
        try {
            h.execute("SAVEPOINT output");
            writer.write(h, template, item, answer, requestId);
            h.execute("RELEASE SAVEPOINT output");
            return null;
        } catch (RuntimeException | java.sql.SQLException e) {
            h.execute("ROLLBACK TO SAVEPOINT output");
            return rootMessage(e);
        }
    }

    /** The request's one result, and its state succeeded. */
    private static void settle(Handle h, long requestId, Long batchId, String response, JsonNode answer,
                               ResultLine.Usage usage, BigDecimal cost, Long cachedFrom) {
        h.createUpdate("INSERT INTO results (request_id, batch_id, response, answer, input_tokens, output_tokens, "
                        + "cached_tokens, cost_usd, cached_from) VALUES (:id, :batch, CAST(:response AS jsonb), "
                        + "CAST(:answer AS jsonb), :in, :out, :cached, :cost, :from) ON CONFLICT (request_id) DO NOTHING")
                .bind("id", requestId).bind("batch", batchId).bind("response", response)
                .bind("answer", answer.toString()).bind("in", usage.inputTokens())
                .bind("out", usage.outputTokens()).bind("cached", usage.cachedInputTokens())
                .bind("cost", cost).bind("from", cachedFrom).execute();
        h.createUpdate("UPDATE requests SET state = 'succeeded', batch_id = :batch, last_error = NULL, updated_at = now() "
                + "WHERE id = :id").bind("batch", batchId).bind("id", requestId).execute();
    }

    /**
     * After the last line: the model's quota state learns from it (its tokens were released when the provider
     * finished it, {@link PollRecords#finished}), requests the provider did not answer go back to wait (a batch refused for quota, see {@link SubmitRefusals}, or lines missing
     * from the output), the batch is done, and finished jobs are closed.
     */
    public void finish(long batchId) {
        jdbi.useTransaction(h -> {
            String error = h.createQuery("SELECT coalesce(error, '') FROM batches WHERE id = :id")
                    .bind("id", batchId).mapTo(String.class).one();
            List<Long> unanswered = h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                    .bind("b", batchId).mapTo(Long.class).list();
            Batches.releaseQuota(h, batchId); // a no-op but for a batch left finished by a version that released here
            EnqueuedQuotas.finished(h, batchId, h.createQuery("SELECT count(*) > 0 FROM results WHERE batch_id = :b")
                    .bind("b", batchId).mapTo(Boolean.class).one());
            // the poller records a failed batch's error as "<code>: <message>"
            if (ProviderException.isQuotaCode(error.split(":", 2)[0])) {
                refusals.quotaRefused(h, batchId, error, Optional.empty(), true);
            } else {
                for (Long id : unanswered) {
                    states.retryTransient(h, id, error.isEmpty() ? "no result line for this request" : "batch failed: " + error);
                }
            }
            h.createUpdate("UPDATE batches SET state = 'ingested', ingested_at = now(), lease_owner = NULL, "
                    + "lease_until = NULL WHERE id = :id").bind("id", batchId).execute();
            completion.complete(h);
            if (!unanswered.isEmpty()) {
                LOG.info("Batch {}: {} request(s) without a result go back to wait", batchId, unanswered.size());
            }
        });
    }

    private static JsonNode readStored(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("stored item is not JSON", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private record GroupItem(GroupAnswers.Member member, String task, String template) {
    }

    private record Request(long id, String task, String template, String provider, String model, String state,
                           long batchId, String payload) {
    }
}
