-- The enqueued-token quota as the provider counts it (issue #17): the provider's own count of a batch's prompts, the
-- usage of its result lines, recorded once when the batch is ingested (so a re-run ingest calibrates nothing twice).
-- batches.estimated_tokens is what packing counted: our estimate times the learned factor and the safety margin.
ALTER TABLE batches ADD COLUMN provider_tokens bigint;
