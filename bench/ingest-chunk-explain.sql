-- Where a 500-line ingest chunk's time goes: its statements (ResultIngester, OutputWriter.writeAll, RowCache.rememberAll,
-- with the chunk's values from a table instead of bound arrays) under EXPLAIN (ANALYZE, BUFFERS, WAL), on a database
-- left by `FIGURES=ingest bench/run-all.sh` (news-classification, batch 1). It takes requests 3001-3500 out of a copy
-- of that database for good (their rows are saved in ingest_chunk, their state set back to batched, in committed
-- transactions, so the measured UPDATE sees rows written by others, as the ingest does); the measured transaction is
-- rolled back, so it can be run again. Run it on a copy of bench/work-all/data/postgres started by hand:
--   psql -h 127.0.0.1 -p PORT -U postgres -f bench/ingest-chunk-explain.sql
\set ON_ERROR_STOP on
SELECT to_regclass('ingest_chunk') IS NULL AS fresh \gset
\if :fresh
CREATE TABLE ingest_chunk AS
  SELECT r.id, x.response::text AS response, x.answer::text AS answer, n.article_id, n.is_financial, n.sectors,
         n.companies, n.sentiment, n.confidence_score, n.summary_en, n.summary_tr, c.template_version,
         c.answer::text AS cached
  FROM requests r JOIN results x ON x.request_id = r.id JOIN news_classifications n ON n.request_id = r.id
  JOIN row_cache c ON c.request_id = r.id WHERE r.id BETWEEN 3001 AND 3500;
DELETE FROM news_classifications WHERE request_id BETWEEN 3001 AND 3500;
DELETE FROM row_cache WHERE request_id BETWEEN 3001 AND 3500;
DELETE FROM results WHERE request_id BETWEEN 3001 AND 3500;
UPDATE requests SET state = 'batched' WHERE id BETWEEN 3001 AND 3500;
VACUUM ANALYZE;
\endif
BEGIN;
\timing on
-- the locked read of the chunk's requests
SELECT count(*) FROM (SELECT r.id, i.payload::text FROM requests r JOIN items i ON i.id = r.item_id
  JOIN request_submissions s ON s.request_id = r.id AND s.batch_id = 1
  JOIN ingest_chunk c ON c.id = r.id ORDER BY r.id FOR UPDATE OF r) q;
-- the task rows
DELETE FROM news_classifications WHERE article_id IN (SELECT article_id FROM ingest_chunk);
EXPLAIN (ANALYZE, BUFFERS, WAL) INSERT INTO news_classifications (article_id, is_financial, sectors, companies,
  sentiment, confidence_score, summary_en, summary_tr, request_id)
  SELECT article_id, is_financial, sectors, companies, sentiment, confidence_score, summary_en, summary_tr, id
  FROM ingest_chunk ON CONFLICT DO NOTHING;
-- the results
EXPLAIN (ANALYZE, BUFFERS, WAL) INSERT INTO results (request_id, batch_id, response, answer, input_tokens,
  output_tokens, cached_tokens, cost_usd)
  SELECT id, 1, CAST(response AS jsonb), CAST(answer AS jsonb), 10, 10, 0, 0.001 FROM ingest_chunk
  ON CONFLICT (request_id) DO NOTHING;
-- the settle
EXPLAIN (ANALYZE, BUFFERS, WAL) UPDATE requests r SET input_tokens = r.input_tokens + 10,
  output_tokens = r.output_tokens + 10, cost_usd = r.cost_usd + 0.001, state = 'succeeded', batch_id = 1,
  last_error = NULL, updated_at = now() FROM ingest_chunk c WHERE r.id = c.id;
-- the row cache
EXPLAIN (ANALYZE, BUFFERS, WAL) INSERT INTO row_cache (task, template_version, content_hash, answer, request_id,
  synthetic)
  SELECT r.task, c.template_version, i.content_hash, CAST(c.cached AS jsonb), r.id,
         coalesce((SELECT b.synthetic FROM batches b WHERE b.id = 1), false)
  FROM ingest_chunk c JOIN requests r ON r.id = c.id JOIN items i ON i.id = r.item_id
  ON CONFLICT (task, template_version, content_hash) DO UPDATE SET answer = EXCLUDED.answer,
    request_id = EXCLUDED.request_id, synthetic = EXCLUDED.synthetic, answered_at = now()
  WHERE row_cache.synthetic OR NOT EXCLUDED.synthetic;
\timing off
ROLLBACK;
