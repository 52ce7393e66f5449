-- The topic-enrichment task (#12): a one-line summary and a difficulty per topic, one row per topic.
CREATE TABLE topic_enrichments (
    topic_id    text PRIMARY KEY,
    tldr        text NOT NULL,
    challenge   text NOT NULL CHECK (challenge IN ('practice', 'expert')),
    request_id  bigint NOT NULL UNIQUE REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
