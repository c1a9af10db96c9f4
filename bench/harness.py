"""What the benchmarks share: the repository on sys.path, a timed fake Bot API, the bot as a
subprocess, the CPU time a process has used, percentiles and a plain table.

The fake server runs in the benchmark's own process (with the simulated people), the bot in
another, so the bot has a core to itself on a two-core machine, as it would in production.
``TimedBotApi`` is the full fake of the tests (faults, limits, files), for the broadcast and
footprint benchmarks; throughput uses the leaner ``bench/lean_api.py``.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fakes.telegram_api import FakeBotApi, JSONDict  # noqa: E402

TOKEN = "777001:BENCH-token"
PY = sys.executable


class TimedBotApi(FakeBotApi):
    """The fake Bot API, noting when each update is first handed out by getUpdates and when
    each message the bot sends arrives, and handing each chat's messages to whoever waits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(TOKEN, **kwargs)
        self.handed: dict[int, float] = {}
        self.inbox: dict[object, asyncio.Queue[tuple[float, JSONDict]]] = defaultdict(asyncio.Queue)

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        updates = await super()._get_updates(params)
        now = time.perf_counter()
        for update in updates:
            self.handed.setdefault(update["update_id"], now)
        return updates

    def _post(self, chat: JSONDict, params: JSONDict, **content: Any) -> JSONDict:
        message = super()._post(chat, params, **content)
        self.inbox[chat["id"]].put_nowait((time.perf_counter(), message))
        return message

    async def __aenter__(self) -> TimedBotApi:
        await self.start()
        return self

    async def next_message(self, chat_id: int, timeout: float = 30.0) -> tuple[float, JSONDict]:  # noqa: ASYNC109
        return await asyncio.wait_for(self.inbox[chat_id].get(), timeout)


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(db: Path, base_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT),
        "JUWEI_DB_PATH": str(db),
        "JUWEI_TELEGRAM_TOKEN": TOKEN,
        "JUWEI_TELEGRAM_BASE_URL": base_url,
        "JUWEI_HTTP_PORT": str(free_port()),
        "JUWEI_LOG_LEVEL": "WARNING",
    }
    return env | more


def start_process(
    args: Sequence[str], env: dict[str, str], log: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(list(args), env=env, cwd=cwd, stdout=sink, stderr=sink)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def print_summary(name: str, figures: dict[str, Any]) -> None:
    print(json.dumps({"bench": name, **figures}, ensure_ascii=False))


async def file_report(api: TimedBotApi, uid: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """One person files a complete hazard report by buttons, each step once the last is
    answered (the footprint benchmark's story)."""
    from bench.load import report_script

    last: JSONDict | None = None
    for kind, what in report_script(uid):
        if kind == "text":
            assert isinstance(what, str)
            api.text(uid, what)
        else:
            assert callable(what)
            markup = (last or {}).get("reply_markup") or {"inline_keyboard": []}
            buttons = [b for row in markup["inline_keyboard"] for b in row]
            data = buttons[what(uid, len(buttons))]["callback_data"] if buttons else "x"
            api.callback(uid, data, int(last["message_id"]) if last else 1)
        _, last = await api.next_message(uid, timeout)
