-- Event day: an event list's days, time slots and tables, who is present when, and where and when
-- each meeting takes place (web.services.eventday). Slots are stored as generated from the plan
-- (numbered 0.. in time order, the number the solver and the meetings use); changing the plan
-- regenerates them and clears a preliminary timetable.

CREATE TABLE event_plans (
    list_id            bigint PRIMARY KEY REFERENCES match_lists (id) ON DELETE CASCADE,
    timezone           text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',   -- IANA name; slot times are local to it
    meeting_minutes    integer NOT NULL DEFAULT 30 CHECK (meeting_minutes BETWEEN 5 AND 240),
    changeover_minutes integer NOT NULL DEFAULT 0 CHECK (changeover_minutes BETWEEN 0 AND 120),
    breaks             text NOT NULL DEFAULT '',     -- "12:00-13:30, 15:00-15:15": no slot overlaps them
    min_gap            integer NOT NULL DEFAULT 0 CHECK (min_gap BETWEEN 0 AND 10),
    video_rooms        integer CHECK (video_rooms >= 0),            -- NULL: no limit
    include_proposed   boolean NOT NULL DEFAULT true,  -- schedule meetings still waiting for answers too
    -- none: nothing scheduled yet; preliminary: the officer's working timetable; final: published
    schedule_state     text NOT NULL DEFAULT 'none' CHECK (schedule_state IN ('none', 'preliminary', 'final')),
    scheduled_at       timestamptz,
    published_at       timestamptz,
    last_solve         jsonb NOT NULL DEFAULT '{}',  -- the last solve: status, counts, seconds, suggestion
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_days (
    list_id      bigint NOT NULL REFERENCES event_plans (list_id) ON DELETE CASCADE,
    day_no       integer NOT NULL CHECK (day_no >= 0),
    on_date      date NOT NULL,
    first_start  time NOT NULL,
    last_end     time NOT NULL,
    PRIMARY KEY (list_id, day_no),
    UNIQUE (list_id, on_date),
    CHECK (last_end > first_start)
);

CREATE TABLE event_slots (
    list_id   bigint NOT NULL REFERENCES event_plans (list_id) ON DELETE CASCADE,
    number    integer NOT NULL CHECK (number >= 0),
    day_no    integer NOT NULL,
    position  integer NOT NULL,       -- within the day, 0..; a break leaves no gap in positions
    starts_at timestamp NOT NULL,     -- local time of the plan's timezone
    minutes   integer NOT NULL,
    PRIMARY KEY (list_id, number)
);

CREATE TABLE event_tables (
    list_id   bigint NOT NULL REFERENCES event_plans (list_id) ON DELETE CASCADE,
    position  integer NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    capacity  integer CHECK (capacity >= 2),    -- NULL: any meeting fits
    PRIMARY KEY (list_id, name)
);

-- who is present when; a participant without a row is present the whole event
CREATE TABLE event_presence (
    list_id      bigint NOT NULL,
    profile_id   text NOT NULL,
    mode         text NOT NULL DEFAULT 'whole' CHECK (mode IN ('whole', 'slots', 'remote')),
    slots        integer[] NOT NULL DEFAULT '{}',   -- mode 'slots': the slot numbers present
    absent_from  integer,     -- marked a no-show on the day: absent from this slot on
    updated_by   text NOT NULL DEFAULT 'officer' CHECK (updated_by IN ('officer', 'participant', 'csv')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, profile_id),
    FOREIGN KEY (list_id, profile_id) REFERENCES match_list_participants (list_id, profile_id) ON DELETE CASCADE
);

-- where and when a meeting is; attendance is marked on the day
ALTER TABLE meetings
    ADD COLUMN slot integer,
    ADD COLUMN table_name text,
    ADD COLUMN remote boolean NOT NULL DEFAULT false,
    ADD COLUMN walk_in boolean NOT NULL DEFAULT false,
    ADD COLUMN attendance text CHECK (attendance IN ('held', 'no_show', 'cancelled')),
    ADD COLUMN unplaced_reason text,
    ADD COLUMN unplaced_detail text,
    ADD COLUMN placed_at timestamptz;
CREATE UNIQUE INDEX meetings_table_slot_idx ON meetings (list_id, slot, table_name)
    WHERE slot IS NOT NULL AND table_name IS NOT NULL;
