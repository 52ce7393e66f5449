-- The row cache (#12): the validated answer of every item a provider answered, by task, request template version (a
-- digest of what the request is made of besides the item: provider, model, endpoint, prompts, schema, temperature,
-- answer budget, rows per request, dimensions; RowCache.version) and the item's content hash (items.content_hash).
-- Intake serves a new request whose key is here from it, with no call, through the ingest's own writer; a changed
-- prompt, schema or model is another version and misses. The newest answer wins, except that a sandbox answer never
-- replaces a real one.
CREATE TABLE row_cache (
    task              text NOT NULL,
    template_version  text NOT NULL,
    content_hash      text NOT NULL,
    answer            jsonb NOT NULL,
    -- the request the provider answered (lineage; purge-synthetic removes the entries of the requests it purges)
    request_id        bigint NOT NULL REFERENCES requests (id),
    synthetic         boolean NOT NULL,
    answered_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task, template_version, content_hash)
);
CREATE INDEX row_cache_request ON row_cache (request_id);

-- A result served from the cache names the request whose answer it reused; NULL for an answer of the provider.
ALTER TABLE results ADD COLUMN cached_from bigint REFERENCES requests (id);

-- `run --task T --no-cache`: the run's job asks the provider for every item.
ALTER TABLE extraction_runs ADD COLUMN use_cache boolean NOT NULL DEFAULT true;

-- A cache hit of a sandbox answer is synthetic too.
CREATE OR REPLACE VIEW synthetic_answers AS
    SELECT s.request_id, r.job_id, r.task, s.batch_id, b.provider
    FROM results s JOIN batches b ON b.id = s.batch_id AND b.synthetic JOIN requests r ON r.id = s.request_id
    UNION ALL
    SELECT s.request_id, r.job_id, r.task, s.batch_id, r.provider
    FROM results s JOIN requests r ON r.id = s.request_id
    WHERE s.batch_id IS NULL AND EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = s.request_id AND a.synthetic)
    UNION ALL
    SELECT s.request_id, r.job_id, r.task, s.batch_id, r.provider
    FROM results s JOIN requests r ON r.id = s.request_id
    WHERE s.cached_from IS NOT NULL
      AND (EXISTS (SELECT 1 FROM results o JOIN batches b ON b.id = o.batch_id AND b.synthetic
                   WHERE o.request_id = s.cached_from)
           OR EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = s.cached_from AND a.synthetic));
