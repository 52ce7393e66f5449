-- A request's custom id at a provider is derived from its id and submission (r<id>s<n>, RequestRenderer), so
-- the copy stored on the row was a second source of truth: dropped.
DROP INDEX requests_custom_id;
ALTER TABLE requests DROP COLUMN custom_id;
COMMENT ON TABLE requests IS 'One LLM call. Its custom id at a provider is r<id>s<submissions> (RequestRenderer): '
    'deterministic, so a batch file rebuilt after a crash is identical, and distinct per submission.';
