-- Expert lists and technology-acquisition target lists (issue 16).
-- An expert list is a match list whose side B holds experts (kind 'expert' profiles) and side A
-- the members they are to advise; the rest of the machinery (scores, runs, meetings) is unchanged.
-- A target list is a match list for a Vietnamese buyer (side A) and the foreign companies and IP
-- assets it wants to license or buy (side B); each target has a status, and every change of it is
-- kept with its date and note.

ALTER TABLE match_lists DROP CONSTRAINT match_lists_kind_check;
ALTER TABLE match_lists ADD CONSTRAINT match_lists_kind_check
    CHECK (kind IN ('event', 'delegation', 'cohort', 'experts', 'targets'));

CREATE TABLE list_targets (
    id           bigserial PRIMARY KEY,
    list_id      bigint NOT NULL,
    buyer_id     text NOT NULL,                  -- a side-A participant
    profile_id   text NOT NULL,                  -- the target company, a side-B participant
    -- the asset: its position in the profile's ip_assets when it was added, and its title then
    -- (an edited profile can move or drop it; the title says which one was meant). NULL: the
    -- company as a whole.
    asset_index  integer CHECK (asset_index >= 0),
    asset_title  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'identified'
                 CHECK (status IN ('identified', 'contacted', 'nda', 'negotiating', 'acquired', 'dropped')),
    status_on    date NOT NULL DEFAULT current_date,   -- when the current status was reached
    fit          double precision,               -- the engine's fit when proposed
    added_via    text NOT NULL DEFAULT 'hand' CHECK (added_via IN ('hand', 'proposal')),
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (list_id, buyer_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE,
    FOREIGN KEY (list_id, profile_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX list_targets_unique_idx ON list_targets (list_id, buyer_id, profile_id, (coalesce(asset_index, -1)));
CREATE INDEX list_targets_status_idx ON list_targets (status);

-- every status a target was given, the first ('identified') included
CREATE TABLE list_target_changes (
    id           bigserial PRIMARY KEY,
    target_id    bigint NOT NULL REFERENCES list_targets (id) ON DELETE CASCADE,
    status       text NOT NULL
                 CHECK (status IN ('identified', 'contacted', 'nda', 'negotiating', 'acquired', 'dropped')),
    occurred_on  date NOT NULL,
    note         text NOT NULL DEFAULT '',
    changed_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX list_target_changes_target_idx ON list_target_changes (target_id, id);
