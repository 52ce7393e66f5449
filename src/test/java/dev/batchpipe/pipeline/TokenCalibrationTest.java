package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.DatabaseTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider's count beside ours, on a real PostgreSQL: from the usage of each result line, else from the usage of
 * the batch object (OpenAI's {@code usage.input_tokens}), once per batch.
 */
class TokenCalibrationTest extends DatabaseTest {

    private final TokenCalibration calibration = new TokenCalibration(db, 0.8);

    @BeforeEach
    void clean() {
        db.useHandle(h -> {
            h.execute("DELETE FROM results");
            h.execute("DELETE FROM request_submissions");
            h.execute("DELETE FROM requests");
            h.execute("DELETE FROM items");
            h.execute("DELETE FROM jobs");
            h.execute("DELETE FROM batches");
            h.execute("DELETE FROM token_calibration");
        });
    }

    @Test
    void theUsageOfEachLineIsTheProvidersCount() {
        long batch = batch(null, 100, 210, 100, 190);
        calibration.record(batch);
        assertThat(factor()).isEqualTo(2.0);
        assertThat(count("SELECT provider_tokens FROM batches WHERE id = ?", batch)).isEqualTo(400);
    }

    @Test
    void linesWithoutUsageAreCalibratedFromTheBatchObjectsUsage() {
        long batch = batch(630L, 100, 0, 200, 0);
        calibration.record(batch);
        assertThat(factor()).isEqualTo(2.1);
        assertThat(count("SELECT provider_tokens FROM batches WHERE id = ?", batch)).isEqualTo(630);
        calibration.record(batch);
        assertThat(count("SELECT lines FROM token_calibration")).as("once per batch").isEqualTo(2);
    }

    @Test
    void aBatchObjectWithUsageCalibratesAsSoonAsTheBatchEndsBeforeItsLinesAreRead() {
        long batch = batch(600L, false, 100, 0, 200, 0);
        calibration.record(batch);
        assertThat(factor()).isEqualTo(2.0);
        db.useHandle(h -> h.execute("DELETE FROM token_calibration"));
        long failedLine = batch(600L, false, 100, 0, 200, 0);
        db.useHandle(h -> h.execute("UPDATE batches SET completed_count = 1, failed_count = 1 WHERE id = " + failedLine));
        calibration.record(failedLine);
        assertThat(count("SELECT count(*) FROM token_calibration"))
                .as("a request not answered: the batch's count covers fewer than ours; its lines will tell").isZero();
    }

    @Test
    void linesWithUsageWinOverTheBatchObjectAndWithoutEitherNothingIsLearned() {
        calibration.record(batch(9_999L, 100, 150, 100, 150));
        assertThat(factor()).isEqualTo(1.5);
        db.useHandle(h -> h.execute("DELETE FROM token_calibration"));
        long unknown = batch(null, 100, 0, 100, 0);
        calibration.record(unknown);
        assertThat(count("SELECT count(*) FROM token_calibration")).isZero();
        assertThat(count("SELECT count(*) FROM batches WHERE id = ? AND provider_tokens IS NULL", unknown)).isOne();
    }

    private static double factor() {
        return db.withHandle(h -> h.createQuery("SELECT provider_tokens / our_tokens FROM token_calibration "
                + "WHERE provider = 'openai' AND model = 'm'").mapTo(Double.class).one());
    }

    /** A finished batch of two answered requests: our estimate and the line's usage of each, and the batch's usage. */
    private static long batch(Long reported, int ours1, int theirs1, int ours2, int theirs2) {
        return batch(reported, true, ours1, theirs1, ours2, theirs2);
    }

    /** {@code withResults}: its lines are written (else it has just ended at its provider). */
    private static long batch(Long reported, boolean withResults, int ours1, int theirs1, int ours2, int theirs2) {
        return db.withHandle(h -> {
            long job = h.createQuery("INSERT INTO jobs (task, source_kind, source, status, source_fingerprint) "
                    + "VALUES ('t', 'file', 'f', 'active', gen_random_uuid()::text) RETURNING id").mapTo(Long.class).one();
            long batch = h.createQuery("INSERT INTO batches (provider, model, endpoint, request_count, estimated_tokens, "
                            + "state, reported_tokens, completed_count, failed_count) "
                            + "VALUES ('openai', 'm', '/e', 2, 0, 'finished', :r, 2, 0) RETURNING id")
                    .bind("r", reported).mapTo(Long.class).one();
            int[][] lines = {{ours1, theirs1}, {ours2, theirs2}};
            for (int[] l : lines) {
                long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                        + "VALUES ('t', gen_random_uuid()::text, 'h', :job, '{}') RETURNING id").bind("job", job)
                        .mapTo(Long.class).one();
                long request = h.createQuery("INSERT INTO requests (item_id, job_id, task, template, provider, model, "
                                + "endpoint, estimated_tokens, state, batch_id) VALUES (:item, :job, 't', 'main', 'openai', "
                                + "'m', '/e', :ours, 'succeeded', :batch) RETURNING id")
                        .bind("item", item).bind("job", job).bind("ours", l[0]).bind("batch", batch)
                        .mapTo(Long.class).one();
                h.createUpdate("INSERT INTO request_submissions (request_id, batch_id, submission) VALUES (:r, :b, 1)")
                        .bind("r", request).bind("b", batch).execute();
                if (!withResults) {
                    continue;
                }
                h.createUpdate("INSERT INTO results (request_id, batch_id, response, input_tokens) "
                                + "VALUES (:r, :b, '{}', :theirs)")
                        .bind("r", request).bind("b", batch).bind("theirs", l[1]).execute();
            }
            return batch;
        });
    }
}
