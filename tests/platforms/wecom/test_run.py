"""``juwei run`` with WeCom settings: the callback on the HTTP port, replies to a loopback WeCom."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PY, juwei_env
from tests.fakes.wecom_api import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    message_xml,
    signed_get,
    signed_post,
    wecom_env,
)
from tests.fakes.wecom_loopback import LoopbackWeCom


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, loopback: LoopbackWeCom, port: int) -> dict[str, str]:
    """``juwei run`` with WeCom settings, answering the loopback WeCom."""
    return juwei_env(tmp_path / "juwei.db") | wecom_env(loopback.base, port)


def wait_for(check: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_run_serves_the_callback_and_replies_through_message_send(
    tmp_path: Path, loopback: LoopbackWeCom
) -> None:
    port = free_port()
    env = _env(tmp_path, loopback, port) | {"JUWEI_LOG_LEVEL": "INFO"}
    bot = subprocess.Popen(
        [PY, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/healthz").status_code == 200)

        echo = httpx.get(f"{base}/wecom/callback?{signed_get('1616140317555161061')}")
        assert (echo.status_code, echo.text) == (200, "1616140317555161061")

        xml = message_xml("zhangsan", int(time.time()), Content="/start", MsgId=4561255354251345929)
        query, body = signed_post(xml)
        posted = httpx.post(f"{base}/wecom/callback?{query}", content=body)
        assert (posted.status_code, posted.content) == (200, b"")
        welcome = wait_for(
            lambda: [m for m in loopback.sent if "居委小助手" in json.dumps(m, ensure_ascii=False)]
        )
        assert welcome[0]["touser"] == "zhangsan" and welcome[0]["agentid"] == AGENT_ID

        forged = query.replace("msg_signature=", "msg_signature=0")
        assert httpx.post(f"{base}/wecom/callback?{forged}", content=body).status_code == 403
    finally:
        stopping = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        try:
            _, stderr = bot.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
            raise
    assert bot.returncode == 0, stderr
    assert time.monotonic() - stopping < 5
    assert SECRET not in stderr and "loop-token" not in stderr


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("JUWEI_WECOM_AES_KEY", "too-short", "JUWEI_WECOM_AES_KEY: EncodingAESKey must be 43"),
        ("JUWEI_WECOM_AES_KEY", "!" * 43, "JUWEI_WECOM_AES_KEY: EncodingAESKey is not base64"),
        ("JUWEI_WECOM_AGENT_ID", "abc", "JUWEI_WECOM_AGENT_ID: Input should be a valid integer"),
        ("JUWEI_WECOM_SECRET", "", "JUWEI_WECOM_SECRET: required when JUWEI_WECOM_CORP_ID"),
        ("JUWEI_WECOM_ROBOTS", "[{", "JUWEI_WECOM_ROBOTS: not a JSON list of robots"),
    ],
)
def test_bad_wecom_settings_are_named_in_one_line(
    tmp_path: Path, name: str, value: str, words: str
) -> None:
    env = juwei_env(tmp_path / "juwei.db") | {
        "JUWEI_WECOM_CORP_ID": CORP_ID,
        "JUWEI_WECOM_AGENT_ID": str(AGENT_ID),
        "JUWEI_WECOM_SECRET": SECRET,
        "JUWEI_WECOM_TOKEN": TOKEN,
        "JUWEI_WECOM_AES_KEY": AES_KEY,
        name: value,
    }
    done = subprocess.run(
        [PY, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert SECRET not in done.stderr


def _start(tmp_path: Path, loopback: LoopbackWeCom, port: int) -> subprocess.Popen[str]:
    bot = subprocess.Popen(
        [PY, "-m", "bot", "run"],
        cwd=tmp_path,
        env=_env(tmp_path, loopback, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200)
    return bot


def _texts(loopback: LoopbackWeCom) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in loopback.sent]


def _settled(db: Path) -> bool:
    """Every update answered and every answer sent (or given up)."""
    with sqlite3.connect(db) as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL").fetchone()
        sending = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return waiting[0] == 0 and sending[0] == 0


def test_killed_while_answering_both_messages_are_answered_once_after_restart(
    tmp_path: Path, loopback: LoopbackWeCom
) -> None:
    """/report, then 1, both taken with 200; SIGKILL while the first answer is being sent."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot = _start(tmp_path, loopback, port)
    try:
        loopback.gate.clear()  # WeCom stops answering message/send
        now = int(time.time())
        for msg_id, content in ((7001, "/report"), (7002, "1")):
            query, body = signed_post(message_xml("zhangsan", now, Content=content, MsgId=msg_id))
            started = time.monotonic()
            posted = httpx.post(f"{base}/wecom/callback?{query}", content=body, timeout=5)
            assert posted.status_code == 200
            assert time.monotonic() - started < 2  # WeCom allows 5 s
            if msg_id == 7001:
                wait_for(lambda: loopback.held >= 1)  # the first answer is on its way out
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
    finally:
        if bot.poll() is None:
            bot.kill()
    loopback.drop = True  # what the killed process was sending never arrived
    loopback.gate.set()
    wait_for(lambda: loopback.dropped == loopback.held)
    assert not any("请选择隐患类别" in text for text in _texts(loopback))

    loopback.drop = False
    again = _start(tmp_path, loopback, port)
    try:
        wait_for(lambda: _settled(tmp_path / "juwei.db"))
        texts = _texts(loopback)
        assert len([t for t in texts if "请选择隐患类别" in t]) == 1  # the answer to /report
        assert len([t for t in texts if "隐患在哪个居民区" in t]) == 1  # the answer to 1
        # A retry of either callback by WeCom is recognised as already taken in.
        query, body = signed_post(message_xml("zhangsan", now, Content="1", MsgId=7002))
        assert httpx.post(f"{base}/wecom/callback?{query}", content=body).status_code == 200
        wait_for(lambda: _settled(tmp_path / "juwei.db"))
        assert len([t for t in _texts(loopback) if "隐患在哪个居民区" in t]) == 1
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=15)
