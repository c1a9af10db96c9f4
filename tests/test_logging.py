"""Personal data never reaches the log, whatever JUWEI_LOG_LEVEL says."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import PY, juwei_env

NAME, PHONE = "王秀英", "13912345678"
ADDRESS, DESCRIPTION = "三门路88弄5号楼", "楼道里堆满了纸箱和旧家具"


def test_debug_log_holds_no_phone_name_or_description(tmp_path: Path) -> None:
    env = juwei_env(tmp_path / "juwei.db")
    env["JUWEI_LOG_LEVEL"] = "DEBUG"
    # With a platform configured the console logs at the chosen level (otherwise it is quiet);
    # the console never contacts Telegram.
    env["JUWEI_TELEGRAM_TOKEN"] = "123456:TEST-not-used"
    story = [
        "/join", "1", NAME, PHONE, "确认提交",
        "/report", "1", "1", ADDRESS, DESCRIPTION, "跳过", "一般", "确认提交",
    ]  # fmt: skip
    done = subprocess.run(
        [PY, "-m", "bot", "console", "--user", "wang"],
        input="\n".join(story) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "YH-" in done.stdout and NAME in done.stdout  # the story really ran
    assert "DEBUG" in done.stderr  # and the log really was at DEBUG
    for secret in (NAME, PHONE, ADDRESS, DESCRIPTION):
        assert secret not in done.stderr
