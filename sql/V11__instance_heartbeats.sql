-- Instance heartbeats. Every batchpipe instance (service or one-shot command) renews its row every few seconds
-- (routes/heartbeat.camel.yaml). A claim whose owner stopped beating is free at once, not when its lease runs out:
-- a crashed instance's batches, source rows, runs and inbox files pass to a live instance within seconds. A live
-- instance's claims are taken only as before, when their lease ran out.
CREATE TABLE instances (
    id             text PRIMARY KEY,
    host           text NOT NULL,
    pid            bigint NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    -- the start of its current unbroken run of heartbeats (reset when a beat comes after alive_until)
    beating_since  timestamptz NOT NULL DEFAULT now(),
    heartbeat_at   timestamptz NOT NULL DEFAULT now(),
    -- heartbeat_at plus the heartbeat timeout: past this, the instance counts as stopped
    alive_until    timestamptz NOT NULL,
    -- set once by the instance that noticed it stopped (so that one says so, and looks for its work at once)
    released_at    timestamptz
);
COMMENT ON TABLE instances IS 'one row per batchpipe instance, renewed by its heartbeat';

-- An instance that may take over others' claims: beating now, and for at least one timeout without a gap. After a
-- database outage every instance's heartbeat has lapsed; nobody takes anything over until each had the time to beat
-- again, so instances that were only cut off keep their work.
CREATE FUNCTION instance_steady(claimant text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM instances c WHERE c.id = claimant AND c.alive_until >= now()
                   AND c.beating_since <= now() - (c.alive_until - c.heartbeat_at))
$$;

-- Whether claimant may take a claim held by owner whose heartbeat stopped. An owner without a row (a claim made
-- before this migration) is not known to have stopped: its lease decides, as before.
CREATE FUNCTION claim_abandoned(owner text, claimant text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT owner IS DISTINCT FROM claimant
       AND EXISTS (SELECT 1 FROM instances o WHERE o.id = owner AND o.alive_until < now())
       AND instance_steady(claimant)
$$;

-- The one test of a free claim (store/LeaseClaim.LEASE_FREE, the intake-db consumers): no lease, a lease that ran
-- out, or an owner whose heartbeat stopped.
CREATE FUNCTION lease_free(owner text, until timestamptz, claimant text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT until IS NULL OR until < now() OR claim_abandoned(owner, claimant)
$$;

-- The inbox read lock: a file is read by one instance at a time (Camel's idempotent read lock over
-- intake/InboxReadLocks). A row is removed when its file was moved or given back; the row of an instance that
-- stopped beating is taken over.
CREATE TABLE inbox_reads (
    file      text PRIMARY KEY,
    owner     text NOT NULL,
    taken_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE inbox_reads IS 'inbox files being read, and by which instance';
