"""The database: one SQLite file through aiosqlite, WAL, foreign keys, numbered migrations.

One connection is shared by the whole process, so statements of concurrent tasks would
interleave inside each other's transactions; a lock serialises them. Several processes
(the bot, CLI commands, consoles) share the file through SQLite's own locking: write
transactions start with BEGIN IMMEDIATE and wait up to the busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 10_000
Params = Sequence[Any] | dict[str, Any]


class SchemaTooNew(Exception):
    """The database was written by a newer juwei than this one."""


class DatabaseUnusable(Exception):
    """The database file cannot be opened or written: a folder, a file that is not SQLite,
    a read-only file, a path under a file."""

    def __init__(self, path: Path, reason: object) -> None:
        super().__init__(f"数据库 {path} 无法使用 (cannot use the database): {reason}")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
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


class Tx:
    """Statements inside one transaction; handed out by ``Database.transaction``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # Each await here is one hand-off to aiosqlite's thread; a message makes a dozen of them,
    # so every call is a single hand-off (no separate fetch or close round trips).

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; an insert returns the new row's id (0 when nothing was inserted,
        e.g. ON CONFLICT DO NOTHING), anything else the number of rows changed."""
        cursor = await self._conn.execute(sql, params)
        if sql.lstrip()[:6].upper() == "INSERT":
            # lastrowid keeps the previous insert's id when this one inserted nothing.
            return (cursor.lastrowid or 0) if cursor.rowcount > 0 else 0
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        await asyncio.to_thread(probe, self.path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._lock:
            return await Tx(self.conn).execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._lock:
            return await Tx(self.conn).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return await Tx(self.conn).fetchall(sql, params)

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        async with self._lock:
            return await Tx(self.conn).scalar(sql, params)

    # -- migrations -------------------------------------------------------------------------

    async def schema_version(self) -> int:
        exists = await self.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        if not exists:
            return 0
        return int(await self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[Migration]:
        """Apply pending migrations, each in one transaction; returns those applied."""
        migrations = list(migrations if migrations is not None else bundled_migrations())
        latest = migrations[-1].version if migrations else 0
        await self.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = await self.schema_version()
        done = {row[0] for row in await self.fetchall("SELECT version FROM schema_version")}
        if current > latest:
            raise SchemaTooNew(
                f"数据库 {self.path} 的结构版本是 {current}，比本程序认识的 {latest} 新；"
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
                for statement in split_statements(migration.sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )
            applied.append(migration)
        return applied


def probe(path: Path) -> None:
    """Prove the file is a writable SQLite database, or raise DatabaseUnusable.

    Done with plain sqlite3 before aiosqlite connects: a failed aiosqlite connection leaves
    its thread running, and the process would never exit.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnusable(path, exc) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Writing the header's user_version is the cheapest write: a read-only file fails
        # here, once, instead of at a person's first message.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute(f"PRAGMA user_version = {version}")
    except sqlite3.Error as exc:
        raise DatabaseUnusable(path, exc) from None
    finally:
        conn.close()


def backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the bot writes to the source."""
    if target.exists():
        raise FileExistsError(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.backup(dst)
    finally:
        dst.close()
        src.close()
