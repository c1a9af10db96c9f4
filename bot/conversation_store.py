"""Conversation state in the database, so a restart resumes a flow at the same step."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db import Database


@dataclass(frozen=True)
class Key:
    platform: str
    chat_id: str
    user_id: str


@dataclass
class State:
    flow: str
    step: str
    instance: str  # one id per run of a flow, so saving twice can be recognised
    answers: dict[str, Any] = field(default_factory=dict)
    editing: bool = False
    started_at: datetime | None = None
    updated_at: datetime | None = None


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, key: Key) -> State | None:
        row = await self._db.fetchone(
            "SELECT flow, state, started_at, updated_at FROM conversations"
            " WHERE platform = ? AND chat_id = ? AND user_id = ?",
            (key.platform, key.chat_id, key.user_id),
        )
        if row is None:
            return None
        raw = json.loads(row["state"])
        return State(
            flow=row["flow"],
            step=raw["step"],
            instance=raw["instance"],
            answers=raw["answers"],
            editing=raw.get("editing", False),
            started_at=from_db(row["started_at"]),
            updated_at=from_db(row["updated_at"]),
        )

    async def save(self, key: Key, state: State, now: datetime) -> None:
        payload = json.dumps(
            {
                "step": state.step,
                "instance": state.instance,
                "answers": state.answers,
                "editing": state.editing,
            },
            ensure_ascii=False,
        )
        started = state.started_at or now
        await self._db.execute(
            "INSERT INTO conversations (platform, chat_id, user_id, flow, state, started_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id, user_id) DO UPDATE SET flow = excluded.flow,"
            " state = excluded.state, started_at = excluded.started_at,"
            " updated_at = excluded.updated_at",
            (
                key.platform,
                key.chat_id,
                key.user_id,
                state.flow,
                payload,
                to_db(started),
                to_db(now),
            ),
        )
        state.started_at, state.updated_at = started, now

    async def delete(self, key: Key) -> None:
        await self._db.execute(
            "DELETE FROM conversations WHERE platform = ? AND chat_id = ? AND user_id = ?",
            (key.platform, key.chat_id, key.user_id),
        )

    async def idle_since(self, cutoff: datetime) -> list[tuple[Key, State]]:
        rows = await self._db.fetchall(
            "SELECT platform, chat_id, user_id FROM conversations WHERE updated_at < ?",
            (to_db(cutoff),),
        )
        found = []
        for row in rows:
            key = Key(row["platform"], row["chat_id"], row["user_id"])
            state = await self.load(key)
            if state is not None:
                found.append((key, state))
        return found
