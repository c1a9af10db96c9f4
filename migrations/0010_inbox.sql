-- Every update a platform hands us is recorded here before the platform hears "received"
-- (WeCom's HTTP 200, the webhook's 200, the next getUpdates offset). A worker handles the rows
-- one person at a time in arrival order; handling, the replies it queues and the "handled" mark
-- commit together. The platform's own id (Telegram update_id, WeCom MsgId or event key) makes a
-- retried or re-posted update a duplicate. The inbox replaces wecom_callbacks.

CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    update_key   TEXT NOT NULL,
    person       TEXT NOT NULL,                 -- one person's updates are handled in order
    payload      TEXT NOT NULL,                 -- the update as the platform sent it
    received_at  TEXT NOT NULL,
    handled_at   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    UNIQUE (platform, update_key)
);

CREATE INDEX inbox_waiting ON inbox (platform, id) WHERE handled_at IS NULL;
CREATE INDEX inbox_by_age ON inbox (received_at);

DROP TABLE wecom_callbacks;
