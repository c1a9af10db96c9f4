-- Telegram buttons whose values do not fit in (or do not belong in) callback_data: the button
-- carries "~<token>.<position>" and the value waits here, so a press still works after a restart.

CREATE TABLE telegram_buttons (
    token       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (token, position)
);

CREATE INDEX telegram_buttons_created ON telegram_buttons (created_at);
