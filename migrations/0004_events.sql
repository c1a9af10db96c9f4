-- Events and sign-ups (活动报名): capacity, waiting list, check-in codes, posts to groups.
-- Times are UTC ISO-8601 text. Seats are decided inside one write transaction from the
-- confirmed party sizes in this table; UNIQUE (event_id, user_id) keeps one sign-up a person.

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    starts_at       TEXT NOT NULL,
    ends_at         TEXT,
    place           TEXT NOT NULL,
    capacity        INTEGER CHECK (capacity IS NULL OR capacity >= 1),  -- people; NULL: unlimited
    deadline        TEXT,                          -- sign-ups close; NULL: at the start
    max_party       INTEGER NOT NULL DEFAULT 1 CHECK (max_party >= 1),
    phone_required  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
    created_by      TEXT NOT NULL,                 -- platform:id, or 'cli'
    source          TEXT UNIQUE,                   -- the /newevent run that made it
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX events_by_start ON events (status, starts_at);

-- The residents' committees an event is open to; none means everyone.
CREATE TABLE event_committees (
    event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    committee_id  INTEGER NOT NULL REFERENCES residents_committees (id),
    PRIMARY KEY (event_id, committee_id)
);

CREATE TABLE signups (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events (id),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    phone          TEXT,
    party          INTEGER NOT NULL CHECK (party >= 1),
    status         TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    seq            INTEGER NOT NULL,               -- arrival order within the event
    code           TEXT NOT NULL UNIQUE,           -- check-in code shown at the door
    checked_in_at  TEXT,
    source         TEXT UNIQUE,                    -- the sign-up flow run that made it
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (event_id, user_id),
    UNIQUE (event_id, seq)
);

CREATE INDEX signups_by_status ON signups (event_id, status, seq);

-- What staff posted about an event: announcements to groups, messages to those confirmed.
CREATE TABLE event_posts (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id),
    kind        TEXT NOT NULL CHECK (kind IN ('announce', 'message')),
    body        TEXT NOT NULL DEFAULT '',
    posted_by   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
