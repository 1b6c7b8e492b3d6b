-- Brokered introductions (issue 16, the Enterprise Europe Network model): a request to or from an
-- anonymous profile first waits with the programme office ('brokering'); an officer forwards it to
-- the recipient (it becomes an ordinary 'requested' one, with the officer's note) or declines it.
-- `brokered` marks an introduction that went through the office; `forwarded_at` says whether it
-- ever reached the recipient (one declined, withdrawn or expired while brokering never did).

ALTER TABLE introductions DROP CONSTRAINT introductions_state_check;
ALTER TABLE introductions ADD CONSTRAINT introductions_state_check
    CHECK (state IN ('brokering', 'requested', 'accepted', 'declined', 'withdrawn', 'expired'));

ALTER TABLE introductions
    ADD COLUMN brokered      boolean NOT NULL DEFAULT false,
    ADD COLUMN broker_note   text,
    ADD COLUMN forwarded_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN forwarded_at  timestamptz;

-- a request waiting with the office is open too: one per pair, and it expires like the others
DROP INDEX introductions_open_pair_idx;
CREATE UNIQUE INDEX introductions_open_pair_idx ON introductions (from_profile, to_profile)
    WHERE state IN ('brokering', 'requested', 'accepted');
DROP INDEX introductions_due_idx;
CREATE INDEX introductions_due_idx ON introductions (expires_at) WHERE state IN ('brokering', 'requested');
CREATE INDEX introductions_brokering_idx ON introductions (created_at) WHERE state = 'brokering';
