-- Server-side sessions and rate-limit counters: state every worker and host shares through the
-- database, instead of signed cookies and per-process memory.

-- One row per browser session that holds something (a signed-in user, a language, a message).
-- The cookie carries an opaque random id; only its sha256 is stored, so a leaked table holds no
-- usable cookie. Ended sessions (sign-out, password change, disabled user) are deleted.
CREATE TABLE sessions (
    id_hash       text PRIMARY KEY,
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    locale        text,
    flash         jsonb NOT NULL DEFAULT '[]',      -- [[kind, English msgid], ...] for the next page
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()  -- refreshed at most once a minute
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
CREATE INDEX sessions_created_idx ON sessions (created_at);

-- A counter per bucket (an action and a hashed client address, account or e-mail address) for a
-- window that starts with the bucket's first hit; a hit after resets_at starts a new window.
CREATE TABLE rate_limits (
    bucket     text PRIMARY KEY,
    hits       integer NOT NULL,
    resets_at  timestamptz NOT NULL
);
CREATE INDEX rate_limits_resets_idx ON rate_limits (resets_at);
