-- Gemini cached contents (explicit context caching) that realtime calls name instead of sending their shared system
-- prompt. One per provider, model and shared-prefix digest (a template version), shared by every instance and kept
-- across restarts; replaced when it nears its expiry or Gemini says it is gone (realtime/GeminiContextCache).
CREATE TABLE cached_contents (
    provider      text        NOT NULL,
    model         text        NOT NULL,
    prefix_digest text        NOT NULL,
    name          text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model, prefix_digest)
);
