-- Mode auto: a job asked for in mode auto keeps mode 'auto' until all its items are in; then the auto-mode route
-- chooses realtime or batch for it and records why (mode_reason). Neither packing nor the realtime claims take a job
-- while it is 'auto'. deadline_at: when the job asked to be done by (--deadline), the decision's other input.
ALTER TABLE jobs DROP CONSTRAINT jobs_mode_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_mode_check CHECK (mode IN ('batch', 'realtime', 'auto'));
ALTER TABLE jobs ADD COLUMN mode_reason text;
ALTER TABLE jobs ADD COLUMN deadline_at timestamptz;
CREATE INDEX jobs_auto_mode ON jobs (id) WHERE mode = 'auto';

-- `run --task T --mode M --deadline D`: the extraction run's job is opened with them (NULL: the task's mode).
ALTER TABLE extraction_runs ADD COLUMN mode text CHECK (mode IN ('batch', 'realtime', 'auto'));
ALTER TABLE extraction_runs ADD COLUMN deadline_seconds bigint CHECK (deadline_seconds > 0);

-- Daily request caps of realtime mode (BATCHPIPE_<PROVIDER>_DAILY_REQUESTS[_<MODEL>], a task's daily_limit): the
-- requests admitted per scope ('<provider>/<model>' or 'task:<name>') and UTC day, counted by the claim that admits
-- them, so every instance on this database counts against one cap. cap: the cap in force when last counted; a scope
-- whose count reached it is paused until the next day.
CREATE TABLE daily_requests (
    scope     text NOT NULL,
    day       date NOT NULL,
    requests  integer NOT NULL,
    cap       integer NOT NULL CHECK (cap > 0),
    -- the last request counted: for a paused scope, when its cap was reached
    counted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, day)
);
