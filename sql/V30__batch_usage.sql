-- The enqueued-token quota as the provider counts it (issue #17): the prompt tokens a provider's batch object reports
-- for the whole batch (OpenAI's usage.input_tokens), recorded when the batch is seen finished. The calibration uses it
-- for a batch whose result lines carry no usage of their own.
ALTER TABLE batches ADD COLUMN reported_tokens bigint;
COMMENT ON COLUMN batches.reported_tokens IS 'prompt tokens the provider''s batch object reported for the whole batch (null: none)';
