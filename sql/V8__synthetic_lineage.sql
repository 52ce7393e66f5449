-- Synthetic answers must never pass for real ones. A batch records whether the built-in sandbox answered it, so
-- every result and task-table row written from a sandbox answer is found through its request and that batch
-- (results.batch_id; task tables' request_id). Batches from before this migration are taken as real.
ALTER TABLE batches ADD COLUMN synthetic boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN batches.synthetic IS 'answered by the built-in sandbox: its results are made up';

-- The answers the sandbox gave, one row per result: what status, the API and purge-synthetic count and remove, and
-- what a downstream consumer excludes (... WHERE request_id NOT IN (SELECT request_id FROM synthetic_answers)).
CREATE VIEW synthetic_answers AS
    SELECT s.request_id, r.job_id, r.task, s.batch_id, b.provider
    FROM results s JOIN batches b ON b.id = s.batch_id AND b.synthetic JOIN requests r ON r.id = s.request_id;

-- Providers whose requests wait: no API key, and the sandbox may not answer them (BATCHPIPE_SANDBOX). Written by the
-- service at start (a provider no longer held is removed), read by status and the API from any process.
CREATE TABLE provider_holds (
    provider  text PRIMARY KEY,
    reason    text NOT NULL,
    since     timestamptz NOT NULL DEFAULT now()
);
