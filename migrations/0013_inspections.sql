-- Inspection campaigns (专项行动排摸检查): the key places register, campaigns with their time
-- nodes, each inspection of a place with its checklist answers, and the hazard reports they
-- filed. Dates of campaigns and nodes are local dates (YYYY-MM-DD); times are UTC ISO-8601 text.

CREATE TABLE place_kinds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,           -- 九小场所, 居民楼/门栋, ...
    personal    INTEGER NOT NULL DEFAULT 0,     -- rows are about a person (独居孤寡老人)
    created_at  TEXT NOT NULL
);

INSERT INTO place_kinds (name, personal, created_at) VALUES
    ('九小场所', 0, '2026-12-01T00:00:00+00:00'),
    ('居民楼/门栋', 0, '2026-12-01T00:00:00+00:00'),
    ('群租房线索', 0, '2026-12-01T00:00:00+00:00'),
    ('电动自行车集中停放充电点', 0, '2026-12-01T00:00:00+00:00'),
    ('独居孤寡老人', 1, '2026-12-01T00:00:00+00:00');

CREATE TABLE places (
    id            INTEGER PRIMARY KEY,
    committee_id  INTEGER NOT NULL REFERENCES residents_committees (id),
    kind_id       INTEGER NOT NULL REFERENCES place_kinds (id),
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    latitude      REAL,
    longitude     REAL,
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (committee_id, kind_id, name, address)
);

CREATE INDEX places_by_committee ON places (committee_id, kind_id);

CREATE TABLE inspection_campaigns (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    checklists  TEXT,                            -- JSON {kind: [item, ...]}: this campaign's own
    created_at  TEXT NOT NULL
);

CREATE TABLE campaign_kinds (
    campaign_id  INTEGER NOT NULL REFERENCES inspection_campaigns (id),
    kind_id      INTEGER NOT NULL REFERENCES place_kinds (id),
    PRIMARY KEY (campaign_id, kind_id)
);

CREATE TABLE campaign_committees (
    campaign_id   INTEGER NOT NULL REFERENCES inspection_campaigns (id),
    committee_id  INTEGER NOT NULL REFERENCES residents_committees (id),
    PRIMARY KEY (campaign_id, committee_id)
);

CREATE TABLE campaign_nodes (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES inspection_campaigns (id),
    due_on       TEXT NOT NULL,                  -- 2027-08-15
    percent      INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
    UNIQUE (campaign_id, due_on)
);

CREATE TABLE inspections (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES inspection_campaigns (id),
    place_id      INTEGER NOT NULL REFERENCES places (id),
    inspector_id  INTEGER REFERENCES users (id),
    inspector     TEXT NOT NULL,                 -- the display name at the time
    instance      TEXT UNIQUE,                   -- the form run that saved it: saved once
    at            TEXT NOT NULL
);

CREATE INDEX inspections_by_campaign ON inspections (campaign_id, place_id, at);

CREATE TABLE inspection_items (
    id             INTEGER PRIMARY KEY,
    inspection_id  INTEGER NOT NULL REFERENCES inspections (id),
    position       INTEGER NOT NULL,
    item           TEXT NOT NULL,
    result         TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'na')),
    note           TEXT NOT NULL DEFAULT '',
    photos         TEXT NOT NULL DEFAULT '[]',   -- JSON list of the form's photo answers
    report_id      INTEGER UNIQUE REFERENCES hazard_reports (id),  -- the hazard it filed
    UNIQUE (inspection_id, position)
);
