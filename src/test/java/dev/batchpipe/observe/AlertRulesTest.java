package dev.batchpipe.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.pipeline.DayBudgets;
import dev.batchpipe.support.DatabaseTest;
import dev.batchpipe.support.MovableClock;
import dev.batchpipe.task.TaskRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each rule, on rows of a real database: it fires at its threshold, and the same event gives the same key. */
class AlertRulesTest extends DatabaseTest {

    private final MovableClock clock = new MovableClock();
    private final MeterRegistry meters = new SimpleMeterRegistry();
    // $1 per million input tokens at list price, so $0.50 in a batch
    private final PriceTable prices = new PriceTable(Map.of("openai", Map.of("m",
            new PriceTable.Price(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE))), new BigDecimal("0.5"));
    private final AlertRules rules = new AlertRules(db,
            new DayBudgets(db, new TaskRegistry(List.of()), prices, BigDecimal.ONE, clock), meters,
            new AlertRules.Settings(0.5, Duration.ofHours(1), 4, Duration.ofHours(26), 3, Duration.ofMinutes(10),
                    Duration.ofMinutes(30)),
            clock);

    @Test
    void rulesFireAtTheirThresholdsWithStableKeys() {
        assertThat(rules.evaluate()).isEmpty();
        long job = db.withHandle(h -> h.createQuery("INSERT INTO jobs (task, source_kind, source, status) "
                + "VALUES ('t', 'api', 's', 'active') RETURNING id").mapTo(Long.class).one());
        // 1.7 million input tokens in today's batch: $0.85 of the $1 budget
        long batch = db.withHandle(h -> h.createQuery("INSERT INTO batches (provider, model, endpoint, state, request_count, "
                + "estimated_tokens, submitted_at) VALUES ('openai', 'm', '/v1/chat/completions', 'submitted', 5, 0, "
                + "now() - interval '27 hours') RETURNING id").mapTo(Long.class).one());
        for (int i = 0; i < 5; i++) {
            int n = i;
            db.useHandle(h -> {
                long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                        + "VALUES ('t', :k, 'h', :j, '{}') RETURNING id").bind("k", "k" + n).bind("j", job)
                        .mapTo(Long.class).one();
                long request = h.createQuery("INSERT INTO requests (item_id, job_id, task, template, provider, model, "
                        + "endpoint, estimated_tokens, max_output_tokens, state) VALUES (:i, :j, 't', 'r', 'openai', 'm', "
                        + "'/v1/chat/completions', 340000, 0, :state) RETURNING id").bind("i", item).bind("j", job)
                        .bind("state", n < 3 ? "dead" : "succeeded").mapTo(Long.class).one();
                h.execute("INSERT INTO request_submissions (request_id, batch_id, submission) VALUES (?, ?, 1)", request, batch);
                if (n < 3) {
                    h.execute("INSERT INTO dead_letters (request_id, job_id, task, reason) VALUES (?, ?, 't', 'bad')",
                            request, job);
                }
            });
        }
        meters.counter(AlertRules.PROVIDER_RESPONSES, "provider", "openai", "status", "200").increment(50);
        meters.counter(AlertRules.PROVIDER_RESPONSES, "provider", "openai", "status", "503").increment(2);

        List<AlertRules.Alert> alerts = rules.evaluate();
        assertThat(alerts).extracting(AlertRules.Alert::rule)
                .containsExactlyInAnyOrder("failure_rate", "dead_letters", "batch_age", "budget_80");
        assertThat(alerts).filteredOn(a -> a.rule().equals("failure_rate")).singleElement()
                .satisfies(a -> assertThat(a.message()).startsWith("t: 60% of the 5 requests"));
        assertThat(alerts).filteredOn(a -> a.rule().equals("batch_age")).singleElement()
                .satisfies(a -> assertThat(a.key()).isEqualTo("batch_age:" + batch));
        assertThat(alerts).filteredOn(a -> a.rule().equals("budget_80")).singleElement()
                .satisfies(a -> assertThat(a.message()).contains("80% of the day's budget of $1.00 is committed ($0.8500)"));

        // the same events again: the same keys, so nothing is raised twice
        RaisedAlerts raised = new RaisedAlerts(db);
        assertThat(raised.raise(alerts)).hasSize(4);
        assertThat(raised.raise(rules.evaluate())).isEmpty();

        // a third 5xx makes a burst; the dead letters alerted are not alerted again
        meters.counter(AlertRules.PROVIDER_RESPONSES, "provider", "openai", "status", "429").increment();
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).contains("provider_errors")
                .doesNotContain("dead_letters");
        // ...and once the window has passed with no new errors, no burst
        clock.advance(Duration.ofMinutes(11));
        rules.evaluate();
        clock.advance(Duration.ofMinutes(11));
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).doesNotContain("provider_errors");
        // a new day starts with nothing committed
        clock.advance(Duration.ofDays(1));
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).doesNotContain("budget_80");
    }

    @Test
    void workHeldForQuotaWithoutProgressIsAlertedOncePerStall() {
        long job = db.withHandle(h -> h.createQuery("INSERT INTO jobs (task, source_kind, source, status) "
                + "VALUES ('q', 'api', 'quota', 'active') RETURNING id").mapTo(Long.class).one());
        db.useHandle(h -> {
            long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                    + "VALUES ('q', 'q1', 'h', :j, '{}') RETURNING id").bind("j", job).mapTo(Long.class).one();
            h.execute("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, estimated_tokens, "
                    + "max_output_tokens) VALUES (?, ?, 'q', 'r', 'openai', 'mini', '/v1/chat/completions', 400, 0)", item, job);
            h.execute("INSERT INTO token_calibration (provider, model, our_tokens, provider_tokens, lines) "
                    + "VALUES ('openai', 'mini', 100, 200, 1)");
            h.execute("INSERT INTO enqueued_quotas (provider, model, learned, held_since, last_progress_at) "
                    + "VALUES ('openai', 'mini', 500, now() - interval '20 minutes', now() - interval '25 minutes')");
        });
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).doesNotContain("quota_held");

        clock.advance(Duration.ofMinutes(15));
        List<AlertRules.Alert> held = rules.evaluate().stream().filter(a -> a.rule().equals("quota_held")).toList();
        assertThat(held).singleElement().satisfies(a -> assertThat(a.message()).isEqualTo("openai mini: 1 request(s) "
                + "held for the enqueued-token quota with no batch finishing for more than 30m (400 tokens by our count, "
                + "800 as the provider counts them; limit 500, stated by the provider); see `batchpipe status`"));
        RaisedAlerts raised = new RaisedAlerts(db);
        assertThat(raised.raise(held)).hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(raised.raise(rules.evaluate())).as("the same stall: raised once").isEmpty();

        // a batch finished, then nothing for another 30 minutes: a new stall
        db.useHandle(h -> h.execute("UPDATE enqueued_quotas SET last_progress_at = ?",
                java.sql.Timestamp.from(clock.instant())));
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).doesNotContain("quota_held");
        clock.advance(Duration.ofMinutes(31));
        assertThat(raised.raise(rules.evaluate())).as("a new stall").hasSize(1);
        db.useHandle(h -> h.execute("UPDATE enqueued_quotas SET held_since = NULL"));
        assertThat(rules.evaluate()).extracting(AlertRules.Alert::rule).doesNotContain("quota_held");
    }
}
