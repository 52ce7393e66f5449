-- Realtime mode: a job's requests go to the providers' synchronous endpoints instead of batches, through the same
-- request rows. A realtime call is a submission without a batch; while one is in flight the request stays pending
-- and carries a lease (call_owner, call_until), so a crashed instance's calls are claimed again once it runs out.
-- (jobs.mode, batch or realtime, comes from V12)

ALTER TABLE request_submissions ALTER COLUMN batch_id DROP NOT NULL;
COMMENT ON COLUMN request_submissions.batch_id IS 'the batch that carried this submission; NULL for a realtime call';

ALTER TABLE requests ADD COLUMN call_owner text;
ALTER TABLE requests ADD COLUMN call_until timestamptz;

-- Every realtime answer, recorded the moment it arrives and before anything is made of it: a claim that finds the
-- answer of its current submission here writes it instead of calling again, so no call that succeeded is repeated.
CREATE TABLE realtime_answers (
    request_id   bigint NOT NULL REFERENCES requests (id),
    submission   integer NOT NULL,
    provider     text NOT NULL,
    synthetic    boolean NOT NULL,
    response     jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, submission)
);

-- The token buckets of the realtime rate limits (bucket4j's PostgreSQL proxy manager): one row per provider, model
-- and kind (requests or tokens per minute), shared by every instance on this database.
CREATE TABLE rate_buckets (
    id     text PRIMARY KEY,
    state  bytea
);

-- Realtime answers of the sandbox are synthetic too: the view gains them (they have no batch).
CREATE OR REPLACE VIEW synthetic_answers AS
    SELECT s.request_id, r.job_id, r.task, s.batch_id, b.provider
    FROM results s JOIN batches b ON b.id = s.batch_id AND b.synthetic JOIN requests r ON r.id = s.request_id
    UNION ALL
    SELECT s.request_id, r.job_id, r.task, s.batch_id, r.provider
    FROM results s JOIN requests r ON r.id = s.request_id
    WHERE s.batch_id IS NULL AND EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = s.request_id AND a.synthetic);
