-- Micro-batching (#12): a request template with rows_per_request > 1 sends up to that many items in one provider
-- request (a batch line or a realtime call). Each item keeps its own request row, submissions and attempts; what was
-- sent together is recorded on the submissions, and an item a micro-batch answer missed or broke goes alone.

-- The custom id of the micro-batch (g<first request>s<its submission>) that carried this submission; NULL when the
-- request went alone. A result line under that id is split into one answer per request of the group.
ALTER TABLE request_submissions ADD COLUMN group_id text;
CREATE INDEX request_submissions_group ON request_submissions (group_id) WHERE group_id IS NOT NULL;

-- Single-item fallback: a micro-batch answer left this request out or answered it against the schema, so it is
-- retried alone from now on.
ALTER TABLE requests ADD COLUMN alone boolean NOT NULL DEFAULT false;
