-- WeCom callbacks already taken in: WeCom retries a callback it thinks went unanswered, so
-- each one (by MsgId, a card's TaskId, or sender + time + event) is accepted once, even across a
-- restart. Rows older than a few days are pruned at start-up.

CREATE TABLE wecom_callbacks (
    id           INTEGER PRIMARY KEY,
    dedup_key    TEXT NOT NULL UNIQUE,
    received_at  TEXT NOT NULL
);

CREATE INDEX wecom_callbacks_by_age ON wecom_callbacks (received_at);
