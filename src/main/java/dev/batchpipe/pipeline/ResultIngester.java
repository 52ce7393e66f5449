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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;
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
        jdbi.useTransaction(h -> writeChunk(h, chunk, batchId));
    }

    /**
     * Answers of realtime calls, each recorded in realtime_answers first: submissions without a batch, priced at the
     * realtime price; a recorded answer already written is not written again.
     */
    public void writeRealtime(List<ResultLine> chunk) {
        jdbi.useTransaction(h -> writeChunk(h, chunk, null));
    }

    /**
     * The chunk's requests are read and locked in one query; valid answers to requests not yet settled are written
     * together (their output rows, results and request states in a few multi-row statements, see {@link #writeAnswers});
     * every other line (a failure, an answer that fails the schema, a request answered twice in the chunk) goes one by
     * one through {@link #write(Handle, ResultLine, Long)}, as does every line when a table refuses the chunk's rows.
     */
    private void writeChunk(Handle h, List<ResultLine> chunk, Long batchId) {
        Map<Long, Request> requests = lockRequests(h, chunk, batchId);
        Map<Long, Integer> answersPerRequest = new HashMap<>();
        for (ResultLine line : chunk) {
            long[] id = RequestRenderer.parseCustomId(line.customId());
            if (id != null) {
                answersPerRequest.merge(id[0], 1, Integer::sum);
            }
        }
        List<Answer> answers = new ArrayList<>();
        List<ResultLine> oneByOne = new ArrayList<>();
        for (ResultLine line : chunk) {
            CrashPoints.reached("mid-download");
            long[] id = RequestRenderer.parseCustomId(line.customId());
            Request r = id == null ? null : requests.get(id[0]);
            if (r != null && r.submission() != (int) id[1]) {
                r = null;
            }
            Answer answer = r == null || line.outcome() != ResultLine.Outcome.SUCCEEDED
                    || answersPerRequest.get(id[0]) > 1 ? null : validAnswer(r, line, batchId);
            if (answer != null) {
                answers.add(answer);
            } else if (r == null || !r.settled()) {
                oneByOne.add(line);
            }
        }
        if (!answers.isEmpty()) {
            try {
                h.execute("SAVEPOINT answers");
                writeAnswers(h, answers, batchId);
                h.execute("RELEASE SAVEPOINT answers");
            } catch (RuntimeException | java.sql.SQLException e) {
                // a table refused a row (a CHECK constraint, say): line by line, so that only its request fails
                h.execute("ROLLBACK TO SAVEPOINT answers");
                LOG.debug("Batch {}: writing {} answers together failed ({}), writing them one by one", batchId,
                        answers.size(), rootMessage(e));
                answers.forEach(a -> oneByOne.add(a.line()));
            }
        }
        for (ResultLine line : oneByOne) {
            write(h, line, batchId);
        }
    }

    /** The chunk's requests submitted in this very batch (or realtime, without one), locked in id order. */
    private static Map<Long, Request> lockRequests(Handle h, List<ResultLine> chunk, Long batchId) {
        List<Long> ids = new ArrayList<>();
        List<Integer> submissions = new ArrayList<>();
        for (ResultLine line : chunk) {
            long[] id = RequestRenderer.parseCustomId(line.customId());
            if (id != null) {
                ids.add(id[0]);
                submissions.add((int) id[1]);
            }
        }
        Map<Long, Request> requests = new HashMap<>();
        if (ids.isEmpty()) {
            return requests;
        }
        inBatch(h.createQuery("SELECT r.id, r.task, r.template, r.provider, r.model, r.state, r.batch_id, i.payload::text, "
                        + "s.submission FROM requests r JOIN items i ON i.id = r.item_id "
                        + "JOIN request_submissions s ON s.request_id = r.id AND " + submittedIn(batchId) + " "
                        + "JOIN (SELECT DISTINCT * FROM unnest(:ids, :submissions)) c(id, submission) "
                        + "ON c.id = r.id AND c.submission = s.submission ORDER BY r.id FOR UPDATE OF r"), batchId)
                .bindArray("ids", Long.class, ids).bindArray("submissions", Integer.class, submissions)
                .map((rs, ctx) -> new Request(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getObject(7) == null ? 0 : rs.getLong(7), rs.getString(8),
                        rs.getInt(9)))
                .forEach(r -> requests.put(r.id(), r));
        return requests;
    }

    /**
     * The submission {@code s} was carried by this batch, or by no batch (a realtime call): two plain conditions, as
     * {@code IS NOT DISTINCT FROM} would compare every submission rather than the chunk's few.
     */
    private static String submittedIn(Long batchId) {
        return batchId == null ? "s.batch_id IS NULL" : "s.batch_id = :batch";
    }

    /** The statement with {@code :batch} bound where {@link #submittedIn} names it. */
    private static <T extends SqlStatement<T>> T inBatch(T statement, Long batchId) {
        return batchId == null ? statement : statement.bind("batch", batchId);
    }

    /** The line's answer, parsed and valid against its template's schema, for a request not yet settled; else null. */
    private Answer validAnswer(Request r, ResultLine line, Long batchId) {
        if (r.settled()) {
            return null;
        }
        TaskDefinition.RequestTemplate template = tasks.get(r.task()).request(r.template());
        JsonNode answer = parse(line.answer());
        if (answer == null || !template.answerSchema().problems(answer).isEmpty()) {
            return null;
        }
        BigDecimal cost = batchId == null ? prices.realtimeCost(r.provider(), r.model(), line.usage())
                : prices.batchCost(r.provider(), r.model(), line.usage());
        return new Answer(r, line, template, answer, cost);
    }

    /**
     * Valid answers together: their output rows ({@link OutputWriter#writeAll}), one insert of their results and one
     * update settling their requests, each a statement over arrays of the chunk's values.
     */
    private void writeAnswers(Handle h, List<Answer> answers, Long batchId) throws java.sql.SQLException {
        List<OutputWriter.Answer> outputs = new ArrayList<>();
        for (Answer a : answers) {
            outputs.add(new OutputWriter.Answer(a.template(), readStored(a.request().payload()), a.answer(),
                    a.request().id()));
        }
        writer.writeAll(h, outputs);
        CrashPoints.reached("mid-ingest-chunk");
        int n = answers.size();
        Long[] ids = new Long[n];
        String[] responses = new String[n];
        String[] answerTexts = new String[n];
        Integer[] in = new Integer[n];
        Integer[] out = new Integer[n];
        Integer[] cached = new Integer[n];
        String[] costs = new String[n];
        for (int i = 0; i < n; i++) {
            Answer a = answers.get(i);
            ids[i] = a.request().id();
            responses[i] = a.line().raw().toString();
            answerTexts[i] = a.answer().toString();
            in[i] = a.line().usage().inputTokens();
            out[i] = a.line().usage().outputTokens();
            cached[i] = a.line().usage().cachedInputTokens();
            costs[i] = a.cost().toPlainString();
        }
        h.createUpdate("INSERT INTO results (request_id, batch_id, response, answer, input_tokens, output_tokens, "
                        + "cached_tokens, cost_usd) SELECT u.id, :batch, CAST(u.response AS jsonb), CAST(u.answer AS jsonb), "
                        + "u.i, u.o, u.c, CAST(u.cost AS numeric) FROM unnest(:ids, :responses, :answers, :in, :out, "
                        + ":cached, :costs) AS u(id, response, answer, i, o, c, cost) ON CONFLICT (request_id) DO NOTHING")
                .bind("batch", batchId).bind("ids", ids).bind("responses", responses).bind("answers", answerTexts)
                .bind("in", in).bind("out", out).bind("cached", cached).bind("costs", costs).execute();
        h.createUpdate("UPDATE requests r SET input_tokens = r.input_tokens + u.i, output_tokens = r.output_tokens + u.o, "
                        + "cost_usd = r.cost_usd + CAST(u.cost AS numeric), state = 'succeeded', batch_id = :batch, "
                        + "last_error = NULL, updated_at = now() "
                        + "FROM unnest(:ids, :in, :out, :costs) AS u(id, i, o, cost) WHERE r.id = u.id")
                .bind("batch", batchId).bind("ids", ids).bind("in", in).bind("out", out).bind("costs", costs).execute();
        cache.rememberAll(h, answers.stream().map(a -> new RowCache.Answered(a.request().id(), a.request().task(),
                a.request().template(), a.request().provider(), a.request().model(), a.answer())).toList(), batchId);
        for (int i = 0; i < n; i++) {
            CrashPoints.reached("mid-ingest");
        }
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
        var r = inBatch(h.createQuery("SELECT r.task, r.template, r.provider, r.model, r.state, r.batch_id, i.payload::text "
                        + "FROM requests r JOIN items i ON i.id = r.item_id "
                        + "JOIN request_submissions s ON s.request_id = r.id AND s.submission = :submission "
                        + "AND " + submittedIn(batchId) + " WHERE r.id = :id FOR UPDATE OF r"), batchId)
                .bind("id", id[0]).bind("submission", (int) id[1])
                .map((rs, ctx) -> new Request(id[0], rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getObject(6) == null ? 0 : rs.getLong(6), rs.getString(7), (int) id[1]))
                .findOne().orElse(null);
        if (r == null) {
            LOG.debug("Batch {}: ignoring result line {}: not a request submitted in this batch", batchId,
                    line.customId());
            return;
        }
        if (r.state().equals("succeeded") || r.state().equals("dead")) {
            return; // already settled: a re-ingest
        }
        // a realtime answer is made use of once: should the request wait again, its next call is a new one (and a
        // micro-batch answer written by two of its items' claims after a crash counts once)
        if (batchId == null && h.createUpdate("UPDATE realtime_answers SET written = true WHERE request_id = :id "
                + "AND submission = :s AND NOT written").bind("id", r.id()).bind("s", (int) id[1]).execute() == 0) {
            return;
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
        List<GroupItem> items = inBatch(h.createQuery("SELECT s.request_id, s.submission, r.task, r.template "
                        + "FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                        + "WHERE s.group_id = :g AND " + submittedIn(batchId) + " ORDER BY s.request_id"), batchId)
                .bind("g", line.customId())
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
        JsonNode answer = parse(line.answer());
        List<String> problems = answer == null ? List.of("the answer is not JSON")
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
     * After the last line: the quota is released, unless the provider's finish did ({@link PollRecords#finished}), and
     * the model's quota state learns from the batch; requests the provider did not answer go back to wait (a batch refused for quota, see {@link SubmitRefusals}, or lines missing
     * from the output), the batch is done, and finished jobs are closed.
     */
    public void finish(long batchId) {
        jdbi.useTransaction(h -> {
            String error = h.createQuery("SELECT coalesce(error, '') FROM batches WHERE id = :id")
                    .bind("id", batchId).mapTo(String.class).one();
            List<Long> unanswered = h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                    .bind("b", batchId).mapTo(Long.class).list();
            // unless the provider's finish released them already (PollRecords.finished)
            if (Batches.releaseQuota(h, batchId)) {
                EnqueuedQuotas.released(h, batchId);
            }
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

    /** The answer as JSON, or null when it is none. */
    private static JsonNode parse(String answer) {
        try {
            JsonNode node = JSON.readTree(answer == null ? "" : answer);
            return node == null || node.isMissingNode() ? null : node;
        } catch (java.io.IOException e) {
            return null;
        }
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
                           long batchId, String payload, int submission) {
        boolean settled() {
            return state.equals("succeeded") || state.equals("dead");
        }
    }

    private record Answer(Request request, ResultLine line, TaskDefinition.RequestTemplate template, JsonNode answer,
                          BigDecimal cost) {
    }
}
