-- Web application tables: password resets, the mail outbox, introductions and their
-- messages, and per-user feedback on proposed matches. Sessions live in signed cookies.

CREATE TABLE password_reset_tokens (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,          -- sha256 of the emailed token; the token itself is never stored
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);

CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    kind        text NOT NULL DEFAULT 'notice',  -- password_reset, introduction_requested, ...
    sent_at     timestamptz,                     -- set when handed to SMTP
    error       text                             -- last SMTP error, if any
);
CREATE INDEX outbox_created_idx ON outbox (created_at DESC);

CREATE TABLE introductions (
    id              bigserial PRIMARY KEY,
    from_profile    text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    to_profile      text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    requested_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    message         text NOT NULL DEFAULT '',
    state           text NOT NULL DEFAULT 'requested'
                    CHECK (state IN ('requested', 'accepted', 'declined', 'withdrawn', 'expired')),
    decline_reason  text,
    share_reason    boolean NOT NULL DEFAULT false,
    decided_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    decided_at      timestamptz,
    CHECK (from_profile <> to_profile)
);
-- at most one open (requested or accepted) introduction per ordered pair
CREATE UNIQUE INDEX introductions_open_pair_idx ON introductions (from_profile, to_profile)
    WHERE state IN ('requested', 'accepted');
CREATE INDEX introductions_from_idx ON introductions (from_profile, created_at);
CREATE INDEX introductions_to_idx ON introductions (to_profile);
CREATE INDEX introductions_due_idx ON introductions (expires_at) WHERE state = 'requested';

CREATE TABLE introduction_messages (
    id               bigserial PRIMARY KEY,
    introduction_id  bigint NOT NULL REFERENCES introductions (id) ON DELETE CASCADE,
    author_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    author_profile   text NOT NULL,
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX introduction_messages_intro_idx ON introduction_messages (introduction_id, id);

-- what a user said about a proposed match for one of their profiles: saved or hidden
CREATE TABLE feedback (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    target_id   text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    verdict     text NOT NULL CHECK (verdict IN ('saved', 'hidden')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, profile_id, target_id)
);
