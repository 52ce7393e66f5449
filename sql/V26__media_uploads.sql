-- Videos uploaded to a provider's Files API (Gemini), once per content hash (issue #13). The row is written as
-- 'uploading' before the bytes go, so after a crash the file is looked for at the provider (by its display name,
-- batchpipe-media-<hash>) before it is sent again; 'uploaded' holds the name and URI requests refer to, until the
-- provider deletes the file (expires_at: Gemini keeps files 48 hours).
CREATE TABLE media_uploads (
    provider     text        NOT NULL,
    content_hash text        NOT NULL,
    mime_type    text        NOT NULL,
    size_bytes   bigint      NOT NULL,
    state        text        NOT NULL CHECK (state IN ('uploading', 'uploaded')),
    file_name    text,
    file_uri     text,
    expires_at   timestamptz,
    started_at   timestamptz NOT NULL DEFAULT now(),
    uploaded_at  timestamptz,
    PRIMARY KEY (provider, content_hash),
    CHECK (state = 'uploading' OR (file_name IS NOT NULL AND file_uri IS NOT NULL))
);
