"""The SQLite engine: one file through aiosqlite, WAL, foreign keys.

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
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db.base import (
    BUSY_TIMEOUT_MS,
    Database,
    DatabaseBusy,
    DatabaseUnusable,
    Migration,
    Params,
    Row,
    Tx,
)


class SqliteTx(Tx):
    """Statements inside one SQLite transaction.

    They run on the calling thread: inside a write transaction this process holds, a statement
    never waits for another process, and a hop to aiosqlite's thread and back costs more than
    the statement itself (a message makes a dozen of them).
    """

    def __init__(self, raw: sqlite3.Connection) -> None:
        super().__init__()
        self._raw = raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _changed(sql, self._raw.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._raw.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self._raw.execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self._raw.execute(sql, params).fetchall()

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self._raw.execute(sql, params).fetchone()
        return None if row is None else row[0]

    async def script(self, statement: str) -> None:
        self._raw.execute(statement)


def _changed(sql: str, cursor: sqlite3.Cursor | aiosqlite.Cursor) -> int:
    if sql.lstrip()[:6].upper() == "INSERT":
        # lastrowid keeps the previous insert's id when this one inserted nothing.
        return (cursor.lastrowid or 0) if cursor.rowcount > 0 else 0
    return cursor.rowcount


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


async def _rows(cursor: sqlite3.Cursor | aiosqlite.Cursor) -> Iterable[Row]:
    if isinstance(cursor, sqlite3.Cursor):
        return cursor.fetchall()
    return await cursor.fetchall()


class SqliteDatabase(Database):
    engine = "sqlite"

    def __init__(self, target: Path | str) -> None:
        super().__init__(target)
        self.path = Path(target)
        self._conn: aiosqlite.Connection | None = None
        self._sync: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return str(self.path)

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

    @asynccontextmanager
    async def transaction(self, *, wait_at_most: float | None = None) -> AsyncIterator[Tx]:
        current = self._ambient.get()
        if current is not None and current.open:
            async with self._savepoint(current):
                yield current
            return
        deadline = None if wait_at_most is None else time.monotonic() + wait_at_most
        await self._wait_turn(self._lock, deadline)
        tx = SqliteTx(self._raw)
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

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        current = self._ambient.get()
        if current is not None and current.open:
            return await current.fetchall(sql, params)
        async with self._lock:
            cursor = await self._now_or_waiting(sql, params, None)
            return list(await _rows(cursor))

    # -- migrations -------------------------------------------------------------------------

    async def has_table(self, table: str) -> bool:
        return bool(
            await self.scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            )
        )

    def migration_script(self, migration: Migration) -> str:
        return migration.sql


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
