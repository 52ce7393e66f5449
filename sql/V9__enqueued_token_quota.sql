-- The enqueued-token quota as the provider counts it (issue #17). Shared by every instance on the database and kept
-- across restarts: what batchpipe learned about each provider and model.

-- Our estimates beside the provider's own counts of the same requests (usage on its result lines), decayed so
-- recent batches weigh most. provider_tokens / our_tokens is the calibration factor applied when packing.
CREATE TABLE token_calibration (
    provider         text NOT NULL,
    model            text NOT NULL,
    our_tokens       double precision NOT NULL,
    provider_tokens  double precision NOT NULL,
    lines            bigint NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model)
);

-- The quota state of one provider and model.
CREATE TABLE enqueued_quotas (
    provider          text NOT NULL,
    model             text NOT NULL,
    configured        bigint NOT NULL DEFAULT 0,
    learned           bigint,
    learned_from      text,
    learned_at        timestamptz,
    max_batch_tokens  bigint,
    waiting_since     timestamptz,
    held_since        timestamptz,
    last_progress_at  timestamptz,
    PRIMARY KEY (provider, model)
);
COMMENT ON COLUMN enqueued_quotas.configured IS 'the quota configured when last packed (0: none)';
COMMENT ON COLUMN enqueued_quotas.learned IS 'the limit the provider stated in a refusal; it wins over configured';
COMMENT ON COLUMN enqueued_quotas.max_batch_tokens IS 'halved after a refusal with nothing in flight, doubled back as batches finish';
COMMENT ON COLUMN enqueued_quotas.waiting_since IS 'refused while other batches were in flight: packing waits until one finishes';
COMMENT ON COLUMN enqueued_quotas.held_since IS 'since when due requests wait for this quota (null: none wait)';
COMMENT ON COLUMN enqueued_quotas.last_progress_at IS 'when a batch of this provider and model last finished with results';

-- One row per provider and model with requests currently held for quota: how many, their tokens by our count and
-- by the provider's (our count times the learned factor), and the limit. The alert rule "quota held N minutes without
-- progress" reads it.
CREATE VIEW quota_waits AS
    SELECT q.provider, q.model, count(r.id) AS requests, sum(r.estimated_tokens)::bigint AS our_tokens,
           ceil(sum(r.estimated_tokens)
                * greatest(1.0, coalesce(c.provider_tokens / nullif(c.our_tokens, 0), 1.0)))::bigint AS provider_tokens,
           coalesce(q.learned, nullif(q.configured, 0)) AS quota, q.learned IS NOT NULL AS quota_learned,
           q.held_since, q.last_progress_at
    FROM enqueued_quotas q
    JOIN requests r ON r.provider = q.provider AND r.model = q.model AND r.state = 'pending'
    LEFT JOIN token_calibration c ON c.provider = q.provider AND c.model = q.model
    WHERE q.held_since IS NOT NULL
    GROUP BY q.provider, q.model, q.learned, q.configured, q.held_since, q.last_progress_at, c.provider_tokens,
             c.our_tokens;
