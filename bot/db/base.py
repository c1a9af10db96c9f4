"""What every engine offers: ambient transactions, rows, errors and the migration runner."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit, urlunsplit

Params = Sequence[Any] | dict[str, Any]
BUSY_TIMEOUT_MS = 10_000


class Row(Protocol):
    """A result row on either engine: by column name or position (``sqlite3.Row``,
    ``asyncpg.Record``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Any: ...


class SchemaTooNew(Exception):
    """The database was written by a newer juwei than this one."""


class DatabaseBusy(Exception):
    """The database could not take a write in the time allowed (another process holds it)."""


class DatabaseUnusable(Exception):
    """The database cannot be opened or written: a folder, a file that is not SQLite,
    a read-only file, a path under a file, a server that refuses us."""

    def __init__(self, path: Path | str, reason: object) -> None:
        super().__init__(f"数据库 {path} 无法使用 (cannot use the database): {reason}")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    postgres: str | None = None  # migrations/postgres/NNNN_name.sql, when the engine differs


def bundled_migrations() -> list[Migration]:
    root = resources.files("migrations")
    engine = root / "postgres"
    found: list[Migration] = []
    for entry in root.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        special = engine / entry.name
        found.append(
            Migration(
                int(number),
                rest.removesuffix(".sql"),
                entry.read_text("utf-8"),
                special.read_text("utf-8") if special.is_file() else None,
            )
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


def split_statements(script: str) -> list[str]:
    """Split an SQL script into statements, so a migration can run inside one transaction."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") for part in buffer.strip().splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at end of script: {buffer.strip()[:80]}")
    return statements


class _Reads:
    """One row and one value, on top of ``fetchall``: for a transaction and a database alike."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Tx(_Reads, ABC):
    """Statements inside one transaction; handed out by ``Database.transaction``."""

    def __init__(self) -> None:
        self.open = True
        self._after_commit: list[Callable[[], None]] = []
        self._savepoints = 0

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the outermost transaction has committed (never on rollback)."""
        self._after_commit.append(callback)

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; an insert returns the new row's id (0 when nothing was inserted,
        e.g. ON CONFLICT DO NOTHING), anything else the number of rows changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def script(self, statement: str) -> None:
        """One migration statement, as written for this engine."""


def display_url(url: str) -> str:
    """A PostgreSQL URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Lead:
    """Being the one process that does something (runs the scheduler) until ``release``;
    ``lost`` is set if the database takes it away (the connection holding it broke)."""

    def __init__(self) -> None:
        self.lost = asyncio.Event()

    async def release(self) -> None:
        return None


class Database(_Reads):
    """One database: ``Database(path)`` is an SQLite file, ``Database("postgresql://…")`` a
    PostgreSQL server (see bot/db/__init__.py)."""

    engine: ClassVar[str]
    _engines: ClassVar[dict[str, type[Database]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._engines[cls.engine] = cls

    def __new__(cls, target: Path | str, *args: Any, **kwargs: Any) -> Database:
        if cls is Database:
            engine = "postgresql" if is_url(target) else "sqlite"
            if engine not in cls._engines:
                # By name, on first use: an SQLite deployment never loads asyncpg.
                importlib.import_module(f"bot.db.{engine.removesuffix('ql')}")
            cls = cls._engines[engine]
        return super().__new__(cls)

    def __init__(self, target: Path | str) -> None:
        # One per database: tests and tools open several in one process.
        self._ambient: ContextVar[Tx | None] = ContextVar(f"tx-{id(self)}", default=None)

    @property
    def name(self) -> str:
        """How messages name this database (never with a password)."""
        raise NotImplementedError

    async def _wait_turn(self, lock: asyncio.Lock, deadline: float | None) -> None:
        """This process's transactions go one at a time, in the order they asked; waiting past
        ``deadline`` (a ``time.monotonic()`` moment) raises ``DatabaseBusy``."""
        if deadline is None:
            await lock.acquire()
            return
        try:
            await asyncio.wait_for(lock.acquire(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise DatabaseBusy(f"{self.name}: busy (this process)") from None

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def in_transaction(self) -> bool:
        """True inside ``transaction()`` in this task (statements join it)."""
        current = self._ambient.get()
        return current is not None and current.open

    def _current(self) -> Tx | None:
        current = self._ambient.get()
        return current if current is not None and current.open else None

    def transaction(self, *, wait_at_most: float | None = None) -> AbstractAsyncContextManager[Tx]:
        """One write transaction: committed on success, rolled back on any exception.

        Inside another transaction of this task it is a savepoint of that one: its failure
        undoes only its own statements, and it commits with the outer one. ``wait_at_most``
        (seconds): raise ``DatabaseBusy`` instead of waiting longer for the write lock.
        """
        raise NotImplementedError

    async def execute(self, sql: str, params: Params = ()) -> int:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    # -- several processes ---------------------------------------------------------------------

    # True when several full bots may share this database (PostgreSQL): cross-process checks
    # (one person's updates in order) cost a statement that one process does not need.
    shared: ClassVar[bool] = False

    async def alive(self, name: str) -> bool:
        """Whether the process that took ``lead(name)`` still holds it (True when this engine
        cannot tell: then only timeouts say a process stopped)."""
        return True

    async def lead(self, name: str) -> Lead | None:
        """Become the one process doing ``name``; None while another process does it.

        SQLite: one ``juwei run`` per file, so always granted."""
        return Lead()

    # -- migrations -------------------------------------------------------------------------

    async def has_table(self, table: str) -> bool:
        raise NotImplementedError

    def migration_script(self, migration: Migration) -> str:
        """The migration as this engine runs it."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        if not await self.has_table("schema_version"):
            return 0
        return int(await self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[Migration]:
        """Apply pending migrations, each in one transaction; returns those applied."""
        migrations = list(migrations if migrations is not None else bundled_migrations())
        latest = migrations[-1].version if migrations else 0
        if not await self.has_table("schema_version"):
            async with self.transaction() as tx:
                await tx.script(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
        current = await self.schema_version()
        done = {row[0] for row in await self.fetchall("SELECT version FROM schema_version")}
        if current > latest:
            raise SchemaTooNew(
                f"数据库 {self.name} 的结构版本是 {current}，比本程序认识的 {latest} 新；"
                f"请升级 juwei。 (database schema {current} is newer than this juwei's {latest})"
            )
        applied: list[Migration] = []
        for migration in migrations:
            if migration.version in done:
                continue
            async with self.transaction() as tx:
                # Re-check inside the lock: another process may have applied it meanwhile.
                if await tx.scalar(
                    "SELECT 1 FROM schema_version WHERE version = ?", (migration.version,)
                ):
                    continue
                for statement in split_statements(self.migration_script(migration)):
                    await tx.script(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )
            applied.append(migration)
        await self._migrated()
        return applied

    async def _migrated(self) -> None:
        """Hook: the schema may have changed."""
        return None
