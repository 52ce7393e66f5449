-- Operating batchpipe: alerts raised by the rules of the alert evaluation (routes/alerts.camel.yaml), and the
-- day budgets that packing holds requests for.

-- One row per event a rule saw. The event key names the event (a batch, a window, a day), so an event is raised,
-- logged and sent to the webhook once, whichever instance evaluated the rules first.
CREATE TABLE alerts (
    id             bigserial PRIMARY KEY,
    rule           text NOT NULL,
    event_key      text NOT NULL UNIQUE,
    severity       text NOT NULL CHECK (severity IN ('warning', 'critical')),
    subject        text,
    message        text NOT NULL,
    details        jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- the webhook's delivery: null while none was tried (or none is configured)
    webhook_state  text CHECK (webhook_state IN ('sent', 'failed')),
    webhook_at     timestamptz,
    webhook_error  text
);
CREATE INDEX alerts_recent ON alerts (created_at DESC);

-- A day's budget that packing stopped at: the scope is a task (its budget_usd_per_day) or '*'
-- (BATCHPIPE_BUDGET_USD_PER_DAY, every task together). Its pending requests wait until the day is over.
CREATE TABLE budget_holds (
    scope          text NOT NULL,
    day            date NOT NULL,
    budget_usd     numeric(16, 8) NOT NULL,
    committed_usd  numeric(16, 8) NOT NULL,
    held_requests  bigint NOT NULL,
    held_at        timestamptz NOT NULL DEFAULT now(),
    until          timestamptz NOT NULL,
    PRIMARY KEY (scope, day)
);
