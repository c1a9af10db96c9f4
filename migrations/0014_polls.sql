-- Consultations (意见征询): simple polls (one answer per person) and building polls (one
-- answer per household of one 门栋, counted by the 民法典 第278条 double thresholds).
-- Times are UTC ISO-8601 text; areas are decimal text (m²), so sums stay exact.

CREATE TABLE polls (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('simple', 'building')),
    title           TEXT NOT NULL,
    committee_id    INTEGER REFERENCES residents_committees (id),
    building        TEXT,                              -- 小区 + 门栋, building polls only
    deadline        TEXT NOT NULL,                     -- answers are taken before this moment
    totals_public   TEXT NOT NULL DEFAULT 'after'      -- residents see running totals: 'after'
                    CHECK (totals_public IN ('after', 'always')),  -- the deadline, or 'always'
    created_by      TEXT NOT NULL,                     -- platform:id, or 'cli'
    created_at      TEXT NOT NULL
);

-- The choices of a simple poll, in the order shown (building polls have 同意/不同意/弃权).
CREATE TABLE poll_options (
    poll_id   INTEGER NOT NULL REFERENCES polls (id),
    position  INTEGER NOT NULL,
    label     TEXT NOT NULL,
    PRIMARY KEY (poll_id, position)
);

-- The groups a simple poll was put to (none: the committee's residents' groups).
CREATE TABLE poll_chats (
    poll_id  INTEGER NOT NULL REFERENCES polls (id),
    chat_id  INTEGER NOT NULL REFERENCES chats (id),
    PRIMARY KEY (poll_id, chat_id)
);

-- The households of a building poll; owner is personal (staff and the director only).
CREATE TABLE poll_households (
    id       INTEGER PRIMARY KEY,
    poll_id  INTEGER NOT NULL REFERENCES polls (id),
    room     TEXT NOT NULL,
    area     TEXT NOT NULL,                            -- 专有部分面积, m², decimal text
    owner    TEXT,
    code     TEXT NOT NULL UNIQUE,                     -- the household code on the 征询函
    UNIQUE (poll_id, room)
);

-- The answer that counts: one per household (building) or per person (simple); a changed
-- answer replaces the row, and ``changes`` says how often it was changed.
CREATE TABLE poll_answers (
    id            INTEGER PRIMARY KEY,
    poll_id       INTEGER NOT NULL REFERENCES polls (id),
    household_id  INTEGER REFERENCES poll_households (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    choice        TEXT NOT NULL,                       -- agree/disagree/abstain, or a position
    changes       INTEGER NOT NULL DEFAULT 0,
    answered_at   TEXT NOT NULL
);

CREATE UNIQUE INDEX poll_answers_per_household ON poll_answers (poll_id, household_id)
    WHERE household_id IS NOT NULL;
CREATE UNIQUE INDEX poll_answers_per_person ON poll_answers (poll_id, user_id)
    WHERE household_id IS NULL;

-- Wrong household codes per person: five within an hour lock them out for an hour.
CREATE TABLE poll_code_failures (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    at       TEXT NOT NULL
);

CREATE INDEX poll_code_failures_by_user ON poll_code_failures (user_id, at);

CREATE TABLE poll_lockouts (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id),
    until    TEXT NOT NULL
);
