"""The issue's story from the shell, all with JUWEI_DATABASE_URL: a fresh PostgreSQL database
migrated, demo data, a hazard report filed on the console, accepted by ``juwei reports set``,
the reporter told; then two ``juwei run`` processes with WeCom settings on that database, 50
people's messages sent alternately to the two ports: each person answered exactly once."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.db import bundled_migrations
from bot.i18n import text
from tests.conftest import PY, juwei, juwei_env
from tests.fakes.wecom_api import (
    SECRET,
    message_xml,
    signed_post,
    wecom_env,
)
from tests.fakes.wecom_loopback import LoopbackWeCom
from tests.hazards.test_cli import SCRIPT
from tests.platforms.wecom.test_run import free_port, wait_for
from tests.postgres import Server

PEOPLE = 50


@pytest.fixture
def empty_url(pg_server: Server) -> Iterator[str]:
    url = asyncio.run(pg_server.fresh(empty=True))
    yield url
    asyncio.run(pg_server.drop(url))


def test_the_report_story_runs_on_postgresql_from_the_shell(tmp_path: Path, empty_url: str) -> None:
    db = tmp_path / "unused.db"  # JUWEI_DATABASE_URL wins: no SQLite file is made

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return juwei(db, *args, stdin=stdin, cwd=tmp_path, database_url=empty_url)

    migrated = run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert (
        f"版本 {bundled_migrations()[-1].version}" in migrated.stdout
        and "@" not in migrated.stdout.split("postgresql://")[0]
    )
    assert run("demo-data").returncode == 0

    filed = run("console", "--json", "--user", "alice", "--name", "王阿姨", stdin=SCRIPT)
    assert filed.returncode == 0, filed.stderr
    lines = [json.loads(line) for line in filed.stdout.splitlines()]
    found = re.search(r"编号 (YH-\d{8}-\d{4})", "\n".join(m["text"] for m in lines))
    assert found is not None
    ref = found.group(1)
    staff = [m for m in lines if m["chat"] == "staff-group"]
    assert len(staff) == 1 and ref in staff[0]["text"] and "王阿姨" not in staff[0]["text"]

    moved = run("reports", "set", ref, "已受理", "--note", "明天上门查看")
    assert moved.returncode == 0, moved.stderr
    told = run("console", "--json", "--user", "alice")
    (news,) = [json.loads(line) for line in told.stdout.splitlines()]
    assert ref in news["text"] and "已受理" in news["text"] and "明天上门查看" in news["text"]
    assert run("console", "--json", "--user", "alice").stdout == ""  # told once
    assert not db.exists()


def _run_env(tmp_path: Path, url: str, loopback: LoopbackWeCom, port: int) -> dict[str, str]:
    return juwei_env(tmp_path / "unused.db", url) | wecom_env(loopback.base, port)


def test_two_workers_on_one_database_answer_each_of_50_people_once(
    tmp_path: Path, empty_url: str, loopback: LoopbackWeCom
) -> None:
    assert juwei(tmp_path / "unused.db", "migrate", database_url=empty_url).returncode == 0
    ports = [free_port(), free_port()]
    workers = [
        subprocess.Popen(
            [PY, "-m", "bot", "run"],
            cwd=tmp_path,
            env=_run_env(tmp_path, empty_url, loopback, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for(lambda port=port: httpx.get(f"http://127.0.0.1:{port}/healthz").is_success)
        now = int(time.time())
        with httpx.Client(timeout=10) as http:
            for n in range(PEOPLE):
                xml = message_xml(f"person{n}", now, Content="/start", MsgId=9_000_000 + n)
                query, body = signed_post(xml)
                port = ports[n % 2]
                answer = http.post(f"http://127.0.0.1:{port}/wecom/callback?{query}", content=body)
                assert answer.status_code == 200

        def everyone() -> bool:
            return len({m["touser"] for m in loopback.sent}) == PEOPLE

        wait_for(everyone, seconds=60)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        errors = [worker.communicate(timeout=30)[1] for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], errors
    # Stopped, so every answer either side would send has been sent. /start is answered with
    # a greeting and the command list: each person has exactly those two, once each.
    said: dict[str, list[str]] = {}
    busy = text("zh", "error.busy_kept")  # "got it, the answer follows": not an answer
    for message in loopback.sent:
        if message["text"]["content"] != busy:
            said.setdefault(message["touser"], []).append(message["text"]["content"])
    assert len(said) == PEOPLE
    (answer,) = {tuple(sorted(texts)) for texts in said.values()}
    assert len(answer) == 2 and "居委小助手" in "".join(answer) and "/report" in "".join(answer)
    assert all(SECRET not in e and "postgres@" not in e for e in errors)
