"""The database: one SQLite file through aiosqlite, WAL, foreign keys, numbered migrations.

One connection is shared by the whole process, so statements of concurrent tasks would
interleave inside each other's transactions; a lock serialises them. Several processes
(the bot, CLI commands, consoles) share the file through SQLite's own locking: write
transactions start with BEGIN IMMEDIATE. Statements run on the event loop's thread and never
wait there; one that finds another process holding the lock is run again on aiosqlite's thread,
which waits up to the busy timeout (or the caller's ``wait_at_most``).

A transaction is ambient: while a task is inside ``transaction()``, every statement it runs
through the ``Database`` (and every nested ``transaction()``, as a savepoint) joins it. So one
handled message — its form step, the change it makes, the replies and notifications it queues
and its inbox row's "handled" mark — commits together or not at all, without each service
having to be handed the transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
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


class DatabaseBusy(Exception):
    """The database could not take a write in the time allowed (another process holds it)."""


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
    """Statements inside one transaction; handed out by ``Database.transaction``.

    They run on the calling thread: inside a write transaction this process holds, a statement
    never waits for another process, and a hop to aiosqlite's thread and back costs more than
    the statement itself (a message makes a dozen of them).
    """

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw
        self.open = True
        self._after_commit: list[Callable[[], None]] = []
        self._savepoints = 0

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the outermost transaction has committed (never on rollback)."""
        self._after_commit.append(callback)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; an insert returns the new row's id (0 when nothing was inserted,
        e.g. ON CONFLICT DO NOTHING), anything else the number of rows changed."""
        return _changed(sql, self._raw.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._raw.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._raw.execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._raw.execute(sql, params).fetchall()

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


def _changed(sql: str, cursor: sqlite3.Cursor | aiosqlite.Cursor) -> int:
    if sql.lstrip()[:6].upper() == "INSERT":
        # lastrowid keeps the previous insert's id when this one inserted nothing.
        return (cursor.lastrowid or 0) if cursor.rowcount > 0 else 0
    return cursor.rowcount


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


async def _rows(cursor: sqlite3.Cursor | aiosqlite.Cursor) -> Iterable[sqlite3.Row]:
    if isinstance(cursor, sqlite3.Cursor):
        return cursor.fetchall()
    return await cursor.fetchall()


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._sync: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        # One per database: tests and tools open several in one process.
        self._ambient: ContextVar[Tx | None] = ContextVar(f"tx-{id(self)}", default=None)

    async def open(self) -> None:
        await asyncio.to_thread(probe, self.path)
        # The same connection is also used from the event loop's thread (see Tx); every use
        # is serialised by self._lock, so the two threads never touch it at once.
        conn = await aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        # Statements run on the loop's thread first and never wait there (see _wait_for).
        await conn.execute("PRAGMA busy_timeout = 0")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        self._conn = conn
        self._sync = conn._conn  # aiosqlite's own sqlite3 connection

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
            self._sync = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def _raw(self) -> sqlite3.Connection:
        if self._sync is None:
            raise RuntimeError("database is not open")
        return self._sync

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def in_transaction(self) -> bool:
        """True inside ``transaction()`` in this task (statements join it)."""
        current = self._ambient.get()
        return current is not None and current.open

    @asynccontextmanager
    async def transaction(self, *, wait_at_most: float | None = None) -> AsyncIterator[Tx]:
        """One write transaction: committed on success, rolled back on any exception.

        Inside another transaction of this task it is a savepoint of that one: its failure
        undoes only its own statements, and it commits with the outer one. ``wait_at_most``
        (seconds): raise ``DatabaseBusy`` instead of waiting longer for the write lock.
        """
        current = self._ambient.get()
        if current is not None and current.open:
            async with self._savepoint(current):
                yield current
            return
        deadline = None if wait_at_most is None else time.monotonic() + wait_at_most
        await self._acquire(deadline)
        tx = Tx(self._raw)
        token = self._ambient.set(tx)
        try:
            await self._begin(deadline)  # may wait for another process: on aiosqlite's thread
            try:
                yield tx
            except BaseException:
                self._raw.execute("ROLLBACK")
                raise
            else:
                await self._now_or_waiting("COMMIT", (), None)
        finally:
            tx.open = False
            self._ambient.reset(token)
            self._lock.release()
        for callback in tx._after_commit:
            callback()

    async def _acquire(self, deadline: float | None) -> None:
        if deadline is None:
            await self._lock.acquire()
            return
        try:
            await asyncio.wait_for(self._lock.acquire(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise DatabaseBusy(f"{self.path}: busy (this process)") from None

    async def _begin(self, deadline: float | None) -> None:
        await self._now_or_waiting("BEGIN IMMEDIATE", (), deadline)

    async def _now_or_waiting(
        self, sql: str, params: Params, deadline: float | None
    ) -> sqlite3.Cursor | aiosqlite.Cursor:
        """Run a statement on this thread without waiting; only when another process holds
        the lock, wait for it on aiosqlite's thread (up to ``deadline``, else the busy timeout).

        Most statements find the database free, and a hop to the thread and back costs more
        than the statement; a statement SQLite refuses as busy has done nothing yet.
        """
        try:
            return self._raw.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        return await self._wait_for(sql, params, deadline)

    async def _wait_for(self, sql: str, params: Params, deadline: float | None) -> aiosqlite.Cursor:
        wait_ms = (
            BUSY_TIMEOUT_MS
            if deadline is None
            else max(1, int((deadline - time.monotonic()) * 1000))
        )
        await self.conn.execute(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            return await self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if deadline is not None and _busy(exc):
                raise DatabaseBusy(f"{self.path}: {exc}") from None
            raise
        finally:
            await self.conn.execute("PRAGMA busy_timeout = 0")

    @asynccontextmanager
    async def _savepoint(self, tx: Tx) -> AsyncIterator[None]:
        tx._savepoints += 1
        name = f"sp{tx._savepoints}"
        self._raw.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._raw.execute(f"ROLLBACK TO {name}")
            self._raw.execute(f"RELEASE {name}")
            raise
        else:
            self._raw.execute(f"RELEASE {name}")

    async def execute(self, sql: str, params: Params = ()) -> int:
        current = self._ambient.get()
        if current is not None and current.open:
            return await current.execute(sql, params)
        async with self._lock:
            return _changed(sql, await self._now_or_waiting(sql, params, None))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        current = self._ambient.get()
        if current is not None and current.open:
            return await current.fetchall(sql, params)
        async with self._lock:
            cursor = await self._now_or_waiting(sql, params, None)
            return list(await _rows(cursor))

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

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
