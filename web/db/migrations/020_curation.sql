-- Programme officers' curated match lists (events, delegation visits, cohorts), the assignment
-- runs made for them, the meetings published to participants, and the outcomes that follow.
-- Side 'a' is the side with minimum proposals (startups, incubators, clusters: usually Vietnamese),
-- side 'b' the side with limited meetings (usually foreign partners).

CREATE TABLE match_lists (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL,
    kind           text NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'delegation', 'cohort')),
    starts_on      date,
    ends_on        date,
    location       text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'closed')),
    -- defaults for participants without their own min/max; a NULL maximum means no maximum
    min_a          integer NOT NULL DEFAULT 1 CHECK (min_a >= 0),
    max_a          integer CHECK (max_a >= 0),
    min_b          integer NOT NULL DEFAULT 0 CHECK (min_b >= 0),
    max_b          integer CHECK (max_b >= 0),
    -- diversity rule: at most this many a-side participants of one group label per b-side one
    max_per_group  integer CHECK (max_per_group >= 1),
    -- pairs below this fit are never proposed (unless forced)
    min_fit        integer NOT NULL DEFAULT 0 CHECK (min_fit BETWEEN 0 AND 100),
    fairness       text NOT NULL DEFAULT 'none' CHECK (fairness IN ('none', 'total', 'mean')),
    published_run  bigint,
    created_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    closed_at      timestamptz,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX match_lists_state_idx ON match_lists (state, starts_on);

CREATE TABLE match_list_participants (
    list_id      bigint NOT NULL REFERENCES match_lists (id) ON DELETE CASCADE,
    profile_id   text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    side         char(1) NOT NULL CHECK (side IN ('a', 'b')),
    min_pairs    integer CHECK (min_pairs >= 0),     -- NULL: the list's default for the side
    max_pairs    integer CHECK (max_pairs >= 0),     -- NULL: the list's default for the side
    group_label  text,                               -- for the diversity rule (a side)
    added_via    text NOT NULL DEFAULT 'hand' CHECK (added_via IN ('filter', 'hand', 'csv')),
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, profile_id)
);
CREATE INDEX match_list_participants_profile_idx ON match_list_participants (profile_id);

-- conflicts of interest and must-meet pairs; one pair is either blocked or forced
CREATE TABLE match_list_pairs (
    list_id     bigint NOT NULL,
    a_id        text NOT NULL,
    b_id        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('blocked', 'forced')),
    reason      text NOT NULL DEFAULT 'other'
                CHECK (reason IN ('same_group', 'competitor', 'already_met', 'requested', 'other')),
    note        text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, a_id, b_id),
    FOREIGN KEY (list_id, a_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE,
    FOREIGN KEY (list_id, b_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE
);

-- the matching service's scores of the list's pairs, kept with the profile revisions they were
-- computed from (a newer revision makes a row stale)
CREATE TABLE match_list_scores (
    list_id      bigint NOT NULL,
    a_id         text NOT NULL,
    b_id         text NOT NULL,
    a_revision   integer NOT NULL,
    b_revision   integer NOT NULL,
    score        double precision NOT NULL,
    fit          double precision NOT NULL,
    components   jsonb NOT NULL DEFAULT '{}',
    explanation  jsonb,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, a_id, b_id),
    FOREIGN KEY (list_id, a_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE,
    FOREIGN KEY (list_id, b_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE
);

CREATE TABLE assignment_runs (
    id                bigserial PRIMARY KEY,
    list_id           bigint NOT NULL REFERENCES match_lists (id) ON DELETE CASCADE,
    number            integer NOT NULL,                 -- 1, 2, ... within the list
    parent_id         bigint REFERENCES assignment_runs (id) ON DELETE SET NULL,  -- re-run from
    parameters        jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('optimal', 'infeasible')),
    solver_objective  double precision NOT NULL,        -- as solved
    objective         double precision NOT NULL,        -- after the officer's edits
    explanation       text NOT NULL DEFAULT '',
    relaxations       jsonb NOT NULL DEFAULT '[]',
    alternates        jsonb NOT NULL DEFAULT '{}',
    info              jsonb NOT NULL DEFAULT '{}',
    created_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, number)
);
ALTER TABLE match_lists ADD FOREIGN KEY (published_run) REFERENCES assignment_runs (id) ON DELETE SET NULL;

-- score: the matching service's score; fit: 0-100; the solver's weight of a pair is fit / 100
CREATE TABLE run_pairs (
    run_id  bigint NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    a_id    text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    b_id    text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    score   double precision NOT NULL,
    fit     double precision NOT NULL,
    pinned  boolean NOT NULL DEFAULT false,
    source  text NOT NULL CHECK (source IN ('solver', 'forced', 'officer')),
    PRIMARY KEY (run_id, a_id, b_id)
);

-- the officer's hand edits of a run, with the objective before and after
CREATE TABLE run_edits (
    id                bigserial PRIMARY KEY,
    run_id            bigint NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    action            text NOT NULL CHECK (action IN ('pin', 'unpin', 'add', 'remove', 'swap')),
    a_id              text NOT NULL,
    b_id              text NOT NULL,
    new_a_id          text,
    new_b_id          text,
    objective_before  double precision NOT NULL,
    objective_after   double precision NOT NULL,
    edited_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    edited_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_edits_run_idx ON run_edits (run_id, id);

-- a published pair: both participants accept or decline (confirmed once both accept)
CREATE TABLE meetings (
    id             bigserial PRIMARY KEY,
    list_id        bigint NOT NULL REFERENCES match_lists (id) ON DELETE CASCADE,
    run_id         bigint REFERENCES assignment_runs (id) ON DELETE SET NULL,
    a_id           text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    b_id           text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    fit            double precision NOT NULL,
    a_answer       text NOT NULL DEFAULT 'pending' CHECK (a_answer IN ('pending', 'accepted', 'declined')),
    b_answer       text NOT NULL DEFAULT 'pending' CHECK (b_answer IN ('pending', 'accepted', 'declined')),
    a_answered_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    b_answered_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    a_answered_at  timestamptz,
    b_answered_at  timestamptz,
    state          text NOT NULL DEFAULT 'proposed'
                   CHECK (state IN ('proposed', 'confirmed', 'declined', 'expired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, a_id, b_id)
);
CREATE INDEX meetings_a_idx ON meetings (a_id);
CREATE INDEX meetings_b_idx ON meetings (b_id);

-- what happened after an introduction or a meeting, entered by either side or an officer
CREATE TABLE outcomes (
    id               bigserial PRIMARY KEY,
    introduction_id  bigint REFERENCES introductions (id) ON DELETE CASCADE,
    meeting_id       bigint REFERENCES meetings (id) ON DELETE CASCADE,
    list_id          bigint REFERENCES match_lists (id) ON DELETE SET NULL,
    a_id             text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    b_id             text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    type             text NOT NULL CHECK (type IN ('met', 'nda_mou', 'pilot', 'licence', 'investment',
                                                   'joint_rnd', 'technology_transfer')),
    occurred_on      date NOT NULL,
    note             text NOT NULL DEFAULT '',
    entered_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    entered_role     text NOT NULL CHECK (entered_role IN ('participant', 'officer')),
    entered_for      text REFERENCES profiles (id) ON DELETE SET NULL,  -- the participant's profile
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(introduction_id, meeting_id) = 1)
);
CREATE INDEX outcomes_introduction_idx ON outcomes (introduction_id);
CREATE INDEX outcomes_meeting_idx ON outcomes (meeting_id);
CREATE INDEX outcomes_occurred_idx ON outcomes (occurred_on);
