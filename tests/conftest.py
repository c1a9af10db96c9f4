"""Shared fixtures: a real database file in a temp dir, an app on it, a fake clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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

REPO_ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "juwei.db", admins=("console:admin",), _env_file=None)


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


def juwei_env(db: Path) -> dict[str, str]:
    """Environment for running ``python -m bot`` in a subprocess on this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["JUWEI_DB_PATH"] = str(db)
    return env


PY = sys.executable


def juwei(
    db: Path, *args: str, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` on this checkout and database, as a person types it."""
    return subprocess.run(
        [PY, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or db.parent,
        env=juwei_env(db),
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
