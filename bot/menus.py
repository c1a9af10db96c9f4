"""Numbered buttons where a platform has no buttons: the last menu of actions shown to a person.

Inside a form the engine matches numbers itself; this covers the buttons on cards and answers
outside forms (a report card's 受理, an FAQ answer's 有帮助), so typing ``2`` presses the second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.conversation_store import Key
from bot.db import Database
from bot.messages import Option
from bot.parsing import normalise, parse_id
from bot.timeutil import from_db, to_db

MENU_LIFETIME = timedelta(minutes=30)


class MenuMemory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(self, key: Key, options: Sequence[Option], now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO last_menus (platform, chat_id, user_id, options, shown_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id, user_id)"
            " DO UPDATE SET options = excluded.options, shown_at = excluded.shown_at",
            (
                key.platform,
                key.chat_id,
                key.user_id,
                json.dumps([[o.label, o.value] for o in options], ensure_ascii=False),
                to_db(now),
            ),
        )

    async def pick(self, key: Key, typed: str, now: datetime) -> str | None:
        """The value of the option this text names by number or exact label, if any."""
        row = await self._db.fetchone(
            "SELECT options, shown_at FROM last_menus"
            " WHERE platform = ? AND chat_id = ? AND user_id = ?",
            (key.platform, key.chat_id, key.user_id),
        )
        if row is None or now - from_db(row["shown_at"]) > MENU_LIFETIME:
            return None
        options = [Option(label, value) for label, value in json.loads(row["options"])]
        said = normalise(typed)
        number = parse_id(said)
        if number is not None and number <= len(options):
            return options[number - 1].value
        return next((o.value for o in options if normalise(o.label) == said), None)
