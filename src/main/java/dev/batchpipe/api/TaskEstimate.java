package dev.batchpipe.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.intake.InputRecord;
import dev.batchpipe.intake.RecordReader;
import dev.batchpipe.intake.RequestFactory;
import dev.batchpipe.pipeline.BatchLimits;
import dev.batchpipe.provider.ProviderLimits;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.task.TaskDefinition;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * What a job would cost and take before it is sent: for a file (every record rendered and its tokens counted the
 * way packing counts them, {@link RequestFactory#estimate}) or for a number of items (this task's past requests,
 * averaged). Per request template: requests, tokens, the batches the provider limits make of them, the waves the
 * enqueued-token quota allows at once, the cost at the batch and at the realtime price, and the expected makespan
 * (waves × the provider's usual turnaround here, or its 24 h completion window when there is no history).
 */
public final class TaskEstimate {

    /** Providers promise a batch within 24 hours; without a history here that is the expected turnaround. */
    static final Duration COMPLETION_WINDOW = Duration.ofHours(24);
    /** The JSON a batch line wraps around its prompts (ids, model, parameters), in bytes, roughly. */
    static final int LINE_OVERHEAD_BYTES = 400;

    /**
     * One request template's share. {@code output_basis}: history (this task's past answers, averaged) or
     * max_output_tokens (the template's bound: an upper estimate). {@code makespan_basis}: history (the median
     * turnaround of this provider and model's batches here) or completion_window.
     */
    public record Group(String template, String provider, String model, long requests, long inputTokens,
                        long outputTokens, String outputBasis, long batches, long enqueuedTokenQuota, long waves,
                        BigDecimal costUsd, BigDecimal realtimeCostUsd, boolean priced, long makespanSeconds,
                        String makespanBasis) {
    }

    /**
     * The estimate. {@code basis}: file (the records counted) or count (items × this task's average request; a task
     * with no history counts its prompts without the item text, and says so in {@code input_basis}).
     */
    public record Estimate(String task, String basis, String inputBasis, long items, long rejectedLines,
                           long requests, long inputTokens, long outputTokens, long batches, long waves,
                           BigDecimal costUsd, BigDecimal realtimeCostUsd, BigDecimal savingsUsd,
                           long expectedMakespanSeconds, List<Group> groups) {
    }

    private final RequestFactory requests;
    private final BatchLimits limits;
    private final PriceTable prices;
    private final Jdbi jdbi;
    private final int maxRecordBytes;

    public TaskEstimate(RequestFactory requests, BatchLimits limits, PriceTable prices, Jdbi jdbi, int maxRecordBytes) {
        this.requests = requests;
        this.limits = limits;
        this.prices = prices;
        this.jdbi = jdbi;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** Every record of {@code file} (JSON Lines, a JSON array or CSV); lines the task would reject are counted apart. */
    public Estimate ofFile(TaskDefinition task, String provider, String model, Path file) throws IOException {
        List<Tally> tallies = tallies(task, provider, model);
        long items = 0;
        long rejected = 0;
        try (RecordReader reader = RecordReader.open(file, maxRecordBytes)) {
            while (reader.hasNext()) {
                InputRecord record = reader.next();
                if (!(record instanceof InputRecord.Parsed parsed) || !task.inputSchema().problems(parsed.value()).isEmpty()) {
                    rejected++;
                    continue;
                }
                items++;
                for (Tally t : tallies) {
                    t.add(parsed.value(), 1);
                }
            }
        }
        return estimate(task, "file", "file", items, rejected, tallies);
    }

    /** {@code count} items like this task's past ones. */
    public Estimate ofCount(TaskDefinition task, String provider, String model, long count) {
        if (count < 1) {
            throw new ApiProblem(400, "count must be at least 1");
        }
        List<Tally> tallies = tallies(task, provider, model);
        boolean history = true;
        for (Tally t : tallies) {
            Optional<Double> past = average("SELECT avg(estimated_tokens) FROM requests WHERE task = :task "
                    + "AND template = :template AND model = :model", t);
            if (past.isPresent()) {
                t.addTokens((long) Math.ceil(past.get()), count);
            } else {
                history = false;
                t.add(JsonNodeFactory.instance.objectNode(), count);
            }
        }
        return estimate(task, "count", history ? "history" : "prompts only (no history: item text not counted)", count,
                0, tallies);
    }

    private Estimate estimate(TaskDefinition task, String basis, String inputBasis, long items, long rejected,
                              List<Tally> tallies) {
        List<Group> groups = tallies.stream().map(this::group).toList();
        BigDecimal cost = groups.stream().map(Group::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal realtime = groups.stream().map(Group::realtimeCostUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new Estimate(task.name(), basis, inputBasis, items, rejected,
                groups.stream().mapToLong(Group::requests).sum(), groups.stream().mapToLong(Group::inputTokens).sum(),
                groups.stream().mapToLong(Group::outputTokens).sum(), groups.stream().mapToLong(Group::batches).sum(),
                groups.stream().mapToLong(Group::waves).max().orElse(0), cost, realtime, realtime.subtract(cost),
                groups.stream().mapToLong(Group::makespanSeconds).max().orElse(0), groups);
    }

    private Group group(Tally t) {
        Optional<Double> pastOutput = average("SELECT avg(s.output_tokens) FROM results s JOIN requests r "
                + "ON r.id = s.request_id WHERE r.task = :task AND r.template = :template AND r.model = :model "
                + "AND r.state = 'succeeded'", t);
        long outputPerRequest = pastOutput.map(o -> (long) Math.ceil(o)).orElse((long) t.template.maxOutputTokens());
        long output = outputPerRequest * t.requests;
        ProviderLimits l = limits.of(t.provider);
        long quota = l.enqueuedTokens(t.model);
        long waves = t.requests == 0 ? 0 : quota > 0 ? ceil(t.inputTokens, quota) : 1;
        long batches = t.requests == 0 ? 0 : Math.max(waves, Math.max(ceil(t.requests, l.maxRequests()),
                ceil(t.bytes, l.maxBytes())));
        BigDecimal cost = cost(t.provider, t.model, t.inputTokens, output);
        Optional<Double> turnaround = jdbi.withHandle(h -> h.createQuery("SELECT percentile_cont(0.5) WITHIN GROUP "
                        + "(ORDER BY extract(epoch FROM finished_at - submitted_at)) FROM batches WHERE provider = :provider "
                        + "AND model = :model AND state = 'ingested' AND submitted_at IS NOT NULL AND finished_at IS NOT NULL")
                .bind("provider", t.provider).bind("model", t.model).mapTo(Double.class).findOne());
        long perWave = turnaround.map(s -> (long) Math.ceil(s)).orElse(COMPLETION_WINDOW.toSeconds());
        return new Group(t.template.name(), t.provider, t.model, t.requests, t.inputTokens, output,
                pastOutput.isPresent() ? "history" : "max_output_tokens", batches, quota, waves, cost,
                prices.realtimeEquivalent(cost), prices.priced(t.provider, t.model), waves * perWave,
                turnaround.isPresent() ? "history" : "completion_window");
    }

    /** Batch cost of the tokens, priced a billion at a time so no count overflows a line's usage. */
    private BigDecimal cost(String provider, String model, long input, long output) {
        BigDecimal cost = BigDecimal.ZERO;
        long step = Integer.MAX_VALUE / 2;
        while (input > 0 || output > 0) {
            int in = (int) Math.min(input, step);
            int out = (int) Math.min(output, step);
            cost = cost.add(prices.batchCost(provider, model, new ResultLine.Usage(in, out, 0)));
            input -= in;
            output -= out;
        }
        return cost;
    }

    private Optional<Double> average(String sql, Tally t) {
        return jdbi.withHandle(h -> h.createQuery(sql).bind("task", t.task).bind("template", t.template.name())
                .bind("model", t.model).mapTo(Double.class).findOne());
    }

    private List<Tally> tallies(TaskDefinition task, String provider, String model) {
        List<Tally> tallies = new ArrayList<>();
        for (TaskDefinition.RequestTemplate t : task.requests()) {
            tallies.add(new Tally(task.name(), t, RequestFactory.provider(t, provider), requests.model(t, provider, model)));
        }
        return tallies;
    }

    /** a / b rounded up; a limit of 0 (not enforced) makes one. */
    private static long ceil(long a, long b) {
        return b <= 0 ? 1 : (a + b - 1) / b;
    }

    /** The requests of one template counted so far. */
    private final class Tally {
        final String task;
        final TaskDefinition.RequestTemplate template;
        final String provider;
        final String model;
        long requests;
        long inputTokens;
        long bytes;

        Tally(String task, TaskDefinition.RequestTemplate template, String provider, String model) {
            this.task = task;
            this.template = template;
            this.provider = provider;
            this.model = model;
        }

        void add(JsonNode item, long times) {
            int tokens = requests(item);
            long size = template.system().render(item).length() + template.user().render(item).length()
                    + LINE_OVERHEAD_BYTES;
            requests += times;
            inputTokens += tokens * times;
            bytes += size * times;
        }

        void addTokens(long tokensPerRequest, long times) {
            requests += times;
            inputTokens += tokensPerRequest * times;
            // about four bytes of text per token
            bytes += (tokensPerRequest * 4 + LINE_OVERHEAD_BYTES) * times;
        }

        private int requests(JsonNode item) {
            return TaskEstimate.this.requests.estimate(task, template, provider, model, item);
        }
    }
}
