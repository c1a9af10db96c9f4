-- Topic submissions (议题征集) to the property-governance committees (专委会): the topics,
-- every review move with who and when, and supports (附议), one per person and topic.
-- Times are UTC ISO-8601 text; a meeting date is the local calendar date (YYYY-MM-DD).

-- The three committees of the 淞园治慧 alliance exist by default; admins change them later.
INSERT INTO topic_committees (name, description, created_at) VALUES
    ('物业服务提升专委会', '物业服务的难点：物业企业的学习交流、服务提升和群众关注的物业管理问题',
     CURRENT_TIMESTAMP),
    ('优化宜居专委会', '业委会能力建设与规范运作、老房加装电梯等宜居难题', CURRENT_TIMESTAMP),
    ('零距离保障专委会', '法律法规宣传，业主自治与执法部门共治的衔接', CURRENT_TIMESTAMP)
ON CONFLICT (name) DO NOTHING;

CREATE TABLE topics (
    id             INTEGER PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,          -- YT-YYYYMMDD-NNNN, date in local time
    committee_id   INTEGER NOT NULL REFERENCES topic_committees (id),
    submitter_id   INTEGER NOT NULL REFERENCES users (id),
    title          TEXT NOT NULL,
    details        TEXT NOT NULL,
    photo_platform TEXT,
    photo_file_id  TEXT,
    anonymous      INTEGER NOT NULL DEFAULT 0,    -- 1: the name is shown to staff only
    status         TEXT NOT NULL DEFAULT 'submitted'
                   CHECK (status IN ('submitted', 'accepted', 'merged', 'declined', 'done')),
    meeting_date   TEXT,                          -- accepted for this meeting; NULL: not yet set
    merged_into    INTEGER REFERENCES topics (id),
    note           TEXT,                          -- the latest reason or outcome
    request_id     TEXT UNIQUE,                   -- the flow run that saved it: saved once
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE INDEX topics_by_committee ON topics (committee_id, status);

CREATE TABLE topic_reviews (
    id            INTEGER PRIMARY KEY,
    topic_id      INTEGER NOT NULL REFERENCES topics (id),
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    note          TEXT,
    meeting_date  TEXT,
    merged_into   INTEGER REFERENCES topics (id),
    reviewer_id   INTEGER REFERENCES users (id),  -- NULL when made at the command line
    reviewer      TEXT NOT NULL,                  -- platform:id, or 'cli'
    request_id    TEXT UNIQUE,                    -- the review flow run: recorded once
    at            TEXT NOT NULL
);

CREATE INDEX topic_reviews_by_topic ON topic_reviews (topic_id, id);

CREATE TABLE topic_supports (
    topic_id  INTEGER NOT NULL REFERENCES topics (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);
