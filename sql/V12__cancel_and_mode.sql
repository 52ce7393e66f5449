-- Cancelling (`batchpipe cancel`, POST /api/jobs/{id}/cancel, POST /api/batches/{id}/cancel). What a provider
-- finished before the cancel is kept; the requests left unanswered become `cancelled`, not pending (they are not
-- sent again) and not dead (nothing is wrong with them), and their job ends `cancelled`.
-- jobs.cancelled_at: the job was cancelled; it stays active until its batches at the provider are ingested.
-- batches.cancel_requested_at: the poll loop asks the provider to cancel the batch (again, after a crash) until it ends.
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('receiving', 'active', 'succeeded', 'partial', 'rejected', 'cancelled'));
ALTER TABLE jobs ADD COLUMN cancelled_at timestamptz;
ALTER TABLE requests DROP CONSTRAINT requests_state_check;
ALTER TABLE requests ADD CONSTRAINT requests_state_check
    CHECK (state IN ('pending', 'batched', 'succeeded', 'dead', 'cancelled'));
ALTER TABLE batches ADD COLUMN cancel_requested_at timestamptz;

-- How a job's requests are sent: through the batch APIs (half price) or, for the realtime mode, one call each.
-- The API and `status` filter and report by it.
ALTER TABLE jobs ADD COLUMN mode text NOT NULL DEFAULT 'batch' CHECK (mode IN ('batch', 'realtime'));
CREATE INDEX jobs_task_created ON jobs (task, id);
