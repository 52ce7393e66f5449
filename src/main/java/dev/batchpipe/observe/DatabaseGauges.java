package dev.batchpipe.observe;

import dev.batchpipe.cost.PriceTable;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * The gauges whose truth is in PostgreSQL, so every instance on one database shows the same values: requests by state,
 * task, provider and model; their tokens and cost (at the batch price, and its realtime equivalent); batches by state;
 * the pending queue; the enqueued tokens the quota ledger holds; and the lag from a batch finishing at its provider to
 * its results being ingested. {@link #refresh} reads them all (the route metrics-refresh calls it on a timer); a
 * scrape reads the last values.
 */
public final class DatabaseGauges {

    private final Jdbi jdbi;
    private final PriceTable prices;
    private final MultiGauge requests;
    private final MultiGauge inputTokens;
    private final MultiGauge outputTokens;
    private final MultiGauge cost;
    private final MultiGauge realtimeCost;
    private final MultiGauge pending;
    private final MultiGauge batches;
    private final MultiGauge enqueuedTokens;
    private volatile IngestLag lag = new IngestLag(0, 0);

    /** Batches ingested, and their finished → ingested seconds summed. */
    private record IngestLag(long batches, double seconds) {
    }

    public DatabaseGauges(Jdbi jdbi, PriceTable prices, MeterRegistry registry) {
        this.jdbi = jdbi;
        this.prices = prices;
        requests = gauge(registry, "batchpipe.requests",
                "Requests by state, task, provider and model");
        inputTokens = gauge(registry, "batchpipe.input.tokens",
                "Input tokens the providers billed, by task, provider and model");
        outputTokens = gauge(registry, "batchpipe.output.tokens",
                "Output tokens the providers billed, by task, provider and model");
        cost = gauge(registry, "batchpipe.cost.usd",
                "Cost in USD at the batch price, by task, provider and model");
        realtimeCost = gauge(registry, "batchpipe.realtime.cost.usd",
                "What the same calls would have cost at the realtime price, in USD");
        pending = gauge(registry, "batchpipe.pending.requests",
                "Requests waiting to be packed (the pending queue), by provider and model");
        batches = gauge(registry, "batchpipe.batches",
                "Provider batches by state and provider");
        enqueuedTokens = gauge(registry, "batchpipe.enqueued.tokens",
                "Enqueued-token quota in use (reserved by unfinished batches), by provider and model");
        FunctionTimer.builder("batchpipe.ingest.lag", this, g -> g.lag.batches(), g -> g.lag.seconds(), TimeUnit.SECONDS)
                .description("From a batch finishing at its provider to its results being ingested").register(registry);
    }

    /** Reads every gauge from the database. */
    public void refresh() {
        jdbi.useHandle(h -> {
            List<MultiGauge.Row<?>> byState = new ArrayList<>();
            Map<Tags, long[]> tokens = new HashMap<>();
            Map<Tags, BigDecimal> costs = new HashMap<>();
            Map<Tags, Long> queued = new HashMap<>();
            h.createQuery("""
                            SELECT task, provider, model, state, count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd)
                            FROM requests GROUP BY 1, 2, 3, 4""")
                    .map((rs, ctx) -> {
                        Tags call = Tags.of("task", rs.getString(1), "provider", rs.getString(2), "model", rs.getString(3));
                        byState.add(MultiGauge.Row.of(call.and("state", rs.getString(4)), rs.getLong(5)));
                        long[] t = tokens.computeIfAbsent(call, k -> new long[2]);
                        t[0] += rs.getLong(6);
                        t[1] += rs.getLong(7);
                        costs.merge(call, rs.getBigDecimal(8), BigDecimal::add);
                        if (rs.getString(4).equals("pending")) {
                            queued.merge(Tags.of("provider", rs.getString(2), "model", rs.getString(3)), rs.getLong(5),
                                    Long::sum);
                        }
                        return call;
                    }).list();
            requests.register(byState, true);
            inputTokens.register(rows(tokens, t -> t[0]), true);
            outputTokens.register(rows(tokens, t -> t[1]), true);
            cost.register(rows(costs, BigDecimal::doubleValue), true);
            realtimeCost.register(rows(costs, c -> prices.realtimeEquivalent(c).doubleValue()), true);
            pending.register(rows(queued, q -> q), true);
            batches.register(h.createQuery("SELECT state, provider, count(*) FROM batches GROUP BY 1, 2")
                    .map((rs, ctx) -> MultiGauge.Row.of(Tags.of("state", rs.getString(1), "provider", rs.getString(2)),
                            rs.getLong(3)))
                    .list(), true);
            enqueuedTokens.register(h.createQuery("""
                            SELECT provider, model, sum(tokens) FROM quota_ledger WHERE released_at IS NULL GROUP BY 1, 2""")
                    .map((rs, ctx) -> MultiGauge.Row.of(Tags.of("provider", rs.getString(1), "model", rs.getString(2)),
                            rs.getLong(3)))
                    .list(), true);
            lag = h.createQuery("""
                            SELECT count(*), coalesce(sum(extract(epoch FROM ingested_at - finished_at)), 0) FROM batches
                            WHERE ingested_at IS NOT NULL AND finished_at IS NOT NULL""")
                    .map((rs, ctx) -> new IngestLag(rs.getLong(1), rs.getDouble(2))).one();
        });
    }

    private static MultiGauge gauge(MeterRegistry registry, String name, String description) {
        return MultiGauge.builder(name).description(description).register(registry);
    }

    private static <T> List<MultiGauge.Row<?>> rows(Map<Tags, T> values, java.util.function.Function<T, Number> value) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        values.forEach((tags, v) -> rows.add(MultiGauge.Row.of(tags, value.apply(v))));
        return rows;
    }
}
