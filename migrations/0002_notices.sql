-- Notices, their occurrences and deliveries, acknowledgements, meetings and the campaign tips.
-- A notice is a row: text (or a catalogue template), targets and a schedule as small JSON
-- values. Times are UTC ISO-8601 text.

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    place       TEXT NOT NULL,
    targets     TEXT NOT NULL,                 -- JSON: {"everyone", "tags", "committees"}
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by  TEXT NOT NULL,                 -- platform:id of the staff member
    instance    TEXT UNIQUE,                   -- the flow run that made it (finish runs once)
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('notice', 'broadcast', 'campaign', 'meeting')),
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    template     TEXT,                         -- catalogue key rendered at sending time
    image        TEXT,                         -- JSON of an attachment, or NULL
    targets      TEXT NOT NULL,                -- JSON: {"everyone", "tags", "committees"}
    schedule     TEXT NOT NULL,                -- JSON: now | once | recurring | meeting
    status       TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('draft', 'active', 'paused', 'done', 'cancelled')),
    urgent       INTEGER NOT NULL DEFAULT 0,   -- goes through quiet hours on purpose
    ack          INTEGER NOT NULL DEFAULT 0,   -- asks for 收到
    ack_remind_minutes INTEGER,                -- remind chats that have not acknowledged
    meeting_id   INTEGER REFERENCES meetings (id),
    created_by   TEXT NOT NULL,                -- platform:id, 'cli' or 'system'
    system_key   TEXT UNIQUE,                  -- built-in notices, e.g. the summer campaign
    instance     TEXT UNIQUE,                  -- the flow run that made it
    since        TEXT NOT NULL,                -- occurrences before this are not due (resume)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX notices_by_status ON notices (status);

CREATE TABLE campaign_tips (
    id          INTEGER PRIMARY KEY,
    campaign    TEXT NOT NULL,                 -- the notice's system_key
    slug        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',      -- fact ids and reliability marks
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL,
    UNIQUE (campaign, slug)
);

CREATE TABLE notice_occurrences (
    id           INTEGER PRIMARY KEY,
    notice_id    INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    due_at       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'planned'
                 CHECK (status IN ('planned', 'sent', 'missed')),
    tip_id       INTEGER REFERENCES campaign_tips (id),
    sent_at      TEXT,
    reported_at  TEXT,                         -- delivery report sent, or listed as missed
    progress     INTEGER NOT NULL DEFAULT 0,   -- deliveries sent when progress was last told
    ack_reminded_at TEXT,
    UNIQUE (notice_id, due_at)
);

CREATE INDEX occurrences_by_status ON notice_occurrences (status, reported_at);

CREATE TABLE notice_deliveries (
    id             INTEGER PRIMARY KEY,
    occurrence_id  INTEGER NOT NULL REFERENCES notice_occurrences (id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    outbox_key     TEXT UNIQUE,                -- the outbox row's dedup_key; NULL when skipped
    skipped        TEXT,                       -- why nothing was queued (an inactive chat)
    UNIQUE (occurrence_id, platform, chat_id)
);

CREATE TABLE notice_acks (
    occurrence_id  INTEGER NOT NULL REFERENCES notice_occurrences (id) ON DELETE CASCADE,
    user_ref       TEXT NOT NULL,              -- platform:id
    user_name      TEXT NOT NULL DEFAULT '',
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    at             TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, user_ref)
);
