-- A recorded realtime answer is written once, whatever comes of it: a request whose answer failed (an answer against
-- the schema, an item a micro-batch left out) waits for a new call, not for the same answer again (before this, such a
-- request was given its recorded answer on every claim until its attempts ran out), and a micro-batch answer written
-- by two of its items' claims after a crash counts once.
ALTER TABLE realtime_answers ADD COLUMN written boolean NOT NULL DEFAULT false;
