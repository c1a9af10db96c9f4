"""The terminal console as another program uses it: JSON lines through pipes, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from tests.conftest import PY, juwei, juwei_env


def console(db: Path, *args: str, script: str, cwd: Path) -> list[dict]:
    done = subprocess.run(
        [PY, "-m", "bot", "console", "--json", *args],
        input=script,
        capture_output=True,
        text=True,
        env=juwei_env(db),
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_join_by_number_and_by_label(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    out = console(db, "--user", "li", script="/join\n1\n李阿姨\n跳过\n1\n", cwd=tmp_path)
    assert out[0]["options"][0] == {"label": "三门居委会", "value": "1"}
    assert "已加入三门居委会" in out[-1]["text"] and out[-1]["chat"] == "li"
    out = console(
        db,
        "--user",
        "zhao",
        script="/join\n高雄居委会\n赵老师\n13912345678\n确认提交\n",
        cwd=tmp_path,
    )
    assert "已加入高雄居委会" in out[-1]["text"]


def test_back_and_cancel_mid_flow(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    out = console(db, "--user", "qian", script="/join\n2\n/back\n3\n/cancel\n", cwd=tmp_path)
    assert "请选择您所在的居民区" in out[2]["text"] and "高雄" in out[2]["text"]
    assert "称呼" in out[3]["text"]
    assert "已取消" in out[4]["text"]


def test_killed_mid_flow_resumes_at_the_same_step(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    proc = subprocess.Popen(
        [PY, "-m", "bot", "console", "--json", "--user", "sun"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=juwei_env(db),
        cwd=tmp_path,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("/join\n")
    proc.stdin.flush()
    assert "居民区" in json.loads(proc.stdout.readline())["text"]
    proc.stdin.write("西二\n")
    proc.stdin.flush()
    assert "称呼" in json.loads(proc.stdout.readline())["text"]  # the answer is saved
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    out = console(db, "--user", "sun", script="孙师傅\n跳过\n确认提交\n", cwd=tmp_path)
    assert "接着上次" in out[0]["text"] and "称呼" in out[1]["text"]
    assert "您已加入西二居委会" in out[-1]["text"]


def test_messages_for_a_console_user_wait_for_their_console(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    console(db, "--user", "zhou", script="/help\n", cwd=tmp_path)
    granted = subprocess.run(
        [PY, "-m", "bot", "admin", "grant", "console:zhou", "staff"],
        capture_output=True,
        text=True,
        env=juwei_env(db),
        cwd=tmp_path,
        timeout=60,
    )
    assert granted.returncode == 0, granted.stderr
    out = console(db, "--user", "zhou", script="", cwd=tmp_path)
    assert len(out) == 1 and "街道工作人员" in out[0]["text"]
    assert console(db, "--user", "zhou", script="", cwd=tmp_path) == []  # shown once


def test_messages_to_other_chats_are_printed_with_their_chat(tmp_path: Path) -> None:
    db = tmp_path / "juwei.db"
    out = console(db, "--user", "admin", script="/grant console:wu director 三门\n", cwd=tmp_path)
    to_wu = [m for m in out if m["chat"] == "wu"]
    assert to_wu and "居委会主任" in to_wu[0]["text"]
    assert any(m["chat"] == "admin" and "已将" in m["text"] for m in out)


def test_run_with_no_platform_says_what_to_set_and_opens_the_console(tmp_path: Path) -> None:
    done = juwei(tmp_path / "juwei.db", "run", stdin="/help\n")
    assert done.returncode == 0, done.stderr
    for words in ("JUWEI_TELEGRAM_TOKEN", "JUWEI_WECOM_CORP_ID", "企业微信", "juwei console"):
        assert words in done.stderr
    assert "/report" in done.stdout and "/join" in done.stdout  # the console, on demo data
