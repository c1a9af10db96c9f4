"""The PostgreSQL engine: a pool of asyncpg connections, for several processes on one database.

Each outermost transaction takes one pooled connection and, first of all, the database-wide
write lock (a transaction-scoped advisory lock): transactions of every process run one at a
time, as ``BEGIN IMMEDIATE`` makes them on SQLite, so the repositories' read-then-write steps
(a sign-up's free seats, a report's number of the day) keep the meaning they have there.
Statements outside a transaction run at once on any free connection. Waiting longer than
``lock_timeout`` (``wait_at_most``, else the busy timeout) raises ``DatabaseBusy``.

Statements are the repositories' SQLite-flavoured SQL, translated once per string by
``bot.db.dialect``; asyncpg prepares each on a connection once and caches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.db.base import (
    BUSY_TIMEOUT_MS,
    Database,
    DatabaseBusy,
    DatabaseUnusable,
    Lead,
    Migration,
    Params,
    Row,
    Tx,
    display_url,
)
from bot.db.dialect import Translated, ddl, translate

# The advisory lock every transaction holds: one writer at a time across processes.
WRITE_LOCK = 0x6A757765  # "juwe"
POOL_SIZE = 10
HEARTBEAT_SECONDS = 5.0
_BUSY = (asyncpg.exceptions.LockNotAvailableError, asyncpg.exceptions.QueryCanceledError)


def _numeric(value: str) -> int | float:
    # SUM() of an integer column is numeric in PostgreSQL; SQLite gives an int.
    return float(value) if "." in value or "e" in value.lower() else int(value)


async def _setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


class PostgresTx(Tx):
    def __init__(self, db: PostgresDatabase, conn: asyncpg.Connection) -> None:
        super().__init__()
        self._db = db
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._db._execute_on(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        statement = translate(sql)
        batch = [statement.arguments(row) for row in rows]
        if batch:
            await self._db._guarded(self._conn.executemany(statement.typed(batch[0]), batch))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._db._fetch_on(self._conn, sql, params)

    async def script(self, statement: str) -> None:
        await self._db._guarded(self._conn.execute(statement))


class _SessionLead(Lead):
    """A session advisory lock held on a connection of its own: if this process dies, the
    server ends its session and the lock is free for the next process at once."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self._conn = conn
        conn.add_termination_listener(lambda _conn: self.lost.set())
        # A connection that broke without a word (a network gone) is found by asking.
        self._heartbeat = asyncio.create_task(self._beat(), name="lead heartbeat")

    async def _beat(self) -> None:
        while not self.lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lost.wait(), HEARTBEAT_SECONDS)
                return
            try:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), HEARTBEAT_SECONDS)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.lost.set()
                self._conn.terminate()

    async def release(self) -> None:
        self._heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._heartbeat
        if not self._conn.is_closed():
            await self._conn.close()
        self.lost.set()


def lock_key(name: str) -> int:
    """A stable advisory-lock key for a name (signed 64-bit, as PostgreSQL takes it)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresDatabase(Database):
    engine = "postgresql"
    shared = True

    def __init__(self, target: Any, *, pool_size: int = POOL_SIZE) -> None:
        super().__init__(target)
        self.url = str(target)
        self._pool: asyncpg.Pool | None = None
        self._pool_size = pool_size
        self._with_id: frozenset[str] = frozenset()
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return display_url(self.url)

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self._pool_size,
                init=_setup,
                statement_cache_size=1024,
                server_settings={"lock_timeout": f"{BUSY_TIMEOUT_MS}ms"},
            )
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            raise DatabaseUnusable(self.name, exc) from None
        await self._migrated()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    async def _migrated(self) -> None:
        # Tables with an id column: an INSERT into one returns the new id, as on SQLite.
        rows = await self.pool.fetch(
            "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
            " AND a.attname = 'id' AND NOT a.attisdropped"
        )
        self._with_id = frozenset(row[0] for row in rows)

    async def _guarded(self, work: Any) -> Any:
        try:
            return await work
        except _BUSY as exc:
            raise DatabaseBusy(f"{self.name}: {exc}") from None

    async def _execute_on(self, conn: asyncpg.Connection, sql: str, params: Params) -> int:
        statement = translate(sql)
        arguments = statement.arguments(params)
        text = statement.typed(arguments)
        if statement.table in self._with_id and not statement.returns:
            rows = await self._guarded(conn.fetch(text + " RETURNING id", *arguments))
            return int(rows[-1][0]) if rows else 0
        status: str = await self._guarded(conn.execute(text, *arguments))
        count = status.rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def _fetch_on(self, conn: asyncpg.Connection, sql: str, params: Params) -> list[Row]:
        statement: Translated = translate(sql)
        arguments = statement.arguments(params)
        rows: list[Row] = await self._guarded(conn.fetch(statement.typed(arguments), *arguments))
        return rows

    @asynccontextmanager
    async def transaction(self, *, wait_at_most: float | None = None) -> AsyncIterator[Tx]:
        current = self._current()
        if current is not None:
            async with self._savepoint(current):
                yield current
            return
        deadline = None if wait_at_most is None else time.monotonic() + wait_at_most
        # This process's transactions queue here first, in the order they asked (as on
        # SQLite): only one holds the database-wide lock at a time anyway.
        await self._wait_turn(self._lock, deadline)
        try:
            conn = await self._acquire(deadline)
        except BaseException:
            self._lock.release()
            raise
        tx = PostgresTx(self, conn)
        token = self._ambient.set(tx)
        try:
            await conn.execute("BEGIN")
            try:
                if deadline is not None:
                    wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
                    await conn.execute(f"SET LOCAL lock_timeout = {wait_ms}")
                await self._guarded(conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK))
                yield tx
            except BaseException:
                # A broken connection cannot roll back (the server already has): the error
                # that broke the answer is the one to report.
                if not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.execute("ROLLBACK"))
                raise
            else:
                await self._guarded(conn.execute("COMMIT"))
        finally:
            tx.open = False
            self._ambient.reset(token)
            await self.pool.release(conn)
            self._lock.release()
        for callback in tx._after_commit:
            callback()

    async def _acquire(self, deadline: float | None) -> asyncpg.Connection:
        timeout = None if deadline is None else max(0.001, deadline - time.monotonic())
        try:
            return await self.pool.acquire(timeout=timeout)
        except TimeoutError:
            raise DatabaseBusy(f"{self.name}: busy (this process)") from None

    @asynccontextmanager
    async def _savepoint(self, tx: Tx) -> AsyncIterator[None]:
        assert isinstance(tx, PostgresTx)
        tx._savepoints += 1
        name = f"sp{tx._savepoints}"
        await tx._conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await tx._conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await tx._conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            await tx._conn.execute(f"RELEASE SAVEPOINT {name}")

    async def execute(self, sql: str, params: Params = ()) -> int:
        current = self._current()
        if current is not None:
            return await current.execute(sql, params)
        async with self.pool.acquire() as conn:
            return await self._execute_on(conn, sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        current = self._current()
        if current is not None:
            return await current.fetchall(sql, params)
        async with self.pool.acquire() as conn:
            return await self._fetch_on(conn, sql, params)

    async def alive(self, name: str) -> bool:
        key = lock_key(name)
        async with self.pool.acquire() as conn:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                await conn.fetchval("SELECT pg_advisory_unlock($1)", key)
                return False  # nobody holds it: that process has stopped
            return True

    async def lead(self, name: str) -> Lead | None:
        conn = await asyncpg.connect(self.url)
        try:
            held = await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name))
        except BaseException:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return None
        return _SessionLead(conn)

    # -- migrations -------------------------------------------------------------------------

    async def has_table(self, table: str) -> bool:
        return bool(await self.scalar("SELECT to_regclass(?) IS NOT NULL", (table,)))

    def migration_script(self, migration: Migration) -> str:
        return migration.postgres if migration.postgres is not None else ddl(migration.sql)
