package dev.batchpipe.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PrometheusText;
import dev.batchpipe.support.ServiceTest;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /observe/metrics is Prometheus text, and its database-derived values are the database's. */
class MetricsTest extends ServiceTest {

    @Test
    void metricsParseAndMatchTheDatabase() throws Exception {
        long job = process("news-classification", "metrics.jsonl", articles("mt", 4), "openai", null);
        awaitFinished(job);
        // a second job taken in but not packed (the pack tick is an hour away): a pending queue to show
        Path file = Files.writeString(work.resolve("waiting.jsonl"), articles("mw", 3));
        template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class)
                .accept(file, JobOptions.file("news-classification").withOverrides("anthropic", null));
        assertThat(count("SELECT count(*) FROM requests WHERE state = 'pending'")).isEqualTo(3);

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            Map<String, PrometheusText.Family> m = scrape();
            assertThat(values(m, "batchpipe_requests", "state", "task", "provider", "model")).isEqualTo(sql("""
                    SELECT state, task, provider, model, count(*) FROM requests GROUP BY 1, 2, 3, 4"""));
            assertThat(values(m, "batchpipe_batches", "state", "provider"))
                    .isEqualTo(sql("SELECT state, provider, count(*) FROM batches GROUP BY 1, 2"));
            assertThat(values(m, "batchpipe_input_tokens", "task", "provider", "model"))
                    .isEqualTo(sql("SELECT task, provider, model, sum(input_tokens) FROM requests GROUP BY 1, 2, 3"));
            assertThat(values(m, "batchpipe_output_tokens", "task", "provider", "model"))
                    .isEqualTo(sql("SELECT task, provider, model, sum(output_tokens) FROM requests GROUP BY 1, 2, 3"));
            assertThat(values(m, "batchpipe_cost_usd", "task", "provider", "model"))
                    .isEqualTo(sql("SELECT task, provider, model, sum(cost_usd) FROM requests GROUP BY 1, 2, 3"));
            assertThat(values(m, "batchpipe_realtime_cost_usd", "task", "provider", "model"))
                    .isEqualTo(sql("SELECT task, provider, model, sum(cost_usd) / 0.5 FROM requests GROUP BY 1, 2, 3"));
            assertThat(values(m, "batchpipe_pending_requests", "provider", "model")).isEqualTo(sql(
                    "SELECT provider, model, count(*) FROM requests WHERE state = 'pending' GROUP BY 1, 2"));
            assertThat(values(m, "batchpipe_enqueued_tokens", "provider", "model")).isEqualTo(sql(
                    "SELECT provider, model, sum(tokens) FROM quota_ledger WHERE released_at IS NULL GROUP BY 1, 2"));
            assertThat(values(m, "batchpipe_ingest_lag_seconds", "__name__")).isEqualTo(sql("""
                    SELECT 'batchpipe_ingest_lag_seconds_count', count(*) FROM batches WHERE ingested_at IS NOT NULL
                    UNION ALL
                    SELECT 'batchpipe_ingest_lag_seconds_sum', round(sum(extract(epoch FROM ingested_at - finished_at)), 6)
                    FROM batches WHERE ingested_at IS NOT NULL"""));
        });
        Map<String, PrometheusText.Family> m = scrape();
        assertThat(m.get("batchpipe_requests").type()).isEqualTo("gauge");
        assertThat(m.get("batchpipe_ingest_lag_seconds").type()).isEqualTo("summary");
        // every provider answer was counted, by status: the sandbox received exactly those calls
        assertThat(m).containsKey("batchpipe_provider_http_responses_total");
        PrometheusText.Family responses = m.get("batchpipe_provider_http_responses_total");
        assertThat(responses.type()).isEqualTo("counter");
        assertThat(responses.samples().stream().mapToDouble(PrometheusText.Sample::value).sum())
                .isEqualTo(sandbox.received().size());
        assertThat(responses.samples()).allSatisfy(s -> assertThat(s.labels()).containsKeys("provider", "status"));
        // Camel's own route metrics
        assertThat(m.keySet()).anySatisfy(name -> assertThat(name).startsWith("camel_exchanges"));
    }

    private Map<String, PrometheusText.Family> scrape() throws Exception {
        HttpResponse<String> r = get("/observe/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return PrometheusText.parse(r.body());
    }

    /** A family's samples as "label values... → value", the sample name standing in for label {@code __name__}. */
    private static Map<List<String>, BigDecimal> values(Map<String, PrometheusText.Family> m, String family,
                                                        String... labels) {
        Map<List<String>, BigDecimal> values = new HashMap<>();
        PrometheusText.Family f = m.get(family);
        if (f == null) {
            return values;
        }
        for (PrometheusText.Sample s : f.samples()) {
            List<String> key = java.util.Arrays.stream(labels)
                    .map(l -> l.equals("__name__") ? s.name() : s.labels().get(l)).toList();
            values.put(key, rounded(BigDecimal.valueOf(s.value())));
        }
        return values;
    }

    private static Map<List<String>, BigDecimal> sql(String query) {
        return db.withHandle(h -> {
            Map<List<String>, BigDecimal> values = new HashMap<>();
            h.createQuery(query).map((rs, ctx) -> {
                int n = rs.getMetaData().getColumnCount();
                List<String> key = new java.util.ArrayList<>();
                for (int i = 1; i < n; i++) {
                    key.add(rs.getString(i));
                }
                values.put(key, rounded(rs.getBigDecimal(n)));
                return key;
            }).list();
            return values;
        });
    }

    /** Doubles in the text, decimals in the database: compared to 6 significant digits. */
    private static BigDecimal rounded(BigDecimal v) {
        return v.round(new java.math.MathContext(6)).stripTrailingZeros();
    }
}
