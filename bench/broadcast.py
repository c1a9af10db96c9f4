"""Broadcast: one notice to 1,000 group chats through the outbox, with the fake Bot API
enforcing Telegram's limits (30 messages a second, 20 a minute to one group; 429 beyond).

Run from the repository root: ``python bench/broadcast.py [--groups 1000] [--quick]``.
A broadcast is one outbox row per group with a dedup key, delivered by the Telegram
platform's postman in ``python -m bot run`` against the standalone fake server. Figures:
time from the first to the last message against the floor the limits set (groups / 30 s),
answers of 429, duplicates and losses. Then the same with the bot SIGKILLed half way and
started again. Targets: within 1.1 of the floor, no duplicates, no losses.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.harness import (  # noqa: E402
    PY,
    TOKEN,
    bot_env,
    print_summary,
    print_table,
    start_process,
    stop_process,
)
from bot.app import App  # noqa: E402
from bot.messages import Address, Reply  # noqa: E402
from bot.settings import Settings  # noqa: E402

PER_SECOND = 30
TARGET_FACTOR = 1.1
NOTICE = "【消防安全提醒】夏季火灾高发，请勿在楼道内停放电动自行车或飞线充电。"


def group_id(n: int) -> str:
    return str(-1_000_000_000 - n)


async def queue_broadcast(db: Path, groups: int, key: str) -> None:
    app = await App.open(Settings(db_path=db, _env_file=None))
    try:
        for n in range(groups):
            address = Address("telegram", group_id(n))
            await app.outbox.put(address, Reply(NOTICE), dedup_key=f"{key}:{group_id(n)}")
    finally:
        await app.close()


def start_fake(work: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [PY, "-m", "tests.fakes.telegram_api", "--port", "0", "--token", TOKEN,
         "--enforce-limits"],
        stdout=subprocess.PIPE,
        text=True,
        env=bot_env(work / "unused.db", ""),
        cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def sends(http: httpx.Client, base_url: str) -> list[dict[str, Any]]:
    control = base_url.removesuffix("/bot") + "/_control/calls"
    answer = http.get(control, params={"method": "sendMessage"}, timeout=30)
    return list(answer.json()["result"])


def run_case(work: Path, groups: int, kill: bool) -> dict[str, object]:
    db = work / ("killed.db" if kill else "plain.db")
    asyncio.run(queue_broadcast(db, groups, "bench"))
    fake, base_url = start_fake(work)
    env = bot_env(db, base_url)
    bot = start_process([PY, "-m", "bot", "run"], env, work / "bot.log", work)
    killed_at = 0
    deadline = time.monotonic() + groups / PER_SECOND * 3 + 60
    try:
        with httpx.Client() as http:
            while time.monotonic() < deadline:
                time.sleep(0.2)
                calls = sends(http, base_url)
                delivered = {c["params"]["chat_id"] for c in calls if c["status"] == 200}
                if kill and not killed_at and len(delivered) >= groups // 2:
                    bot.send_signal(signal.SIGKILL)
                    bot.wait()
                    killed_at = len(delivered)
                    bot = start_process([PY, "-m", "bot", "run"], env, work / "bot.log", work)
                if len(delivered) >= groups:
                    break
            time.sleep(1.0)  # anything sent twice would arrive by now
            calls = sends(http, base_url)
    finally:
        stop_process(bot)
        fake.send_signal(signal.SIGTERM)
        fake.wait(10)
    ok = [c for c in calls if c["status"] == 200]
    per_chat = Counter(str(c["params"]["chat_id"]) for c in ok)
    seconds = max(c["at"] for c in ok) - min(c["at"] for c in ok) if ok else float("nan")
    floor = (groups - 1) / PER_SECOND
    return {
        "case": "SIGKILL half way" if kill else "uninterrupted",
        "groups": groups,
        "seconds": round(seconds, 2),
        "floor_s": round(floor, 2),
        "factor": round(seconds / floor, 3) if floor else 0.0,
        "answered_429": sum(1 for c in calls if c["status"] == 429),
        "duplicates": sum(n - 1 for n in per_chat.values()),
        "lost": sum(1 for n in range(groups) if per_chat[group_id(n)] == 0),
        "killed_after": killed_at,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="150 groups")
    args = parser.parse_args()
    if args.quick:
        args.groups = 150
    with tempfile.TemporaryDirectory() as tmp:
        cases = [run_case(Path(tmp), args.groups, kill) for kill in (False, True)]
    headers = list(cases[0])
    print_table(headers, [[case[h] for h in headers] for case in cases])
    plain, killed = cases
    ok = (
        float(plain["factor"]) <= TARGET_FACTOR  # type: ignore[arg-type]
        and all(c["duplicates"] == 0 and c["lost"] == 0 for c in cases)
    )
    print_summary(
        "broadcast",
        {
            "groups": args.groups,
            "seconds": plain["seconds"],
            "floor_s": plain["floor_s"],
            "factor": plain["factor"],
            "answered_429": plain["answered_429"],
            "duplicates": plain["duplicates"],
            "lost": plain["lost"],
            "killed_seconds": killed["seconds"],
            "killed_duplicates": killed["duplicates"],
            "killed_lost": killed["lost"],
            "targets_met": ok,
        },
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
