-- What status and the API show of a job, in one place: its requests by state, tokens, cost, batches and synthetic
-- answers, counted from the requests.
CREATE FUNCTION job_counts(job bigint) RETURNS TABLE (
    requests bigint, succeeded bigint, dead bigint, waiting bigint, in_batches bigint, cancelled bigint,
    input_tokens numeric, output_tokens numeric, cost numeric, batches bigint, synthetic_answers bigint)
LANGUAGE sql STABLE AS $$
    SELECT count(*), count(*) FILTER (WHERE r.state = 'succeeded'), count(*) FILTER (WHERE r.state = 'dead'),
           count(*) FILTER (WHERE r.state = 'pending'), count(*) FILTER (WHERE r.state = 'batched'),
           count(*) FILTER (WHERE r.state = 'cancelled'), coalesce(sum(r.input_tokens), 0),
           coalesce(sum(r.output_tokens), 0), coalesce(sum(r.cost_usd), 0),
           (SELECT count(DISTINCT s.batch_id) FROM request_submissions s JOIN requests q ON q.id = s.request_id
            WHERE q.job_id = job),
           (SELECT count(*) FROM synthetic_answers a WHERE a.job_id = job)
    FROM requests r WHERE r.job_id = job
$$;

-- The counts of a closed job (succeeded, partial, cancelled), frozen by JobCompletion as it closes the job and
-- dropped when the job reopens (a replay, a purge), so listing jobs does not count every request of every job
-- again: status on a database of 1M requests (issue #15). A job still open is counted live.
CREATE TABLE job_totals (
    job_id            bigint PRIMARY KEY REFERENCES jobs (id),
    requests          bigint NOT NULL,
    succeeded         bigint NOT NULL,
    dead              bigint NOT NULL,
    waiting           bigint NOT NULL,
    in_batches        bigint NOT NULL,
    cancelled         bigint NOT NULL,
    input_tokens      numeric NOT NULL,
    output_tokens     numeric NOT NULL,
    cost              numeric NOT NULL,
    batches           bigint NOT NULL,
    synthetic_answers bigint NOT NULL
);

INSERT INTO job_totals
SELECT j.id, c.* FROM jobs j, job_counts(j.id) c WHERE j.status IN ('succeeded', 'partial', 'cancelled');
