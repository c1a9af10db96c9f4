"""``juwei run`` on Telegram end to end: a real process polling a standalone fake Bot API."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PY, juwei_env

TOKEN = "4242:RUN-secret-token"


def _until(check: Callable[[], Any], within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        try:
            found = check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, "the bot did not get there in time"
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_answers_start_serves_healthz_and_stops_on_a_signal(
    tmp_path: Path, fake_api: str, stop_signal: signal.Signals
) -> None:
    control = fake_api.removesuffix("/bot") + "/_control"
    port = _free_port()
    env = juwei_env(tmp_path / "juwei.db") | {
        "JUWEI_TELEGRAM_TOKEN": TOKEN,
        "JUWEI_TELEGRAM_BASE_URL": fake_api,
        "JUWEI_HTTP_PORT": str(port),
    }
    bot = subprocess.Popen(
        [PY, "-m", "bot", "run"], stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        with httpx.Client(timeout=5) as http:

            def calls(method: str) -> list[dict[str, Any]]:
                answer = http.get(f"{control}/calls", params={"method": method})
                return list(answer.json()["result"])

            _until(lambda: http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200)
            # Queued until the bot polls (a long poll is only listed once it has returned).
            http.post(
                f"{control}/text", json={"user_id": 7, "text": "/start", "first_name": "李伯伯"}
            )
            sent = _until(lambda: len(calls("sendMessage")) >= 2 and calls("sendMessage"))
            assert sent[0]["params"]["chat_id"] == 7
            assert sent[0]["result"]["text"].startswith("李伯伯您好")
            assert "/join" in sent[1]["result"]["text"]
            assert http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            # The workbench is served on the same server (its sign-in page needs no session).
            assert "/web" in http.get(f"http://127.0.0.1:{port}/signin").text

        started = time.monotonic()
        bot.send_signal(stop_signal)
        assert bot.wait(5) == 0
        assert time.monotonic() - started < 5
    finally:
        if bot.poll() is None:
            bot.kill()
        _, stderr = bot.communicate(timeout=5)
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
    assert "李伯伯" not in stderr  # no personal data in the log


def test_a_rejected_token_is_one_clear_line_without_the_token(
    tmp_path: Path, fake_api: str
) -> None:
    wrong = "4242:WRONG-secret"
    env = juwei_env(tmp_path / "juwei.db") | {
        "JUWEI_TELEGRAM_TOKEN": wrong,
        "JUWEI_TELEGRAM_BASE_URL": fake_api,
        "JUWEI_HTTP_PORT": str(_free_port()),
    }
    done = subprocess.run(
        [PY, "-m", "bot", "run"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=30
    )
    assert done.returncode == 2
    assert "JUWEI_TELEGRAM_TOKEN" in done.stderr.splitlines()[-1]
    assert "WRONG-secret" not in done.stderr


def test_debug_log_of_a_running_bot_holds_no_phone_or_name(tmp_path: Path, fake_api: str) -> None:
    """python-telegram-bot logs every update and httpx every request at DEBUG: kept quiet."""
    control = fake_api.removesuffix("/bot") + "/_control"
    env = juwei_env(tmp_path / "juwei.db") | {
        "JUWEI_TELEGRAM_TOKEN": TOKEN,
        "JUWEI_TELEGRAM_BASE_URL": fake_api,
        "JUWEI_HTTP_PORT": str(_free_port()),
        "JUWEI_LOG_LEVEL": "DEBUG",
    }
    loaded = subprocess.run([PY, "-m", "bot", "demo-data"], env=env, cwd=tmp_path, timeout=60)
    assert loaded.returncode == 0  # the committees to join
    bot = subprocess.Popen(
        [PY, "-m", "bot", "run"], stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        with httpx.Client(timeout=5) as http:

            def sent() -> list[str]:
                answer = http.get(f"{control}/calls", params={"method": "sendMessage"})
                return [str(c["result"]["text"]) for c in answer.json()["result"]]

            for said in ("/join", "1", "王秀英", "13912345678"):
                before = len(sent())
                message = {"user_id": 8, "text": said, "first_name": "秀英"}
                http.post(f"{control}/text", json=message)
                _until(lambda before=before: len(sent()) > before)  # type: ignore[misc]
            assert any("13912345678" in text for text in sent()), sent()  # it really ran
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(10) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
        _, stderr = bot.communicate(timeout=5)
    assert "DEBUG" in stderr
    for personal in ("13912345678", "王秀英", "秀英"):
        assert personal not in stderr
