-- Questions a person was sent and has not answered yet (已整改到位?, 收到 under a notice, a
-- reminder's buttons). Unlike last_menus they do not expire and are not replaced by the next
-- menu: typing an option's label (or its number, when no newer menu is shown) still answers,
-- until one of the options is pressed.

CREATE TABLE pending_menus (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    options    TEXT NOT NULL,                 -- JSON list of [label, value]
    shown_at   TEXT NOT NULL
);

CREATE INDEX pending_menus_by_person ON pending_menus (platform, chat_id, user_id, id);
