"""The database: migrations in one transaction each, a too-new schema refused, online backup."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.db import (
    Database,
    DatabaseBusy,
    Migration,
    SchemaTooNew,
    backup,
    bundled_migrations,
    split_statements,
)
from bot.main import main
from tests.conftest import PY, juwei, juwei_env


async def test_fresh_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    async with Database(tmp_path / "a.db") as db:
        applied = await db.migrate()
        assert [m.version for m in applied] == [m.version for m in bundled_migrations()]
        assert await db.migrate() == []
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute("INSERT INTO chat_tags (chat_id, tag) VALUES (999, 'staff')")


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = Migration(
        900, "broken", "CREATE TABLE t1 (x INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    async with Database(tmp_path / "b.db") as db:
        await db.migrate()
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate([*bundled_migrations(), broken])
        assert not await db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 't1'")
        assert await db.schema_version() == bundled_migrations()[-1].version


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    async with Database(tmp_path / "c.db") as db:
        await db.migrate()
        await db.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future', 'x')"
        )
        with pytest.raises(SchemaTooNew, match="9999"):
            await db.migrate()


def test_migrate_refuses_a_newer_database_with_exit_2(tmp_path: Path) -> None:
    async def make_future_db() -> None:
        async with Database(tmp_path / "c.db") as db:
            await db.migrate()
            await db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'f', 'x')"
            )

    asyncio.run(make_future_db())
    done = subprocess.run(
        [PY, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        env=juwei_env(tmp_path / "c.db"),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2 and "9999" in done.stderr and "Traceback" not in done.stderr


def test_split_statements_keeps_semicolons_inside_strings() -> None:
    script = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- note; here\nINSERT INTO a VALUES ('1;2');\n"
    assert len(split_statements(script)) == 2


async def test_backup_while_the_database_is_open(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    async with Database(source) as db:
        await db.migrate()
        await db.execute(
            "INSERT INTO residents_committees (name, created_at) VALUES ('三门', 'now')"
        )
        backup(source, tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT name FROM residents_committees").fetchall() == [("三门",)]
    with pytest.raises(FileExistsError):
        backup(source, tmp_path / "copy.db")


def test_migrate_and_backup_commands(tmp_path: Path) -> None:
    env = juwei_env(tmp_path / "d.db")
    run = lambda *a: subprocess.run(  # noqa: E731
        [PY, "-m", "bot", *a], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert run("migrate").returncode == 0
    assert run("demo-data").returncode == 0 and run("demo-data").returncode == 0
    made = run("backup", str(tmp_path / "b.db"))
    assert made.returncode == 0, made.stderr
    rows = sqlite3.connect(tmp_path / "b.db").execute("SELECT COUNT(*) FROM residents_committees")
    assert rows.fetchone() == (3,)
    again = run("backup", str(tmp_path / "b.db"))
    assert again.returncode == 2 and "已存在" in again.stderr


async def test_a_write_waits_only_as_long_as_asked_for_a_database_another_process_holds(
    tmp_path: Path,
) -> None:
    async with Database(tmp_path / "t.db") as db:
        await db.execute("CREATE TABLE t (v TEXT)")
        holder = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusy):
                async with db.transaction(wait_at_most=0.1):
                    pass
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        async with db.transaction(wait_at_most=0.1):  # free again
            await db.execute("INSERT INTO t VALUES ('x')")
        # Waiting happens only on aiosqlite's thread: statements on the event loop never wait.
        assert await db.scalar("PRAGMA busy_timeout") == 0


@pytest.mark.parametrize("command", [("migrate",), ("hazards", "list"), ("console",)])
@pytest.mark.parametrize("bad", ["random-bytes", "under-a-file", "a-folder"])
def test_an_unusable_database_is_one_line_and_exit_2(
    tmp_path: Path, command: tuple[str, ...], bad: str
) -> None:
    if bad == "random-bytes":
        db = tmp_path / "random.db"
        db.write_bytes(os.urandom(4096))
    elif bad == "under-a-file":
        (tmp_path / "file").write_text("not a folder")
        db = tmp_path / "file" / "juwei.db"
    else:
        db = tmp_path / "folder"
        db.mkdir()
    done = juwei(db, *command, cwd=tmp_path)  # times out (fails) if it never exits
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and str(db) in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_read_only_database_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "juwei.db"
    assert main(["migrate", "--db", str(db)]) == 0
    real_connect = sqlite3.connect

    def read_only(path: object, **kwargs: Any) -> sqlite3.Connection:
        return real_connect(f"file:{path}?mode=ro", uri=True, **kwargs)

    capsys.readouterr()
    monkeypatch.setattr(sqlite3, "connect", read_only)  # tests run as root: chmod would not do
    assert main(["migrate", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(db) in err and "readonly" in err
