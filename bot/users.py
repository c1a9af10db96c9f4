"""People across platforms: their display name, language, role and residents' committee."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, to_db
from bot.db import Database, Row, Tx
from bot.messages import Address, Sender
from bot.roles import Role


@dataclass(frozen=True)
class User:
    id: int
    platform: str
    external_id: str
    display_name: str
    phone: str | None
    language: str | None
    role: Role
    committee_id: int | None
    committee_name: str | None

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @property
    def private_address(self) -> Address:
        """Where a private message to this person goes: every platform here uses the user id."""
        return Address(self.platform, self.external_id)


_SELECT = (
    "SELECT u.id, u.platform, u.external_id, u.display_name, u.phone, u.language, u.role,"
    " u.committee_id, c.name AS committee_name"
    " FROM users u LEFT JOIN residents_committees c ON c.id = u.committee_id"
)


def _user(row: Row) -> User:
    return User(
        id=row["id"],
        platform=row["platform"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        phone=row["phone"],
        language=row["language"],
        role=Role[row["role"].upper()],
        committee_id=row["committee_id"],
        committee_name=row["committee_name"],
    )


class UserRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def seen(self, sender: Sender) -> User:
        """Record that this person wrote to us, creating them on first contact."""
        known = await self.find(sender.platform, sender.id)
        if known is not None and (known.display_name or not sender.name):
            return known  # the common case: one read, no write
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (platform, external_id, display_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, external_id) DO UPDATE SET"
                "  display_name = CASE WHEN users.display_name = '' THEN excluded.display_name"
                "                 ELSE users.display_name END",
                (sender.platform, sender.id, sender.name, now, now),
            )
            return await self._get(tx, sender.platform, sender.id)

    async def ensure(self, platform: str, external_id: str) -> User:
        """The person with this id, created without a name if they never wrote yet."""
        return await self.seen(Sender(platform, external_id))

    async def find(self, platform: str, external_id: str) -> User | None:
        row = await self._db.fetchone(
            _SELECT + " WHERE u.platform = ? AND u.external_id = ?", (platform, external_id)
        )
        return None if row is None else _user(row)

    async def by_id(self, user_id: int) -> User | None:
        row = await self._db.fetchone(_SELECT + " WHERE u.id = ?", (user_id,))
        return None if row is None else _user(row)

    async def _get(self, tx: Tx, platform: str, external_id: str) -> User:
        row = await tx.fetchone(
            _SELECT + " WHERE u.platform = ? AND u.external_id = ?", (platform, external_id)
        )
        assert row is not None
        return _user(row)

    async def set_language(self, user: User, language: str) -> None:
        await self._db.execute(
            "UPDATE users SET language = ?, updated_at = ? WHERE id = ?",
            (language, to_db(self._clock.now()), user.id),
        )

    async def rename(self, user: User, display_name: str) -> None:
        await self._db.execute(
            "UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?",
            (display_name, to_db(self._clock.now()), user.id),
        )

    async def join(
        self, user: User, committee_id: int, display_name: str, phone: str | None
    ) -> User:
        """A resident joins a residents' committee; a director keeps the committee they lead."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET display_name = ?, phone = COALESCE(?, phone),"
                " committee_id = CASE WHEN role = 'director' THEN committee_id ELSE ? END,"
                " updated_at = ? WHERE id = ?",
                (display_name, phone, committee_id, to_db(self._clock.now()), user.id),
            )
            return await self._get(tx, user.platform, user.external_id)

    async def grant(
        self, platform: str, external_id: str, role: Role, committee_id: int | None, by: str
    ) -> User:
        """Give someone a role; a director needs the committee they lead."""
        if role is Role.DIRECTOR and committee_id is None:
            raise ValueError("a director needs a committee")
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (platform, external_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (platform, external_id) DO NOTHING",
                (platform, external_id, now, now),
            )
            await tx.execute(
                "UPDATE users SET role = ?, committee_id = COALESCE(?, committee_id),"
                " updated_at = ? WHERE platform = ? AND external_id = ?",
                (role.name.lower(), committee_id, now, platform, external_id),
            )
            user = await self._get(tx, platform, external_id)
            await tx.execute(
                "INSERT INTO role_changes (user_id, role, committee_id, granted_by, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user.id, role.name.lower(), committee_id, by, now),
            )
        return user

    async def with_role(self, role: Role) -> list[User]:
        rows = await self._db.fetchall(
            _SELECT + " WHERE u.role = ? ORDER BY u.id", (role.name.lower(),)
        )
        return [_user(row) for row in rows]
