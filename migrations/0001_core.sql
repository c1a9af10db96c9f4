-- The core: residents' committees, the property-governance committees, people, chats,
-- conversation state and the outbox every message to another chat goes through.
-- Times are UTC ISO-8601 text.

CREATE TABLE residents_committees (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,          -- e.g. 三门 (三门居民区居委会)
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE topic_committees (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,          -- e.g. 物业服务提升专委会
    description TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    phone         TEXT,
    language      TEXT,
    role          TEXT NOT NULL DEFAULT 'resident'
                  CHECK (role IN ('resident', 'director', 'staff', 'admin')),
    committee_id  INTEGER REFERENCES residents_committees (id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE role_changes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,
    committee_id INTEGER REFERENCES residents_committees (id),
    granted_by  TEXT NOT NULL,                 -- platform:id of the admin, or 'cli' / 'settings'
    at          TEXT NOT NULL
);

CREATE TABLE chats (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('private', 'group')),
    title         TEXT NOT NULL DEFAULT '',
    committee_id  INTEGER REFERENCES residents_committees (id),
    active        INTEGER NOT NULL DEFAULT 1,
    inactive_reason TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE chat_tags (
    chat_id  INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL CHECK (tag IN ('residents', 'directors', 'staff', 'committee')),
    PRIMARY KEY (chat_id, tag)
);

CREATE TABLE conversations (
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    flow         TEXT NOT NULL,
    state        TEXT NOT NULL,                -- JSON: step, answers, editing
    started_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, user_id)
);

CREATE INDEX conversations_by_age ON conversations (updated_at);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    payload      TEXT NOT NULL,                -- JSON of a Reply
    dedup_key    TEXT UNIQUE,                  -- same key, same message: enqueued once
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   TEXT NOT NULL,
    claimed_by   TEXT,
    claimed_at   TEXT,
    sent_at      TEXT,
    error        TEXT,
    created_at   TEXT NOT NULL
);

CREATE INDEX outbox_due ON outbox (platform, status, not_before);
