"""The property-governance committees (专委会) topics are submitted to: data admins change."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, to_db
from bot.db import Database, Row


class CommitteeError(Exception):
    """A committee change that cannot be made; ``key`` names the catalogue text saying why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


@dataclass(frozen=True)
class TopicCommittee:
    id: int
    name: str
    description: str
    active: bool = True


def _committee(row: Row) -> TopicCommittee:
    return TopicCommittee(row["id"], row["name"], row["description"], bool(row["active"]))


_SELECT = "SELECT id, name, description, active FROM topic_committees"


class TopicCommittees:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def all(self, *, include_retired: bool = False) -> list[TopicCommittee]:
        rows = await self._db.fetchall(
            _SELECT + " WHERE active = 1 OR ? ORDER BY id", (include_retired,)
        )
        return [_committee(row) for row in rows]

    async def by_id(self, committee_id: int) -> TopicCommittee | None:
        row = await self._db.fetchone(_SELECT + " WHERE id = ?", (committee_id,))
        return None if row is None else _committee(row)

    async def by_name(self, name: str, *, include_retired: bool = False) -> TopicCommittee | None:
        """By full name, or by a short form people use (物业服务提升 for 物业服务提升专委会)."""
        wanted = name.strip()
        committees = await self.all(include_retired=include_retired)
        for committee in committees:
            if committee.name == wanted:
                return committee
        short = wanted.removesuffix("专委会").removesuffix("委员会")
        found = [c for c in committees if short and short in c.name]
        return found[0] if len(found) == 1 else None

    async def add(self, name: str, description: str) -> TopicCommittee:
        """A new committee; adding a retired one's name brings it back with this description."""
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            row = await tx.fetchone(_SELECT + " WHERE name = ?", (name,))
            if row is not None and row["active"]:
                raise CommitteeError("topics.committee.exists", name=name)
            if row is None:
                await tx.execute(
                    "INSERT INTO topic_committees (name, description, created_at) VALUES (?, ?, ?)",
                    (name, description, now),
                )
            else:
                await tx.execute(
                    "UPDATE topic_committees SET active = 1, description = ? WHERE id = ?",
                    (description, row["id"]),
                )
            added = await tx.fetchone(_SELECT + " WHERE name = ?", (name,))
        assert added is not None
        return _committee(added)

    async def rename(self, old: str, new: str, description: str | None = None) -> TopicCommittee:
        """A new name (and maybe description); topics already submitted follow it."""
        committee = await self.by_name(old, include_retired=True)
        if committee is None:
            raise CommitteeError("topics.committee.unknown", name=old)
        async with self._db.transaction() as tx:
            clash = await tx.fetchone(
                "SELECT id FROM topic_committees WHERE name = ? AND id <> ?", (new, committee.id)
            )
            if clash is not None:
                raise CommitteeError("topics.committee.exists", name=new)
            await tx.execute(
                "UPDATE topic_committees SET name = ?, description = COALESCE(?, description)"
                " WHERE id = ?",
                (new, description, committee.id),
            )
            row = await tx.fetchone(_SELECT + " WHERE id = ?", (committee.id,))
        assert row is not None
        return _committee(row)

    async def retire(self, name: str) -> TopicCommittee:
        """No new topics go to it; its topics stay, and can still be reviewed."""
        committee = await self.by_name(name)
        if committee is None:
            raise CommitteeError("topics.committee.unknown", name=name)
        await self._db.execute(
            "UPDATE topic_committees SET active = 0 WHERE id = ?", (committee.id,)
        )
        return TopicCommittee(committee.id, committee.name, committee.description, False)
