-- Exposure-aware re-ranking of members' matches (issue 15, part 4). The exposure audit
-- (web/services/exposure.py) is computed in one web process; several hosts share this database
-- (docs/scaling.md), so each completed audit writes its per-profile counts here, replacing the
-- previous audit's rows in one transaction, and every process re-ranks from these rows.

CREATE TABLE profile_exposure (
    profile_id  text PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    shown_in    integer NOT NULL CHECK (shown_in >= 0),  -- in how many other profiles' default top 10
    computed_at timestamptz NOT NULL                     -- when the audit that counted it completed
);

-- One row at most (no row: the re-ranking is off). An officer switches it on or off and sets its
-- strength on /officer/exposure; each change is also written to the audit log.
CREATE TABLE exposure_reranking (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    enabled     boolean NOT NULL,
    strength    real NOT NULL CHECK (strength >= 0.1 AND strength <= 1.0),
    changed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
