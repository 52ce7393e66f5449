-- Work that starts in the database: rows other systems insert into a task's source table (story_groups
-- for knowledge-extraction), and extraction runs an operator or another system requests by inserting a
-- row. Both wake batchpipe through NOTIFY (channels batchpipe_sources, payload the table name, and
-- batchpipe_runs); a polling route catches whatever arrived while no instance was listening.

-- A source table follows one convention (see README, "DB-triggered runs"): the task's input columns,
-- updated_at, and the extraction columns below. The trigger marks a row pending whenever its input
-- changes, so a changed group is extracted again and an unchanged one is not.
ALTER TABLE story_groups
    ADD COLUMN extraction_state   text NOT NULL DEFAULT 'pending'
                                  CHECK (extraction_state IN ('pending', 'claimed', 'queued', 'done', 'failed')),
    ADD COLUMN claimed_by         text,
    ADD COLUMN claimed_until      timestamptz,
    ADD COLUMN extraction_job_id  bigint REFERENCES jobs (id),
    ADD COLUMN extracted_at       timestamptz;
CREATE INDEX story_groups_waiting ON story_groups (updated_at) WHERE extraction_state IN ('pending', 'claimed');
CREATE INDEX story_groups_queued ON story_groups (extraction_job_id) WHERE extraction_state = 'queued';

CREATE FUNCTION story_groups_input_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title OR NEW.text IS DISTINCT FROM OLD.text THEN
        NEW.extraction_state := 'pending';
        NEW.claimed_by := NULL;
        NEW.claimed_until := NULL;
        NEW.updated_at := now();
        -- one payload per table: PostgreSQL folds identical notifications of a transaction into one
        PERFORM pg_notify('batchpipe_sources', TG_TABLE_NAME);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER story_groups_input_changed BEFORE INSERT OR UPDATE ON story_groups
    FOR EACH ROW EXECUTE FUNCTION story_groups_input_changed();

-- An explicit run of a task over its source table. Selection: rows updated since `since`, or the rows
-- named in `ids`, at most `row_limit` (newest first). batchpipe writes progress and outcome back here.
CREATE TABLE extraction_runs (
    id             bigserial PRIMARY KEY,
    task           text NOT NULL,
    since          timestamptz,
    ids            text[],
    row_limit      integer CHECK (row_limit > 0),
    priority       smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    schedule       text NOT NULL DEFAULT 'overnight' CHECK (schedule IN ('asap', 'overnight')),
    requested_by   text NOT NULL DEFAULT current_user,
    status         text NOT NULL DEFAULT 'requested'
                   CHECK (status IN ('requested', 'claimed', 'running', 'succeeded', 'partial', 'failed')),
    claimed_by     text,
    claimed_until  timestamptz,
    job_id         bigint REFERENCES jobs (id),
    rows_selected  integer,
    items_new      integer,
    succeeded      integer,
    dead           integer,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE INDEX extraction_runs_open ON extraction_runs (id) WHERE status IN ('requested', 'claimed', 'running');

CREATE FUNCTION extraction_runs_requested() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('batchpipe_runs', NEW.id::text);
    RETURN NEW;
END $$;
CREATE TRIGGER extraction_runs_requested AFTER INSERT ON extraction_runs
    FOR EACH ROW EXECUTE FUNCTION extraction_runs_requested();
