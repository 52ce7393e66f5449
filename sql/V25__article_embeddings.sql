-- The article-embeddings task (#13): one vector per article. Declared real[] so it works on any PostgreSQL; when the
-- pgvector extension is installed, batchpipe turns the column into vector(256) at start-up (pipeline/VectorColumns).
CREATE TABLE article_embeddings (
    article_id  text PRIMARY KEY,
    embedding   real[] NOT NULL,
    request_id  bigint NOT NULL UNIQUE REFERENCES requests (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
