-- Hazard reports (隐患上报): the report, its photos, its history, and drafts waiting for the
-- reporter's answer to "is this the same place?". Times are UTC ISO-8601 text.

CREATE TABLE hazard_reports (
    id            INTEGER PRIMARY KEY,
    ref           TEXT NOT NULL UNIQUE,          -- YH-20260718-0001
    day           TEXT NOT NULL,                 -- 20260718, the local date of the report
    seq           INTEGER NOT NULL,              -- 1, 2, ... within that day
    category      TEXT NOT NULL,
    committee_id  INTEGER NOT NULL REFERENCES residents_committees (id),
    address       TEXT NOT NULL,
    latitude      REAL,
    longitude     REAL,
    description   TEXT NOT NULL,
    urgent        INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'submitted'
                  CHECK (status IN ('submitted', 'accepted', 'assigned', 'resolved', 'closed',
                                    'rejected', 'duplicate')),
    department    TEXT,
    duplicate_of  INTEGER REFERENCES hazard_reports (id),
    reporter_id   INTEGER NOT NULL REFERENCES users (id),
    instance      TEXT UNIQUE,                   -- the form run that filed it: filed once
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    accepted_at   TEXT,
    resolved_at   TEXT,
    closed_at     TEXT,
    UNIQUE (day, seq)
);

CREATE INDEX hazard_reports_by_status ON hazard_reports (status, created_at);
CREATE INDEX hazard_reports_by_committee ON hazard_reports (committee_id, category, created_at);

CREATE TABLE hazard_events (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES hazard_reports (id),
    kind        TEXT NOT NULL CHECK (kind IN ('filed', 'status', 'supplement', 'verified',
                                              'reopened')),
    status      TEXT,                            -- the status after this event
    note        TEXT NOT NULL DEFAULT '',
    actor_id    INTEGER REFERENCES users (id),   -- NULL: the command line
    actor       TEXT NOT NULL,                   -- platform:id, or 'cli'
    instance    TEXT UNIQUE,                     -- the form run that made it: recorded once
    at          TEXT NOT NULL
);

CREATE INDEX hazard_events_by_report ON hazard_events (report_id, id);

CREATE TABLE hazard_photos (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES hazard_reports (id),
    event_id    INTEGER REFERENCES hazard_events (id),
    platform    TEXT NOT NULL,
    file_id     TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

CREATE INDEX hazard_photos_by_report ON hazard_photos (report_id, id);

CREATE TABLE hazard_drafts (
    instance      TEXT PRIMARY KEY,              -- the /report form run
    user_id       INTEGER NOT NULL REFERENCES users (id),
    answers       TEXT NOT NULL,                 -- JSON of the report form's answers
    candidate_id  INTEGER NOT NULL REFERENCES hazard_reports (id),
    created_at    TEXT NOT NULL
);
