package dev.batchpipe.api;

import dev.batchpipe.cost.PriceTable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * What was processed and what it cost, per day, task, provider or model: items, requests, tokens, the cost at the
 * batch price, what the same calls would have cost at the realtime price, the savings, the success rate and the open
 * dead letters. The input tokens the providers read from their prompt caches (priced at the cached rate) and the
 * requests the row cache answered (no call, no cost) show beside them. Requests count in the period they were created in. As JSON, or as a Markdown table.
 */
public final class CostReport {

    public enum Group { DAY, TASK, PROVIDER, MODEL }

    /**
     * One group's line. {@code success_rate}: succeeded / (succeeded + dead), null while none is final;
     * {@code savings_usd}: realtime cost − cost (a realtime-mode request saves nothing); {@code cached_input_tokens}:
     * of the input tokens, those read from a provider's prompt cache; {@code cache_hits}: requests answered from the
     * row cache.
     */
    public record Row(String key, long items, long requests, long succeeded, long dead, long cancelled,
                      long inputTokens, long cachedInputTokens, long cacheHits, long outputTokens, BigDecimal costUsd,
                      BigDecimal realtimeCostUsd,
                      BigDecimal savingsUsd, Double successRate, long deadLetters) {
    }

    public record Report(String group, Instant since, Instant until, List<Row> rows, Row total) {
    }

    /** What batching saved, in total and per provider. {@code savings_percent}: of the realtime cost. */
    public record Savings(Instant since, Instant until, BigDecimal costUsd, BigDecimal realtimeCostUsd,
                          BigDecimal savingsUsd, BigDecimal savingsPercent, List<Row> byProvider) {
    }

    private static final Map<Group, String> KEYS = Map.of(
            Group.DAY, "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            Group.TASK, "r.task",
            Group.PROVIDER, "r.provider",
            Group.MODEL, "r.provider || '/' || r.model");

    private final Jdbi jdbi;
    private final PriceTable prices;

    public CostReport(Jdbi jdbi, PriceTable prices) {
        this.jdbi = jdbi;
        this.prices = prices;
    }

    public static Group group(String group) {
        if (group == null || group.isBlank()) {
            return Group.DAY;
        }
        try {
            return Group.valueOf(group.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiProblem(400, "group must be day, task, provider or model");
        }
    }

    /** GET /api/reports (query parameters as given). */
    public Report report(String group, String since, String until) {
        return of(group(group), ApiReads.instant("since", since), ApiReads.instant("until", until));
    }

    /** GET /api/reports/savings. */
    public Savings savings(String since, String until) {
        return savingsOf(ApiReads.instant("since", since), ApiReads.instant("until", until));
    }

    /** A report format other than json or md is refused (md is answered by the route). */
    public static void checkFormat(String format) {
        if (format != null && !format.isBlank() && !format.equals("json") && !format.equals("md")) {
            throw new ApiProblem(400, "format must be json or md");
        }
    }

    /** The report of requests created from {@code since} (inclusive) to {@code until} (exclusive); null: no bound. */
    public Report of(Group group, Instant since, Instant until) {
        List<Row> rows = rows(KEYS.get(group), since, until);
        List<Row> total = rows("'total'", since, until);
        return new Report(group.name().toLowerCase(Locale.ROOT), since, until, rows,
                total.isEmpty() ? row("total", 0, 0, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0) : total.get(0));
    }

    public Savings savingsOf(Instant since, Instant until) {
        Row total = of(Group.PROVIDER, since, until).total();
        BigDecimal percent = total.realtimeCostUsd().signum() == 0 ? BigDecimal.ZERO
                : total.savingsUsd().multiply(BigDecimal.valueOf(100)).divide(total.realtimeCostUsd(), 2,
                RoundingMode.HALF_UP);
        return new Savings(since, until, total.costUsd(), total.realtimeCostUsd(), total.savingsUsd(), percent,
                rows(KEYS.get(Group.PROVIDER), since, until));
    }

    /** The report as a Markdown table, with a total line. */
    public static String markdown(Report r) {
        StringBuilder md = new StringBuilder("# batchpipe report by ").append(r.group()).append("\n\n");
        md.append("Requests created ").append(r.since() == null ? "from the start" : "from " + r.since())
                .append(r.until() == null ? " until now" : " until " + r.until()).append(".\n\n");
        md.append("| ").append(r.group()).append(" | items | requests | input tokens | cached input tokens "
                + "| row cache hits | output tokens | cost (USD) | realtime cost (USD) | savings (USD) | success rate "
                + "| dead letters |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row row : r.rows()) {
            line(md, row.key(), row);
        }
        line(md, "**total**", r.total());
        return md.toString();
    }

    private static void line(StringBuilder md, String key, Row row) {
        md.append("| ").append(key).append(" | ").append(row.items()).append(" | ").append(row.requests()).append(" | ")
                .append(row.inputTokens()).append(" | ").append(row.cachedInputTokens()).append(" | ")
                .append(row.cacheHits()).append(" | ").append(row.outputTokens()).append(" | ")
                .append(money(row.costUsd())).append(" | ").append(money(row.realtimeCostUsd())).append(" | ")
                .append(money(row.savingsUsd())).append(" | ")
                .append(row.successRate() == null ? "–" : String.format(Locale.ROOT, "%.1f%%", row.successRate() * 100))
                .append(" | ").append(row.deadLetters()).append(" |\n");
    }

    private static String money(BigDecimal usd) {
        return usd.setScale(4, RoundingMode.HALF_UP).toPlainString();
    }

    private List<Row> rows(String key, Instant since, Instant until) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + key + " AS key, count(DISTINCT r.item_id), count(*), "
                        + "count(*) FILTER (WHERE r.state = 'succeeded'), count(*) FILTER (WHERE r.state = 'dead'), "
                        + "count(*) FILTER (WHERE r.state = 'cancelled'), coalesce(sum(r.input_tokens), 0), "
                        + "coalesce(sum(s.cached_tokens), 0), count(s.cached_from), coalesce(sum(r.output_tokens), 0), "
                        + "coalesce(sum(r.cost_usd) FILTER (WHERE j.mode <> 'realtime'), 0), "
                        + "coalesce(sum(r.cost_usd) FILTER (WHERE j.mode = 'realtime'), 0), count(d.id) "
                        + "FROM requests r JOIN jobs j ON j.id = r.job_id "
                        + "LEFT JOIN dead_letters d ON d.request_id = r.id AND d.replayed_at IS NULL "
                        + "LEFT JOIN results s ON s.request_id = r.id "
                        + "WHERE (CAST(:since AS timestamptz) IS NULL OR r.created_at >= :since) "
                        + "AND (CAST(:until AS timestamptz) IS NULL OR r.created_at < :until) "
                        + "GROUP BY 1 ORDER BY 1")
                .bind("since", since == null ? null : java.sql.Timestamp.from(since))
                .bind("until", until == null ? null : java.sql.Timestamp.from(until))
                .map((rs, ctx) -> row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10),
                        rs.getBigDecimal(11), rs.getBigDecimal(12), rs.getLong(13)))
                .list());
    }

    private Row row(String key, long items, long requests, long succeeded, long dead, long cancelled, long input,
                    long cachedInput, long cacheHits, long output, BigDecimal batchModeCost, BigDecimal realtimeModeCost,
                    long deadLetters) {
        BigDecimal cost = batchModeCost.add(realtimeModeCost);
        BigDecimal realtime = prices.realtimeEquivalent(batchModeCost).add(realtimeModeCost);
        return new Row(key, items, requests, succeeded, dead, cancelled, input, cachedInput, cacheHits, output, cost,
                realtime,
                realtime.subtract(cost), succeeded + dead == 0 ? null : (double) succeeded / (succeeded + dead),
                deadLetters);
    }
}
