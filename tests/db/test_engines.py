"""One storage interface, two engines: the same statements mean the same on SQLite and on
PostgreSQL — ids from inserts, ambient transactions, savepoints, after_commit, busy waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.db import Database, DatabaseBusy, Migration
from bot.db.dialect import UnsupportedSql, ddl, translate
from tests.conftest import juwei
from tests.postgres import Server

pytestmark = pytest.mark.both_engines

TABLE = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER,"
    " score REAL, note TEXT)"
)


@pytest.fixture
async def database(
    request: pytest.FixtureRequest, database_engine: str, tmp_path: Path
) -> AsyncIterator[Path | str]:
    """An empty database (no migrations) on this engine."""
    if database_engine != "postgresql":
        yield tmp_path / "t.db"
        return
    server: Server = request.getfixturevalue("pg_server")
    url = await server.fresh(empty=True)
    yield url
    await server.drop(url)


@pytest.fixture
async def db(database: Path | str) -> AsyncIterator[Database]:
    async with Database(database) as opened:
        await opened.migrate([Migration(1, "t", TABLE + ";")])
        yield opened


async def test_an_insert_gives_the_new_id_and_a_skipped_one_zero(db: Database) -> None:
    first = await db.execute("INSERT INTO t (name, n) VALUES (?, ?)", ("a", 1))
    second = await db.execute("INSERT INTO t (name, n) VALUES (?, ?)", ("b", 2))
    skipped = await db.execute(
        "INSERT INTO t (name, n) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", ("a", 9)
    )
    assert (first, second, skipped) == (1, 2, 0)
    assert await db.execute("UPDATE t SET n = n + 1 WHERE n >= ?", (1,)) == 2
    row = await db.fetchone("SELECT id, name, n FROM t WHERE name = :name", {"name": "b"})
    assert row is not None and (row["id"], row[1], row["n"]) == (2, "b", 3)


async def test_nested_transactions_are_savepoints_and_listeners_hear_after_commit(
    db: Database,
) -> None:
    heard: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await db.execute("INSERT INTO t (name) VALUES ('outer')")  # joins the open one
            with pytest.raises(ValueError):
                async with db.transaction():
                    await db.execute("INSERT INTO t (name) VALUES ('inner')")
                    raise ValueError("the inner step fails")
            assert await db.scalar("SELECT group_concat(name) FROM t") == "outer"
            tx.after_commit(lambda: heard.append("committed"))
            raise RuntimeError("the whole answer fails")
    assert await db.scalar("SELECT COUNT(*) FROM t") == 0 and heard == []
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO t (name) VALUES ('kept')")
        tx.after_commit(lambda: heard.append("committed"))
        assert heard == [] and db.in_transaction
    assert heard == ["committed"] and not db.in_transaction


async def test_a_failed_statement_inside_a_savepoint_leaves_the_transaction_usable(
    db: Database,
) -> None:
    async with db.transaction():
        await db.execute("INSERT INTO t (name) VALUES ('a')")
        with pytest.raises(Exception, match=r"(?i)unique"):
            async with db.transaction():
                await db.execute("INSERT INTO t (name) VALUES ('a')")
        await db.execute("INSERT INTO t (name) VALUES ('b')")
    assert await db.scalar("SELECT COUNT(*) FROM t") == 2


async def test_sqlite_words_read_the_same(db: Database) -> None:
    """NULL tests on parameters, LIKE without case, group_concat, instr, json lists,
    LIMIT -1, sums as plain numbers."""
    for name, n in (("Apple", 1), ("banana", 2), ("cherry", None)):
        await db.execute("INSERT INTO t (name, n, score) VALUES (?, ?, 1.5)", (name, n))
    either = "SELECT name FROM t WHERE (? IS NULL OR n = ?) ORDER BY id"
    assert [r[0] for r in await db.fetchall(either, (None, None))] == [
        "Apple",
        "banana",
        "cherry",
    ]
    assert [r[0] for r in await db.fetchall(either, (2, 2))] == ["banana"]
    assert await db.scalar("SELECT name FROM t WHERE name LIKE ?", ("apple%",)) == "Apple"
    assert await db.scalar("SELECT COUNT(*) FROM t WHERE instr(name, ?) > 0", ("an",)) == 1
    listed = "SELECT name FROM t WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"
    assert {r[0] for r in await db.fetchall(listed, ("[1, 3]",))} == {"Apple", "cherry"}
    assert len(await db.fetchall("SELECT id FROM t ORDER BY id LIMIT ?", (-1,))) == 3
    assert await db.scalar("SELECT SUM(n) FROM t") == 3
    assert await db.scalar("SELECT SUM(score) FROM t") == 4.5
    tags = await db.scalar(
        "SELECT group_concat(name, '|') FROM (SELECT name FROM t ORDER BY id) AS s"
    )
    assert sorted(tags.split("|")) == ["Apple", "banana", "cherry"]


async def test_a_write_waits_only_as_long_as_asked(db: Database, database: Path | str) -> None:
    """Another process holds the write lock: ``wait_at_most`` turns the wait into
    ``DatabaseBusy``; once free, the write goes through."""
    other = Database(database)
    async with other:
        release = asyncio.Event()
        holding = asyncio.Event()

        async def hold() -> None:
            async with other.transaction():
                await other.execute("INSERT INTO t (name) VALUES ('held')")
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        try:
            with pytest.raises(DatabaseBusy):
                async with db.transaction(wait_at_most=0.2):
                    await db.execute("INSERT INTO t (name) VALUES ('late')")
        finally:
            release.set()
            await holder
        async with db.transaction(wait_at_most=2):
            await db.execute("INSERT INTO t (name) VALUES ('later')")
    assert await db.scalar("SELECT COUNT(*) FROM t") == 2


def test_placeholders_inside_quotes_and_comments_are_left_alone() -> None:
    statement = translate(
        "SELECT '?', \"a?\" FROM t -- is it ?\nWHERE a = ? AND b = :b /* :c */ AND c::text = ?"
    )
    assert statement.sql == (
        "SELECT '?', \"a?\" FROM t -- is it ?\nWHERE a = $1 AND b = $2 /* :c */ AND c::text = $3"
    )
    assert translate("SELECT :a, ?").names == ("a", 0)
    assert translate("SELECT 1 WHERE x = :a OR y = :a").sql.count("$1") == 2
    assert translate("SELECT 1") is translate("SELECT 1")  # cached per string
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id").sql == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"
    )
    with pytest.raises(UnsupportedSql):
        translate("INSERT OR REPLACE INTO t (a) VALUES (?)")


def test_migrations_become_postgresql_column_types() -> None:
    assert ddl("CREATE TABLE x (id INTEGER PRIMARY KEY, n INTEGER, f REAL, note TEXT)") == (
        "CREATE TABLE x (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " n BIGINT, f DOUBLE PRECISION, note TEXT)"
    )
    assert ddl("INSERT INTO x (note) VALUES ('INTEGER REAL')").endswith("('INTEGER REAL')")


async def test_an_engine_file_replaces_the_portable_migration_on_postgresql(
    database: Path | str,
) -> None:
    special = Migration(
        1, "ranks", "CREATE TABLE ranks (v INTEGER);", postgres="CREATE TABLE ranks (v SMALLINT);"
    )
    async with Database(database) as db:
        await db.migrate([special])
        assert await db.schema_version() == 1
        if db.engine == "postgresql":
            kind = await db.scalar(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'ranks'"
            )
            assert kind == "smallint"
        assert await db.migrate([special]) == []  # applied once


async def test_a_server_that_refuses_is_one_line() -> None:
    from bot.db import DatabaseUnusable

    with pytest.raises(DatabaseUnusable) as refused:
        async with Database("postgresql://juwei:secret-pw@127.0.0.1:1/none"):
            pass
    assert "secret-pw" not in str(refused.value) and "127.0.0.1:1/none" in str(refused.value)
    assert asyncpg  # the driver is there to be refused


def test_a_bad_database_url_is_one_line_exit_2_and_never_shows_the_password(
    tmp_path: Path,
) -> None:
    unused = tmp_path / "unused.db"
    wrong = juwei(unused, "migrate", database_url="mysql://juwei:secret-pw@db/juwei")
    assert wrong.returncode == 2 and "JUWEI_DATABASE_URL" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1 and "secret-pw" not in wrong.stderr
    down = juwei(unused, "migrate", database_url="postgresql://juwei:secret-pw@127.0.0.1:1/j")
    assert down.returncode == 2 and "无法使用" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1 and "secret-pw" not in down.stderr
    assert not unused.exists()
