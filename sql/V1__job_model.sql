-- The durable job model: PostgreSQL is batchpipe's source of truth. Every state change of an item,
-- request or provider batch is a committed row here before anything outside (a file move, a provider
-- call) depends on it, so a crash at any point leaves a state the pipeline resumes from.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One row: identifies this installation in the metadata of the batches it creates at a provider, so
-- that a batch created just before a crash can be found again (and one of another installation on the
-- same account is never adopted).
CREATE TABLE installation (
    id          text PRIMARY KEY DEFAULT md5(random()::text || clock_timestamp()::text),
    created_at  timestamptz NOT NULL DEFAULT now(),
    singleton   boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
INSERT INTO installation DEFAULT VALUES;

-- One per input: a file (inbox or CLI), a DB-triggered run, an API call.
CREATE TABLE jobs (
    id                  bigserial PRIMARY KEY,
    task                text NOT NULL,
    source_kind         text NOT NULL CHECK (source_kind IN ('file', 'db', 'run', 'api')),
    source              text NOT NULL,
    -- file name + size + mtime: the same file read again after a crash resumes its job
    source_fingerprint  text,
    status              text NOT NULL DEFAULT 'receiving'
                        CHECK (status IN ('receiving', 'active', 'succeeded', 'partial', 'rejected')),
    schedule            text NOT NULL DEFAULT 'asap' CHECK (schedule IN ('asap', 'overnight')),
    priority            smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    provider            text,
    model               text,
    lines_read          bigint NOT NULL DEFAULT 0,
    items_accepted      bigint NOT NULL DEFAULT 0,
    items_duplicate     bigint NOT NULL DEFAULT 0,
    lines_rejected      bigint NOT NULL DEFAULT 0,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    received_at         timestamptz,
    finished_at         timestamptz,
    UNIQUE (task, source_fingerprint)
);
CREATE INDEX jobs_open ON jobs (status) WHERE status IN ('receiving', 'active');

-- Per-line problems of an input (the full list is also written beside the moved file).
CREATE TABLE input_errors (
    job_id   bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    line     bigint NOT NULL,
    reason   text NOT NULL,
    excerpt  text,
    PRIMARY KEY (job_id, line)
);

-- One input record. (task, source_key, content_hash) is unique: the same record submitted again is
-- not processed twice, a changed one is.
CREATE TABLE items (
    id            bigserial PRIMARY KEY,
    task          text NOT NULL,
    source_key    text NOT NULL,
    content_hash  text NOT NULL,
    job_id        bigint NOT NULL REFERENCES jobs (id),
    line          bigint,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task, source_key, content_hash)
);
CREATE INDEX items_job ON items (job_id);

-- One provider batch as we packed it. `state` is our side of the life cycle:
--   packed    requests assigned and quota reserved, nothing sent yet
--   uploaded  input file at the provider (input_file_id recorded)
--   creating  create call may have been sent: on restart, look for it by metadata before creating again
--   submitted provider batch id recorded; being polled
--   finished  provider reached a final state; results not yet ingested
--   ingested  every line accounted for, quota released
--   abandoned never reached the provider (e.g. refused); its requests went back to pending
CREATE TABLE batches (
    id                 bigserial PRIMARY KEY,
    provider           text NOT NULL,
    model              text NOT NULL,
    endpoint           text NOT NULL,
    state              text NOT NULL DEFAULT 'packed'
                       CHECK (state IN ('packed', 'uploaded', 'creating', 'submitted', 'finished', 'ingested', 'abandoned')),
    provider_batch_id  text,
    provider_status    text,
    input_file_id      text,
    output_file_id     text,
    error_file_id      text,
    request_count      integer NOT NULL,
    bytes              bigint,
    estimated_tokens   bigint NOT NULL,
    completed_count    integer,
    failed_count       integer,
    provider_counts    jsonb,
    error              text,
    lease_owner        text,
    lease_until        timestamptz,
    next_poll_at       timestamptz,
    polls              integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    submitted_at       timestamptz,
    expires_at         timestamptz,
    finished_at        timestamptz,
    ingested_at        timestamptz,
    UNIQUE (provider, provider_batch_id)
);
CREATE INDEX batches_open ON batches (state, next_poll_at) WHERE state IN ('packed', 'uploaded', 'creating', 'submitted', 'finished');

-- One LLM call. `custom_id` is the id of its current submission (r<id>s<n>): deterministic, so a batch
-- file rebuilt after a crash is identical, and distinct per submission, so a line from an earlier
-- submission is recognised as such.
CREATE TABLE requests (
    id                  bigserial PRIMARY KEY,
    item_id             bigint NOT NULL REFERENCES items (id),
    job_id              bigint NOT NULL REFERENCES jobs (id),
    task                text NOT NULL,
    template            text NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    endpoint            text NOT NULL,
    priority            smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    estimated_tokens    integer NOT NULL,
    max_output_tokens   integer,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'batched', 'succeeded', 'dead')),
    custom_id           text,
    submissions         integer NOT NULL DEFAULT 0,
    -- failures that are the request's own (invalid answer, rejected request); bounded by max attempts
    attempts            integer NOT NULL DEFAULT 0,
    -- provider-side failures (expired, cancelled, 5xx on the line); never consume attempts
    transient_failures  integer NOT NULL DEFAULT 0,
    last_error          text,
    -- usage and cost summed over every attempt the provider billed, kept answers and rejected ones alike
    input_tokens        bigint NOT NULL DEFAULT 0,
    output_tokens       bigint NOT NULL DEFAULT 0,
    cost_usd            numeric(16, 8) NOT NULL DEFAULT 0,
    batch_id            bigint REFERENCES batches (id),
    not_before          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, template)
);
CREATE INDEX requests_pending ON requests (provider, model, endpoint, priority, id) WHERE state = 'pending';
CREATE INDEX requests_batch ON requests (batch_id);
CREATE INDEX requests_job ON requests (job_id, state);
CREATE UNIQUE INDEX requests_custom_id ON requests (custom_id);

-- Every submission of a request (a request may go through several batches: expired, invalid answer).
CREATE TABLE request_submissions (
    request_id  bigint NOT NULL REFERENCES requests (id),
    batch_id    bigint NOT NULL REFERENCES batches (id),
    submission  integer NOT NULL,
    PRIMARY KEY (request_id, submission)
);
CREATE INDEX request_submissions_batch ON request_submissions (batch_id);

-- Exactly one result per request: the primary key is the request.
CREATE TABLE results (
    request_id     bigint PRIMARY KEY REFERENCES requests (id),
    batch_id       bigint REFERENCES batches (id),
    response       jsonb NOT NULL,
    answer         jsonb,
    input_tokens   integer NOT NULL DEFAULT 0,
    output_tokens  integer NOT NULL DEFAULT 0,
    cached_tokens  integer NOT NULL DEFAULT 0,
    cost_usd       numeric(16, 8) NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX results_batch ON results (batch_id);

-- Requests that will not succeed without a person looking at them. Replaying re-queues the request and
-- stamps replayed_at; at most one open dead letter per request.
CREATE TABLE dead_letters (
    id           bigserial PRIMARY KEY,
    request_id   bigint REFERENCES requests (id),
    job_id       bigint REFERENCES jobs (id),
    task         text NOT NULL,
    reason       text NOT NULL,
    payload      jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz
);
CREATE UNIQUE INDEX dead_letters_open ON dead_letters (request_id) WHERE replayed_at IS NULL;
CREATE INDEX dead_letters_task ON dead_letters (task, created_at) WHERE replayed_at IS NULL;

-- Enqueued-token reservations, one per batch at a provider; the sum of the unreleased ones per
-- provider+model is what we have enqueued. Shared by every instance on this database.
CREATE TABLE quota_ledger (
    batch_id     bigint PRIMARY KEY REFERENCES batches (id),
    provider     text NOT NULL,
    model        text NOT NULL,
    tokens       bigint NOT NULL,
    reserved_at  timestamptz NOT NULL DEFAULT now(),
    released_at  timestamptz
);
CREATE INDEX quota_ledger_open ON quota_ledger (provider, model) WHERE released_at IS NULL;

-- ---------------------------------------------------------------------------------------------------
-- Task tables. Output rows carry the request that produced them (request_id), so one request's rows
-- can be replaced atomically and traced back to the raw answer in `results`.

CREATE TABLE story_groups (
    id          text PRIMARY KEY,
    title       text,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entities (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL,
    normalized_name  text NOT NULL UNIQUE,
    type             text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entities_trgm ON entities USING gin (normalized_name gin_trgm_ops);

CREATE TABLE story_topics (
    group_id    text NOT NULL,
    topic       text NOT NULL,
    relevance   real NOT NULL CHECK (relevance BETWEEN 0 AND 1),
    request_id  bigint NOT NULL REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic)
);
CREATE INDEX story_topics_request ON story_topics (request_id);

CREATE TABLE story_entities (
    group_id    text NOT NULL,
    entity_id   bigint NOT NULL REFERENCES entities (id),
    mention     text NOT NULL,
    role        text NOT NULL,
    salience    real NOT NULL CHECK (salience BETWEEN 0 AND 1),
    request_id  bigint NOT NULL REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, entity_id)
);
CREATE INDEX story_entities_request ON story_entities (request_id);

CREATE TABLE news_classifications (
    article_id        text PRIMARY KEY,
    is_financial      boolean NOT NULL,
    sectors           text[] NOT NULL,
    companies         text[] NOT NULL,
    sentiment         text NOT NULL CHECK (sentiment IN ('positive', 'negative', 'neutral')),
    confidence_score  smallint NOT NULL CHECK (confidence_score BETWEEN 0 AND 10),
    summary_en        text NOT NULL,
    summary_tr        text NOT NULL,
    request_id        bigint NOT NULL UNIQUE REFERENCES requests (id),
    created_at        timestamptz NOT NULL DEFAULT now()
);
