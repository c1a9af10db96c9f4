"""The issue's shell story in a real headless Chromium: file in the console, accept on the page.

Needs Debian's chromium at /usr/bin/chromium (``.ci/run`` installs it) and Playwright for
Python; without either these tests skip and say why. Screenshots go to the test's temp folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PY, juwei, juwei_env

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python not installed")
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)

REPORT = "\n".join(
    [
        "/report",
        "1",
        "三门",
        "三门小区 5号楼 2单元 一楼楼道",
        "楼道里有电动车在飞线充电",
        "完成",
        "一般",
        "确认提交",
        "",
    ]
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """``juwei web`` as a real process on a free port, with the demo data."""
    db = tmp_path / "juwei.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**juwei_env(db), "JUWEI_HTTP_PORT": str(port), "JUWEI_PUBLIC_URL": base}
    proc = subprocess.Popen(
        [PY, "-m", "bot", "web"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(proc.communicate()[1])
            time.sleep(0.1)
        yield db, base
    finally:
        proc.terminate()
        proc.wait(10)


def shell(db: Path, base: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``juwei ARGS`` with the served workbench's public address."""
    env = {**juwei_env(db), "JUWEI_PUBLIC_URL": base}
    return subprocess.run(
        [PY, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=db.parent,
        env=env,
        timeout=60,
    )


def test_staff_accept_a_console_report_in_a_browser_and_the_reporter_hears(
    served: tuple[Path, str], tmp_path: Path
) -> None:
    db, base = served
    filed = juwei(db, "console", "--json", "--user", "d1", stdin=REPORT)
    assert filed.returncode == 0, filed.stderr
    own = "\n".join(
        m["text"] for line in filed.stdout.splitlines() if (m := json.loads(line))["chat"] == "d1"
    )
    found = re.search(r"编号 (YH-\d{8}-\d{4})", own)
    assert found is not None, own
    ref = found.group(1)

    printed = shell(db, base, "web", "link", "console:staff")
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.strip()
    assert link.startswith(f"{base}/signin/")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 412, "height": 900})
            page = context.new_page()
            page.goto(link)
            assert page.url == f"{base}/hazards"
            page.screenshot(path=str(tmp_path / "hazards.png"), full_page=True)
            page.click(f"text={ref}")
            assert page.url == f"{base}/hazards/{ref}"
            page.fill("#note-accepted", "明天上午上门查看")
            page.screenshot(path=str(tmp_path / "hazard.png"), full_page=True)
            page.click("#do-accepted")
            page.wait_for_selector(".done")
            assert "已受理" in page.inner_text(".done")
            assert "（工作台）" in page.inner_text(".history")
            page.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)
            page.click("text=总览")
            assert page.url == f"{base}/" and page.locator("svg.chart").count() == 1
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

            again = context.new_page()
            again.goto(link)
            assert "已经用过" in again.inner_text("main")
        finally:
            browser.close()

    shown = juwei(db, "reports", "show", ref, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["status"] == "已受理"
    told = juwei(db, "console", "--user", "d1")
    assert told.returncode == 0, told.stderr
    assert ref in told.stdout and "明天上午上门查看" in told.stdout

    resident = shell(db, base, "web", "link", "console:d1")
    assert resident.returncode == 2 and "居民不能登录" in resident.stderr
    assert resident.stdout == ""
    if folder := os.environ.get("WORKBENCH_SCREENSHOTS"):
        for name in ("hazards.png", "hazard.png", "accepted.png", "overview.png"):
            shutil.copy(tmp_path / name, Path(folder) / f"workbench-{name}")
