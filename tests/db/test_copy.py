"""``juwei db copy --from sqlite:PATH --to postgresql://…`` and back, row counts checked."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.db.tools import server_program
from tests.conftest import juwei
from tests.hazards.test_cli import SCRIPT
from tests.postgres import Server


@pytest.fixture
def empty_url(pg_server: Server) -> Iterator[str]:
    url = asyncio.run(pg_server.fresh(empty=True))
    yield url
    asyncio.run(pg_server.drop(url))


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name <> 'schema_version'"
            )
        ]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def test_a_subdistrict_moves_to_postgresql_and_back_with_every_row(
    tmp_path: Path, empty_url: str
) -> None:
    source = tmp_path / "juwei.db"
    filed = juwei(source, "console", "--json", "--user", "alice", "--name", "王阿姨", stdin=SCRIPT)
    assert filed.returncode == 0, filed.stderr

    there = juwei(source, "db", "copy", "--from", f"sqlite:{source}", "--to", empty_url)
    assert there.returncode == 0, there.stderr
    assert "行数已核对" in there.stdout and "hazard_reports\t1" in there.stdout

    # The bot goes on on PostgreSQL: the copied report is there, new ids follow the old ones.
    listed = juwei(source, "reports", "list", "--json", database_url=empty_url)
    (report,) = json.loads(listed.stdout)
    assert report["address"] == "三门小区 5号楼 2单元 一楼楼道"
    elsewhere = SCRIPT.replace("5号楼 2单元 一楼楼道", "12号楼 1单元 车棚")  # not the same place
    again = juwei(
        source, "console", "--json", "--user", "bob", stdin=elsewhere, database_url=empty_url
    )
    assert again.returncode == 0, again.stderr

    async def ids() -> list[int]:
        async with Database(empty_url) as db:
            return [r[0] for r in await db.fetchall("SELECT id FROM hazard_reports ORDER BY id")]

    assert asyncio.run(ids()) == [1, 2]

    back = tmp_path / "back.db"
    home = juwei(source, "db", "copy", "--from", empty_url, "--to", f"sqlite:{back}")
    assert home.returncode == 0, home.stderr
    before, after = counts(source), counts(back)
    assert after["hazard_reports"] == before["hazard_reports"] + 1
    assert {t: n for t, n in after.items() if t not in ("hazard_reports",)}.keys() == (
        before.keys() - {"hazard_reports"}
    )


def test_copying_into_a_database_with_data_is_refused_in_one_line(
    tmp_path: Path, empty_url: str
) -> None:
    source = tmp_path / "juwei.db"
    assert juwei(source, "demo-data").returncode == 0
    assert juwei(source, "demo-data", database_url=empty_url).returncode == 0
    demo_people = counts(source)["users"]
    refused = juwei(source, "db", "copy", "--from", f"sqlite:{source}", "--to", empty_url)
    assert refused.returncode == 2
    assert "已有数据" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1

    async def people() -> int:
        async with Database(empty_url) as db:
            return int(await db.scalar("SELECT COUNT(*) FROM users"))

    assert asyncio.run(people()) == demo_people  # the target is unchanged


def test_backup_on_postgresql_is_a_pg_dump_archive(tmp_path: Path, pg_url: str) -> None:
    if server_program("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    unused = tmp_path / "unused.db"
    made = juwei(unused, "backup", str(tmp_path / "b.dump"), database_url=pg_url)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "b.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert "pg_dump" in made.stdout and not unused.exists()
    again = juwei(unused, "backup", str(tmp_path / "b.dump"), database_url=pg_url)
    assert again.returncode == 2 and "已存在" in again.stderr
