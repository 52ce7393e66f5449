package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchpipe.api.ApiReads;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.PipelineTest;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mode auto end to end: a job smaller than batchpipe.auto.realtime-below goes realtime, a larger one batch, and a
 * larger one whose deadline a batch could miss (no batch history for its provider: the 24-hour window) realtime; the
 * reason is on the job, in the API's job. Each job shows the other mode's price: a realtime job what it would have
 * cost as a batch, a batch job what it saved, as the price table says.
 */
class AutoModeTest extends PipelineTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.auto.realtime-below", "5");
    }

    @Test
    void aSmallJobGoesRealtimeAndShowsWhatItWouldHaveCostAsABatch() throws Exception {
        long job = auto("small", 3, "openai", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(mode(job)).isEqualTo("realtime");
        ApiReads.Job shown = shown(job);
        assertThat(shown.modeReason()).isEqualTo("3 item(s), fewer than batchpipe.auto.realtime-below (5)");
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.batch_id IS NOT NULL", job)).isZero();
        BigDecimal listPrice = priced(job, false);
        assertThat(shown.costUsd()).isEqualByComparingTo(listPrice);
        assertThat(shown.realtimeCostUsd()).isEqualByComparingTo(listPrice);
        assertThat(shown.batchCostUsd()).isCloseTo(priced(job, true), rounding(job)).isLessThan(listPrice);
        assertThat(shown.savingsUsd()).isZero();
    }

    @Test
    void aLargeJobWithoutDeadlineGoesBatchAndShowsWhatItSaved() throws Exception {
        long job = auto("large", 8, "openai", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(mode(job)).isEqualTo("batch");
        ApiReads.Job shown = shown(job);
        assertThat(shown.modeReason())
                .isEqualTo("8 item(s), not fewer than batchpipe.auto.realtime-below (5), and no deadline");
        assertThat(count("SELECT count(*) FROM realtime_answers a JOIN requests r ON r.id = a.request_id "
                + "WHERE r.job_id = ?", job)).isZero();
        BigDecimal batchPrice = priced(job, true);
        assertThat(shown.costUsd()).isEqualByComparingTo(batchPrice);
        assertThat(shown.batchCostUsd()).isEqualByComparingTo(batchPrice);
        assertThat(shown.realtimeCostUsd()).isCloseTo(priced(job, false), rounding(job));
        assertThat(shown.savingsUsd()).isCloseTo(priced(job, false).subtract(batchPrice), rounding(job)).isPositive();
    }

    @Test
    void aLargeJobWhoseDeadlineABatchCouldMissGoesRealtime() throws Exception {
        // gemini: no batch of it ran here, so a batch is expected to take the provider's 24-hour window
        long job = auto("hurried", 8, "gemini", Duration.ofHours(2));
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(mode(job)).isEqualTo("realtime");
        assertThat(shown(job).modeReason()).isEqualTo("a batch is expected to take 24h 00m (the provider's 24-hour "
                + "window), more than the 1h 59m left before the deadline");
        assertThat(shown(job).deadlineAt()).isNotNull();
    }

    private long auto(String prefix, int items, String provider, Duration deadline) throws Exception {
        Path file = Files.createDirectories(work.resolve("files")).resolve(prefix + ".jsonl");
        Files.writeString(file, articles(prefix, items));
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        return intake.accept(file, JobOptions.file("news-classification").withOverrides(provider, null)
                .withMode("auto").withDeadline(deadline)).jobId();
    }

    private String mode(long job) {
        return db.withHandle(h -> h.createQuery("SELECT mode FROM jobs WHERE id = :id").bind("id", job)
                .mapTo(String.class).one());
    }

    private ApiReads.Job shown(long job) {
        var registry = template.getCamelContext().getRegistry();
        JobReports.JobSummary summary = registry.lookupByNameAndType("jobReports", JobReports.class).job(job).orElseThrow();
        return registry.lookupByNameAndType("apiReads", ApiReads.class).job(summary);
    }

    /** Each answer's cost is kept to 8 decimals at its own price; the other price scales that by up to 2. */
    private org.assertj.core.data.Offset<BigDecimal> rounding(long job) {
        return within(new BigDecimal("0.00000002").multiply(BigDecimal.valueOf(
                count("SELECT count(*) FROM requests WHERE job_id = ?", job))));
    }

    /** The job's answers' usage priced by the price table, at the batch or the list (realtime) price. */
    private BigDecimal priced(long job, boolean batch) {
        PriceTable prices = template.getCamelContext().getRegistry().lookupByNameAndType("priceTable", PriceTable.class);
        return db.withHandle(h -> h.createQuery("SELECT r.provider, r.model, s.input_tokens, s.output_tokens, "
                        + "s.cached_tokens FROM results s JOIN requests r ON r.id = s.request_id WHERE r.job_id = :job")
                .bind("job", job)
                .map((rs, ctx) -> {
                    var usage = new ResultLine.Usage(rs.getInt(3), rs.getInt(4), rs.getInt(5));
                    return batch ? prices.batchCost(rs.getString(1), rs.getString(2), usage)
                            : prices.realtimeCost(rs.getString(1), rs.getString(2), usage);
                })
                .reduce(BigDecimal.ZERO, BigDecimal::add));
    }
}
