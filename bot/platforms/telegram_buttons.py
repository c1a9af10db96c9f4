"""callback_data for option buttons: compact machine values as they are, the rest by token.

Telegram allows 64 bytes of callback_data. Values such as ``3``, ``__skip__`` or
``hazard:accept:12`` travel as they are; anything else (a suggested name, a long value)
gets a short per-message token stored in the database, so no text a person typed ends up
in callback_data and a press still resolves after a restart. A value that is also its
button's label is the person's own words offered back (their name, their phone number)
however compact it looks, unless it is a small number such as a party size.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from bot.clock import Clock, to_db
from bot.db import Database
from bot.messages import Option

CALLBACK_LIMIT = 64
TOKEN_MARK = "~"
_SMALL_NUMBER = re.compile(r"\d{1,4}")
_COMPACT = re.compile(r"\d{1,20}|__[a-z_]{1,40}__|[a-z][a-z0-9_]{0,20}:[A-Za-z0-9_:.\-]{0,40}")


def is_compact(value: str) -> bool:
    """A value made by the code (an id, an engine control, ``prefix:rest``), short enough."""
    return bool(_COMPACT.fullmatch(value)) and len(value.encode()) <= CALLBACK_LIMIT


def travels_as_is(option: Option) -> bool:
    if option.value == option.label and not _SMALL_NUMBER.fullmatch(option.value):
        return False
    return is_compact(option.value)


class ButtonCodec:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def encode(self, options: Sequence[Option]) -> list[str]:
        """callback_data for each option, storing one token for the message when needed."""
        plain = [travels_as_is(option) for option in options]
        values = [option.value for option in options]
        if all(plain):
            return values
        token = secrets.token_urlsafe(6)
        now = to_db(self._clock.now())
        rows = [(token, i, v, now) for i, v in enumerate(values) if not plain[i]]
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO telegram_buttons (token, position, value, created_at)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        return [v if plain[i] else f"{TOKEN_MARK}{token}.{i}" for i, v in enumerate(values)]

    async def decode(self, data: str) -> str | None:
        """The value behind a button; None for a token this database does not know."""
        if not data.startswith(TOKEN_MARK):
            return data
        token, _, position = data[len(TOKEN_MARK) :].partition(".")
        if not position.isdigit():
            return None
        value = await self._db.scalar(
            "SELECT value FROM telegram_buttons WHERE token = ? AND position = ?",
            (token, int(position)),
        )
        return None if value is None else str(value)

    async def forget_before(self, moment: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM telegram_buttons WHERE created_at < ?", (to_db(moment),)
        )
