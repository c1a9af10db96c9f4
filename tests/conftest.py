"""Shared fixtures: a real database file in a temp dir, an app on it, a fake clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.messages import Chat, ChatKind, Incoming, Reply, Sender
from bot.outbox import Parcel
from bot.platforms.wecom.platform import WeComPlatform
from bot.registry import build_router
from bot.router import Router
from bot.settings import Settings
from tests.fakes.wecom_api import FakeWeCom
from tests.fakes.wecom_loopback import LoopbackWeCom
from tests.postgres import NoServer, Server, running_server

REPO_ROOT = Path(__file__).resolve().parent.parent
# JUWEI_TEST_ENGINE=postgresql runs every test on the default database fixtures on PostgreSQL
# (read here: the fixtures below clear JUWEI_* from the environment).
DEFAULT_ENGINE = os.environ.get("JUWEI_TEST_ENGINE", "sqlite")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or JUWEI_* variables."""
    for name in list(os.environ):
        if name.startswith("JUWEI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 7, 18, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_engines: run the test on SQLite and on a throw-away PostgreSQL"
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): a test of SQLite itself (its file, its locks, its pragmas), skipped"
        " when the suite runs on PostgreSQL (JUWEI_TEST_ENGINE=postgresql)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if DEFAULT_ENGINE == "sqlite":
        return
    for item in items:
        if (marker := item.get_closest_marker("sqlite_only")) is not None:
            reason = marker.args[0] if marker.args else "tests SQLite itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_engines`` that use the database run once per engine."""
    marked = metafunc.definition.get_closest_marker("both_engines")
    if marked and "database_engine" in metafunc.fixturenames:
        metafunc.parametrize("database_engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """One PostgreSQL server for the session (skipped with the reason when there is none)."""
    try:
        yield from running_server()
    except NoServer as exc:
        pytest.skip(str(exc))


@pytest.fixture
async def pg_url(pg_server: Server) -> str:
    """A fresh, migrated PostgreSQL database for this test."""
    # Dropped with the others at the end of the session (a throw-away server goes entirely).
    return await pg_server.fresh()


@pytest.fixture
def database_engine(request: pytest.FixtureRequest) -> str:
    engine: str = getattr(request, "param", DEFAULT_ENGINE)
    return engine


@pytest.fixture
def database(request: pytest.FixtureRequest, database_engine: str, tmp_path: Path) -> Path | str:
    """What ``Database(...)`` opens in this test: an SQLite file, or a PostgreSQL URL."""
    if database_engine == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return tmp_path / "juwei.db"


# The PostgreSQL database of the running test's ``settings``: ``juwei(...)`` subprocesses
# use it too, so a CLI story runs on the same engine as the app it checks.
_current_url: list[str] = []


@pytest.fixture
def settings(tmp_path: Path, database: Path | str) -> Iterator[Settings]:
    url = database if isinstance(database, str) else None
    if url is not None:
        _current_url.append(url)
    yield Settings(
        db_path=tmp_path / "juwei.db",
        database_url=url,
        admins=("console:admin",),
        _env_file=None,
    )
    if url is not None:
        _current_url.remove(url)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    app = await App.open(settings, clock, demo=True)
    yield app
    await app.close()


class Person:
    """Someone talking to the bot on the console platform, for tests."""

    def __init__(self, router: Router, user_id: str, name: str = "", chat: Chat | None = None):
        self.router = router
        self.sender = Sender("console", user_id, name or user_id)
        self.chat = chat or Chat("console", user_id, ChatKind.PRIVATE)

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            command, *args = text[1:].split()
            msg = Incoming(self.chat, self.sender, command=command, args=tuple(args))
        else:
            msg = Incoming(self.chat, self.sender, text=text)
        return await self.router.handle(msg)

    async def press(self, value: str) -> list[Reply]:
        return await self.router.handle(Incoming(self.chat, self.sender, choice=value))

    async def deliver(self, incoming_kwargs: dict[str, object]) -> list[Reply]:
        return await self.router.handle(Incoming(self.chat, self.sender, **incoming_kwargs))  # type: ignore[arg-type]


@pytest.fixture
def router(app: App) -> Router:
    return build_router(app)


@pytest.fixture
def person(router: Router):  # type: ignore[no-untyped-def]
    def make(user_id: str, name: str = "", chat: Chat | None = None) -> Person:
        return Person(router, user_id, name, chat)

    return make


def juwei_env(db: Path, database_url: str | None = None) -> dict[str, str]:
    """Environment for running ``python -m bot`` in a subprocess on this checkout
    (on PostgreSQL when ``database_url`` is given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["JUWEI_DB_PATH"] = str(db)
    database_url = database_url or (_current_url[-1] if _current_url else None)
    if database_url is not None:
        env["JUWEI_DATABASE_URL"] = database_url
    return env


PY = sys.executable


def juwei(
    db: Path,
    *args: str,
    stdin: str = "",
    cwd: Path | None = None,
    database_url: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` on this checkout and database, as a person types it."""
    return subprocess.run(
        [PY, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or db.parent,
        env=juwei_env(db, database_url),
        timeout=60,
    )


async def take_mail(app: App, chat_id: str) -> list[Parcel]:
    """What the console platform would deliver to this chat now: claimed and marked sent."""
    parcels = await app.outbox.claim("console", "test", chat_id=chat_id)
    for parcel in parcels:
        await app.outbox.mark_sent(parcel.id)
    return parcels


@pytest.fixture
def fake_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A standalone fake Bot API in its own process (token: the test module's TOKEN); yields
    its base URL, for tests that run ``python -m bot run`` against it."""
    token = getattr(request.module, "TOKEN", "4200:TEST-token")
    proc = subprocess.Popen(
        [PY, "-m", "tests.fakes.telegram_api", "--port", "0", "--token", token],
        stdout=subprocess.PIPE,
        text=True,
        env=juwei_env(tmp_path / "unused.db"),
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


@pytest.fixture
def fake() -> FakeWeCom:
    """A fake WeCom API (and group-robot webhooks) holding the real request bodies."""
    return FakeWeCom()


@pytest.fixture
async def wecom(router: Router, fake: FakeWeCom) -> AsyncIterator[WeComPlatform]:
    """The WeCom platform started against the fake (robot groups registered)."""
    platform = WeComPlatform(router, http=fake.transport)
    await platform.start()
    yield platform
    await platform.stop()


@pytest.fixture
def loopback() -> Iterator[LoopbackWeCom]:
    """A loopback WeCom on a thread, for ``juwei run`` subprocesses with WeCom settings."""
    server = LoopbackWeCom()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
