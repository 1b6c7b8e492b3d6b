-- Background jobs (embedding profiles). A worker claims jobs with FOR UPDATE SKIP LOCKED and does
-- the work inside the same transaction, so a killed worker's jobs simply become claimable again.
CREATE TABLE jobs (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    key          text NOT NULL,                 -- what it is about, e.g. a profile id
    payload      jsonb NOT NULL DEFAULT '{}',
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    run_after    timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
-- at most one pending job per (kind, key): re-enqueueing a pending job is a no-op
CREATE UNIQUE INDEX jobs_pending_key_idx ON jobs (kind, key) WHERE status = 'queued';
CREATE INDEX jobs_queue_idx ON jobs (run_after, id) WHERE status = 'queued';
