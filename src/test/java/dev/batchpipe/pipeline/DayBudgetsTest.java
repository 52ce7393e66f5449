package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.MovableClock;
import dev.batchpipe.support.PipelineTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.BeanInject;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;

/**
 * A day's budget holds what would pass it: packing sends what fits, the rest stays pending with the reason shown (as
 * {@code status} and the API show holds), and goes on the next (simulated) day.
 */
class DayBudgetsTest extends PipelineTest {

    private static final BigDecimal BUDGET = new BigDecimal("0.001");

    private final MovableClock clock = new MovableClock();

    /** The service's clock is this test's. */
    @Configure
    protected void moveTheClock(MainConfigurationProperties configuration) {
        clock.bindAsServiceClock(configuration);
    }

    @BeanInject("dayBudgets")
    DayBudgets budgets;

    @BeanInject("jobReports")
    JobReports reports;

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.budget.usd-per-day", BUDGET.toPlainString());
    }

    @Test
    void aBudgetHoldsWorkAndReleasesItTheNextDay() throws Exception {
        assertThat(template.getCamelContext().getRegistry().lookupByName("clock")).isSameAs(clock);
        // ten articles at about $0.00025 each (input estimate and 800 output tokens at gpt-4o-mini's batch price)
        long job = process("news-classification", "budget.jsonl", articles("bg", 10), "openai", "gpt-4o-mini");
        template.sendBody("direct:pack", null); // returns once the packing process started has run
        awaitSubmittedWorkDone();
        long firstDay = count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job);
        assertThat(firstDay).as("what fits in the day's budget went").isBetween(1L, 9L);
        assertThat(committedToday()).isLessThanOrEqualTo(BUDGET);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'pending'", job))
                .isEqualTo(10 - firstDay);
        assertThat(reports.holds(job)).singleElement().satisfies(hold -> {
            assertThat(hold.requests()).isEqualTo(10 - firstDay);
            assertThat(hold.reason()).startsWith("the day's budget of $0.001 (BATCHPIPE_BUDGET_USD_PER_DAY) is used ($")
                    .contains("they go from ").endsWith(" UTC");
        });

        // packing again the same day sends nothing more
        template.sendBody("direct:pack", null);
        awaitSubmittedWorkDone();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job)).isEqualTo(firstDay);

        // each following day takes what fits, until the job is done
        int days = 1;
        while (!status(job).equals("succeeded")) {
            assertThat(days).as("days taken").isLessThan(10);
            clock.advance(Duration.ofDays(1));
            days++;
            assertThat(budgets.today()).isEqualTo(java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(days - 1));
            assertThat(budgets.spend(budgets.today()).get(0).committedUsd()).isZero();
            template.sendBody("direct:pack", null);
            awaitSubmittedWorkDone();
            assertThat(committedToday()).isLessThanOrEqualTo(BUDGET);
        }
        assertThat(days).isGreaterThan(1);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'bg-%'")).isEqualTo(10);
        assertThat(reports.holds(job)).isEmpty();
        assertThat(count("SELECT count(*) FROM budget_holds WHERE day = ?", budgets.today())).isZero();
    }

    /** Nothing is in a batch any more: what was packed has been answered and ingested. */
    private void awaitSubmittedWorkDone() {
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM requests WHERE state = 'batched'") == 0
                && count("SELECT count(*) FROM batches WHERE state NOT IN ('ingested', 'abandoned')") == 0);
    }

    private BigDecimal committedToday() {
        return budgets.spend(budgets.today()).get(0).committedUsd();
    }
}
