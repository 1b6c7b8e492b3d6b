-- Ranking learned from feedback (issue 15, part 1). Every time a member sees matches (the page
-- /matches, the API's /profiles/{id}/matches) one batched INSERT records what was shown, at which
-- rank, with the engine's score and components (web/services/learning_log.py). The re-ranker
-- (matcher/learning.py) is fitted on these impressions joined to the feedback that followed them
-- (saved / hidden, introductions requested / accepted / declined); each fit is kept as a version,
-- at most one active, and an admin can switch it off or go back to an earlier one.

CREATE SEQUENCE impression_views;

CREATE TABLE impressions (
    id          bigserial PRIMARY KEY,
    view_id     bigint NOT NULL,               -- one page view: nextval('impression_views')
    user_id     bigint REFERENCES users (id) ON DELETE CASCADE,     -- the viewer (NULL: demo log)
    profile_id  text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,  -- whose matches
    target_id   text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,  -- the match shown
    rank        integer NOT NULL CHECK (rank >= 1),
    score       double precision NOT NULL,
    components  jsonb NOT NULL,                -- Match.components: contribution per component
    source      text NOT NULL CHECK (source IN ('page', 'api', 'demo')),
    -- the demo log (web/services/learning_demo.py) carries its simulated action on the impression
    -- itself, so that no demo row ever enters the members' feedback or introductions
    demo_action text CHECK (demo_action IN ('accept', 'hide')),
    shown_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'demo') = (user_id IS NULL)),
    CHECK (demo_action IS NULL OR source = 'demo')
);
CREATE INDEX impressions_pair_idx ON impressions (user_id, profile_id, target_id, shown_at);
CREATE INDEX impressions_shown_idx ON impressions (shown_at);

CREATE TABLE learned_models (
    id          bigserial PRIMARY KEY,         -- the version
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    status      text NOT NULL CHECK (status IN ('used', 'not_better', 'too_few_events')),
    summary     jsonb NOT NULL,                -- matcher.learning.LearnedSummary.to_dict()
    model       jsonb,                         -- LearnedModel.to_dict(): coefficients; NULL if none fitted
    active      boolean NOT NULL DEFAULT false,
    CHECK (NOT active OR (status = 'used' AND model IS NOT NULL))
);
CREATE UNIQUE INDEX learned_models_one_active_idx ON learned_models (active) WHERE active;
