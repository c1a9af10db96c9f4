"""Numbered buttons where a platform has no buttons: the last menu of actions shown to a person,
and the questions they were sent and have not answered yet.

Inside a form the engine matches numbers itself; this covers the buttons on cards and answers
outside forms (a report card's 受理, an FAQ answer's 有帮助), so typing ``2`` presses the second.
A question sent to the person (已整改到位?, 收到 under a notice) is also kept as pending: the
next menu does not replace it and it does not expire, so its label, or its number when no newer
menu is showing, still answers it until one of its options is pressed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.clock import from_db, to_db
from bot.conversation_store import Key
from bot.db import Database
from bot.messages import Option
from bot.parsing import normalise, parse_id

MENU_LIFETIME = timedelta(minutes=30)
PENDING_KEPT = 20  # unanswered questions kept per person; older ones are dropped


def _dump(options: Sequence[Option]) -> str:
    return json.dumps([[o.label, o.value] for o in options], ensure_ascii=False)


def _load(raw: str) -> list[Option]:
    return [Option(label, value) for label, value in json.loads(raw)]


def _by_number(options: Sequence[Option], said: str) -> str | None:
    number = parse_id(said)
    return options[number - 1].value if number is not None and number <= len(options) else None


def _by_label(options: Sequence[Option], said: str) -> str | None:
    return next((o.value for o in options if normalise(o.label) == said), None)


GO = "go"  # the action of a button that runs a command, as if its name were typed: go:join


def command_button(label: str, command: str) -> Option:
    """A button outside any form that runs ``/command`` (the router still checks the role)."""
    return Option(label, f"{GO}:{command}")


class MenuMemory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(self, key: Key, options: Sequence[Option], now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO last_menus (platform, chat_id, user_id, options, shown_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id, user_id)"
            " DO UPDATE SET options = excluded.options, shown_at = excluded.shown_at",
            (key.platform, key.chat_id, key.user_id, _dump(options), to_db(now)),
        )

    async def keep_pending(self, key: Key, options: Sequence[Option], now: datetime) -> None:
        """A question sent to this person: answerable until one of its options is pressed."""
        person = (key.platform, key.chat_id, key.user_id)
        await self._db.execute(
            "INSERT INTO pending_menus (platform, chat_id, user_id, options, shown_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (*person, _dump(options), to_db(now)),
        )
        await self._db.execute(
            "DELETE FROM pending_menus WHERE platform = ? AND chat_id = ? AND user_id = ?"
            " AND id NOT IN (SELECT id FROM pending_menus WHERE platform = ? AND chat_id = ?"
            " AND user_id = ? ORDER BY id DESC LIMIT ?)",
            (*person, *person, PENDING_KEPT),
        )

    async def settle(self, key: Key, values: Iterable[str]) -> None:
        """The pending questions offering any of these values are answered: forget them."""
        answered = set(values)
        for row_id, options in await self._pending(key):
            if any(o.value in answered for o in options):
                await self._db.execute("DELETE FROM pending_menus WHERE id = ?", (row_id,))

    async def _pending(self, key: Key) -> list[tuple[int, list[Option]]]:
        rows = await self._db.fetchall(
            "SELECT id, options FROM pending_menus"
            " WHERE platform = ? AND chat_id = ? AND user_id = ? ORDER BY id DESC",
            (key.platform, key.chat_id, key.user_id),
        )
        return [(row["id"], _load(row["options"])) for row in rows]

    async def pick(self, key: Key, typed: str, now: datetime) -> str | None:
        """The value of the option this text names by number or exact label, if any.

        The last menu still showing comes first; then the pending questions, newest first
        (by number only when no menu is showing, since a number means the list just seen).
        """
        said = normalise(typed)
        row = await self._db.fetchone(
            "SELECT options, shown_at FROM last_menus"
            " WHERE platform = ? AND chat_id = ? AND user_id = ?",
            (key.platform, key.chat_id, key.user_id),
        )
        showing = row is not None and now - from_db(row["shown_at"]) <= MENU_LIFETIME
        last = _load(row["options"]) if row is not None and showing else []
        if picked := _by_number(last, said) or _by_label(last, said):
            return picked
        pending = [options for _, options in await self._pending(key)]
        for options in pending:
            if picked := _by_label(options, said):
                return picked
        if pending and not last:
            return _by_number(pending[0], said)
        return None
