-- The staff workbench (工作台): one-time sign-in links and browser sessions, both kept only as
-- the SHA-256 of their token, so a copy of the database opens no session. Times are UTC text.

CREATE TABLE web_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT                             -- set when redeemed: a link opens one session
);

CREATE TABLE web_sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    role          INTEGER NOT NULL,              -- the role at sign-in: a change ends the session
    committee_id  INTEGER,
    csrf          TEXT NOT NULL,                 -- every POST must carry it
    via           TEXT NOT NULL,                 -- link | wecom | telegram
    created_at    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);

CREATE INDEX web_sessions_by_user ON web_sessions (user_id);

-- Where a hazard report's step was taken: '' in a chat or the shell, 'workbench' on the pages.
ALTER TABLE hazard_events ADD COLUMN channel TEXT NOT NULL DEFAULT '';
