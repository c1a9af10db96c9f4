-- The last buttons shown to a person outside any form, so that where there are no buttons
-- (the console, WeCom text) typing the option's number presses it.

CREATE TABLE last_menus (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    options    TEXT NOT NULL,                 -- JSON list of [label, value]
    shown_at   TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, user_id)
);
