package dev.batchpipe.observe;

import dev.batchpipe.pipeline.DayBudgets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The alert rules, each with its thresholds from {@code batchpipe.alerts.*}: what is wrong now, as alerts keyed by the
 * event they are about (a task's window, a dead letter, a batch, a day's budget, a provider's window), so that
 * evaluating again finds the same keys and {@link RaisedAlerts} raises each event once.
 */
public final class AlertRules {

    /** The meter the provider-http route counts provider answers on (tags provider and status). */
    public static final String PROVIDER_RESPONSES = "batchpipe.provider.http.responses";

    /** {@code quotaHeld}: how long work may be held for a model's enqueued-token quota without progress. */
    public record Settings(double failureRate, Duration failureWindow, int failureMinRequests, Duration batchAge,
                           int providerErrors, Duration providerErrorWindow, Duration quotaHeld) {
    }

    /** An event a rule saw; {@code key} names it (the same event gives the same key on every evaluation). */
    public record Alert(String rule, String key, String severity, String subject, String message,
                        Map<String, Object> details) {
    }

    private final Jdbi jdbi;
    private final DayBudgets budgets;
    private final MeterRegistry meters;
    private final Settings settings;
    private final Clock clock;
    /** Per provider, this instance's error-answer totals at past evaluations within the window. */
    private final Map<String, List<Sample>> errorSamples = new HashMap<>();

    private record Sample(Instant at, double errors) {
    }

    public AlertRules(Jdbi jdbi, DayBudgets budgets, MeterRegistry meters, Settings settings, Clock clock) {
        this.jdbi = jdbi;
        this.budgets = budgets;
        this.meters = meters;
        this.settings = settings;
        this.clock = clock;
    }

    /** Every rule's alerts now. */
    public List<Alert> evaluate() {
        List<Alert> alerts = new ArrayList<>();
        jdbi.useHandle(h -> {
            alerts.addAll(failureRates(h));
            alerts.addAll(newDeadLetters(h));
            alerts.addAll(oldBatches(h));
            alerts.addAll(quotaHeld(h));
        });
        alerts.addAll(budgets());
        alerts.addAll(providerErrorBursts());
        return alerts;
    }

    /** A task whose finished requests in the window failed at the threshold rate or more; once per window. */
    private List<Alert> failureRates(Handle h) {
        Instant now = clock.instant();
        long window = settings.failureWindow().toSeconds();
        long bucket = now.getEpochSecond() / window;
        return h.createQuery("""
                        SELECT task, count(*) FILTER (WHERE state = 'dead'), count(*) FROM requests
                        WHERE state IN ('succeeded', 'dead') AND updated_at >= :since GROUP BY task""")
                .bind("since", now.minus(settings.failureWindow()))
                .map((rs, ctx) -> {
                    long dead = rs.getLong(2);
                    long finished = rs.getLong(3);
                    double rate = (double) dead / finished;
                    if (finished < settings.failureMinRequests() || rate < settings.failureRate()) {
                        return null;
                    }
                    String task = rs.getString(1);
                    return new Alert("failure_rate", "failure_rate:" + task + ":" + bucket, "critical", task,
                            String.format("%s: %.0f%% of the %d requests that finished in the last %s failed (threshold %.0f%%)",
                                    task, rate * 100, finished, human(settings.failureWindow()),
                                    settings.failureRate() * 100),
                            Map.of("dead", dead, "finished", finished, "rate", rate));
                }).list().stream().filter(a -> a != null).toList();
    }

    /** Dead letters after the last ones alerted of their task (still open), one alert per task and evaluation. */
    private List<Alert> newDeadLetters(Handle h) {
        return h.createQuery("""
                        SELECT d.task, count(*), min(d.id), max(d.id) FROM dead_letters d
                        WHERE d.replayed_at IS NULL
                          AND d.id > coalesce((SELECT max((a.details->>'last_id')::bigint) FROM alerts a
                                               WHERE a.rule = 'dead_letters' AND a.subject = d.task), 0)
                        GROUP BY d.task""")
                .map((rs, ctx) -> {
                    String task = rs.getString(1);
                    long n = rs.getLong(2);
                    return new Alert("dead_letters", "dead_letters:" + task + ":" + rs.getLong(4), "warning", task,
                            String.format("%s: %d new dead letter(s); see `batchpipe dead-letters --task %s`", task, n, task),
                            Map.of("count", n, "first_id", rs.getLong(3), "last_id", rs.getLong(4)));
                }).list();
    }

    /** A batch not yet ingested this long after it was submitted (or packed, if it never was). */
    private List<Alert> oldBatches(Handle h) {
        return h.createQuery("""
                        SELECT id, provider, model, state, coalesce(submitted_at, created_at) FROM batches
                        WHERE state IN ('packed', 'uploaded', 'creating', 'submitted', 'finished')
                          AND coalesce(submitted_at, created_at) < :before ORDER BY id""")
                .bind("before", clock.instant().minus(settings.batchAge()))
                .map((rs, ctx) -> {
                    long id = rs.getLong(1);
                    return new Alert("batch_age", "batch_age:" + id, "warning", "batch " + id,
                            String.format("batch %d (%s %s) is still %s more than %s after it started", id,
                                    rs.getString(2), rs.getString(3), rs.getString(4), human(settings.batchAge())),
                            Map.of("batch_id", id, "provider", rs.getString(2), "state", rs.getString(4),
                                    "since", rs.getTimestamp(5).toInstant().toString()));
                }).list();
    }

    /**
     * Requests held for a model's enqueued-token quota (the {@code quota_waits} view) this long with no batch of the
     * model finishing meanwhile; once per stall (the key carries the last progress, or the start of the hold).
     */
    private List<Alert> quotaHeld(Handle h) {
        return h.createQuery("""
                        SELECT provider, model, requests, our_tokens, provider_tokens, quota, quota_learned,
                               coalesce(greatest(last_progress_at, held_since), held_since) AS since
                        FROM quota_waits
                        WHERE held_since < :before AND (last_progress_at IS NULL OR last_progress_at < :before)
                        ORDER BY provider, model""")
                .bind("before", clock.instant().minus(settings.quotaHeld()))
                .map((rs, ctx) -> {
                    String subject = rs.getString(1) + " " + rs.getString(2);
                    Instant since = rs.getTimestamp(8).toInstant();
                    long quota = rs.getLong(6);
                    return new Alert("quota_held", "quota_held:" + subject.replace(' ', ':') + ":" + since.getEpochSecond(),
                            "warning", subject, String.format("%s: %,d request(s) held for the enqueued-token quota with no "
                                    + "batch finishing for more than %s (%,d tokens by our count, %,d as the provider "
                                    + "counts them; limit %s); see `batchpipe status`", subject, rs.getLong(3),
                                    human(settings.quotaHeld()), rs.getLong(4), rs.getLong(5),
                                    quota > 0 ? String.format("%,d%s", quota, rs.getBoolean(7) ? ", stated by the provider" : "")
                                            : "unknown"),
                            Map.of("provider", rs.getString(1), "model", rs.getString(2), "requests", rs.getLong(3),
                                    "our_tokens", rs.getLong(4), "provider_tokens", rs.getLong(5), "quota", quota,
                                    "since", since.toString()));
                }).list();
    }

    /** A day's budget at 80% and at 100%, once each per budget and day. */
    private List<Alert> budgets() {
        LocalDate today = budgets.today();
        List<Alert> alerts = new ArrayList<>();
        for (DayBudgets.Spend s : budgets.spend(today)) {
            String scope = s.scope().equals(DayBudgets.EVERYTHING) ? "all tasks" : s.scope();
            for (int level : new int[] {80, 100}) {
                if (s.share() * 100 >= level) {
                    alerts.add(new Alert("budget_" + level, "budget_" + level + ":" + s.scope() + ":" + today,
                            level == 100 ? "critical" : "warning", s.scope(),
                            String.format("%s: %s of the day's budget of $%s is committed ($%s)%s", scope, level + "%",
                                    s.budgetUsd().setScale(2, RoundingMode.HALF_UP),
                                    s.committedUsd().setScale(4, RoundingMode.HALF_UP),
                                    level == 100 ? "; packing holds the rest until tomorrow (UTC)" : ""),
                            Map.of("day", today.toString(), "budget_usd", s.budgetUsd(), "committed_usd", s.committedUsd())));
                }
            }
        }
        return alerts;
    }

    /**
     * A provider that answered this instance with errors (4xx, 5xx) at least the threshold number of times within the
     * window; once per provider and window.
     */
    private List<Alert> providerErrorBursts() {
        Instant now = clock.instant();
        Map<String, Double> totals = new HashMap<>();
        for (Counter c : meters.find(PROVIDER_RESPONSES).counters()) {
            String status = c.getId().getTag("status");
            if (status != null && status.matches("[45]\\d\\d")) {
                totals.merge(c.getId().getTag("provider"), c.count(), Double::sum);
            }
        }
        List<Alert> alerts = new ArrayList<>();
        long bucket = now.getEpochSecond() / settings.providerErrorWindow().toSeconds();
        totals.forEach((provider, total) -> {
            List<Sample> samples = errorSamples.computeIfAbsent(provider, p -> new ArrayList<>(List.of(
                    new Sample(Instant.MIN, 0)))); // the counter started at zero
            // the first sample kept is the last one at or before the window's start
            Instant start = now.minus(settings.providerErrorWindow());
            while (samples.size() > 1 && !samples.get(1).at().isAfter(start)) {
                samples.remove(0);
            }
            double errors = total - samples.get(0).errors();
            samples.add(new Sample(now, total));
            if (errors >= settings.providerErrors()) {
                alerts.add(new Alert("provider_errors", "provider_errors:" + provider + ":" + bucket, "critical", provider,
                        String.format("%s answered %d error(s) in the last %s (threshold %d)", provider, (long) errors,
                                human(settings.providerErrorWindow()), settings.providerErrors()),
                        Map.of("errors", (long) errors)));
            }
        });
        return alerts;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }
}
