-- FAQ: every question asked (so staff see the gaps), feedback on answers, hand-overs to staff,
-- and a generation counter that tells running processes to reload the knowledge base.

CREATE TABLE faq_questions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    question    TEXT NOT NULL,
    entry_id    TEXT,                          -- the entry answered (or picked), if any
    score       REAL NOT NULL,
    confident   INTEGER NOT NULL,
    asked_at    TEXT NOT NULL
);

CREATE INDEX faq_questions_by_time ON faq_questions (asked_at);

CREATE TABLE faq_feedback (
    question_id INTEGER PRIMARY KEY REFERENCES faq_questions (id),
    helpful     INTEGER NOT NULL,
    at          TEXT NOT NULL
);

CREATE TABLE faq_handovers (
    id           INTEGER PRIMARY KEY,
    question_id  INTEGER NOT NULL UNIQUE REFERENCES faq_questions (id),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    answer       TEXT,
    answered_by  INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    answered_at  TEXT
);

CREATE TABLE faq_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

INSERT INTO faq_meta (key, value) VALUES ('generation', '0');
