"""Residents' committees (居委会) of the subdistrict and the property-governance 专委会."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, to_db
from bot.db import Database


@dataclass(frozen=True)
class Committee:
    id: int
    name: str
    description: str = ""


class CommitteeRepo:
    """Residents' committees (``kind='residents'``) or 专委会 (``kind='topic'``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def residents(self, *, include_retired: bool = False) -> list[Committee]:
        rows = await self._db.fetchall(
            "SELECT id, name FROM residents_committees WHERE active = 1 OR ? ORDER BY id",
            (include_retired,),
        )
        return [Committee(row["id"], row["name"]) for row in rows]

    async def resident_by_name(self, name: str) -> Committee | None:
        text = name.strip().removesuffix("居委会").removesuffix("居民区")
        row = await self._db.fetchone(
            "SELECT id, name FROM residents_committees WHERE name = ? AND active = 1", (text,)
        )
        return None if row is None else Committee(row["id"], row["name"])

    async def resident_by_id(self, committee_id: int) -> Committee | None:
        row = await self._db.fetchone(
            "SELECT id, name FROM residents_committees WHERE id = ?", (committee_id,)
        )
        return None if row is None else Committee(row["id"], row["name"])

    async def add_resident(self, name: str) -> Committee:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO residents_committees (name, created_at) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET active = 1",
                (name, to_db(self._clock.now())),
            )
            row = await tx.fetchone("SELECT id FROM residents_committees WHERE name = ?", (name,))
        assert row is not None
        return Committee(row["id"], name)

    async def topic(self, *, include_retired: bool = False) -> list[Committee]:
        rows = await self._db.fetchall(
            "SELECT id, name, description FROM topic_committees WHERE active = 1 OR ? ORDER BY id",
            (include_retired,),
        )
        return [Committee(row["id"], row["name"], row["description"]) for row in rows]

    async def add_topic(self, name: str, description: str) -> Committee:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO topic_committees (name, description, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, description, to_db(self._clock.now())),
            )
            row = await tx.fetchone(
                "SELECT id, description FROM topic_committees WHERE name = ?", (name,)
            )
        assert row is not None
        return Committee(row["id"], name, row["description"])
