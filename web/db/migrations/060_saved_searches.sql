-- Saved searches and alerts (issue 15, part 2). A member saves a directory search (`query`: the
-- /directory query string, web/services/directory.py DirectoryQuery) or subscribes to new partners
-- for one of their profiles (`profile_id`); an officer saves a scouting query labelled with a
-- programme. When a profile is embedded, the web process that has it in its index evaluates it
-- against every saved search at once (web/services/alerts.py); a profile that enters the top
-- results becomes an alert, an in-app notification and a mail (immediate or in a weekly digest).

CREATE TABLE saved_searches (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('search', 'profile')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    programme     text,                        -- an officer's programme or list the query scouts for
    query         text NOT NULL DEFAULT '',    -- kind 'search': DirectoryQuery.query_string()
    profile_id    text REFERENCES profiles (id) ON DELETE CASCADE,  -- kind 'profile'
    frequency     text NOT NULL DEFAULT 'immediate' CHECK (frequency IN ('immediate', 'weekly', 'off')),
    -- the score a newcomer must beat to enter the top results: the k-th result's score when it was
    -- last refreshed (fewer than k results: the least score the search would still show)
    threshold     double precision,
    top_ids       text[] NOT NULL DEFAULT '{}', -- those top results then: already in, they cannot enter
    threshold_at  timestamptz,
    digest_at     timestamptz,                 -- last weekly digest
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'profile') = (profile_id IS NOT NULL))
);
CREATE INDEX saved_searches_user_idx ON saved_searches (user_id);
CREATE UNIQUE INDEX saved_searches_profile_idx ON saved_searches (user_id, profile_id) WHERE kind = 'profile';

CREATE TABLE saved_search_alerts (
    id              bigserial PRIMARY KEY,
    saved_search_id bigint NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    profile_id      text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    rank            integer NOT NULL,          -- its place in the results when it entered (1-based)
    score           double precision NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    mailed_at       timestamptz,               -- in an immediate mail or a digest
    UNIQUE (saved_search_id, profile_id)       -- one alert per profile and search, however often it changes
);
CREATE INDEX saved_search_alerts_unmailed_idx ON saved_search_alerts (saved_search_id) WHERE mailed_at IS NULL;

CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert')),
    alert_id    bigint REFERENCES saved_search_alerts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- profiles embedded since their last evaluation (written by the embedding job, in its transaction;
-- taken by the web process whose index has them)
CREATE TABLE alert_queue (
    profile_id  text PRIMARY KEY,
    queued_at   timestamptz NOT NULL DEFAULT now()
);
