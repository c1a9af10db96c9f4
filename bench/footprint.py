"""Memory and start-up: peak resident memory, and the time from starting ``python -m bot run``
to the answer of the first update, with 10,000 users, 5,000 reports and 200 events stored.

Run from the repository root: ``python bench/footprint.py [--quick]``. The update is waiting
on the fake Bot API before the bot starts. Afterwards the bot answers a complete report, a
free-text FAQ question (the first one builds the FAQ index) and an event listing, so the peak
memory includes a bot at work, not just an idle one. Targets: under 150 MB and under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.harness import (  # noqa: E402
    PY,
    TimedBotApi,
    bot_env,
    file_report,
    print_summary,
    print_table,
    start_process,
    stop_process,
)
from bot.app import App  # noqa: E402
from bot.hazards.model import Category  # noqa: E402
from bot.settings import Settings  # noqa: E402

TARGET_MB = 150.0
TARGET_SECONDS = 2.0
CATEGORIES = [c.value for c in Category]


async def prepare(db: Path) -> None:
    app = await App.open(Settings(db_path=db, _env_file=None), demo=True)
    await app.close()


def fill(db: Path, users: int, reports: int, events: int) -> float:
    """Bulk rows straight into the repositories' tables; returns the seconds it took."""
    began = time.perf_counter()
    now = datetime.now(UTC)
    stamp = now.isoformat()
    with sqlite3.connect(db) as conn:
        committees = [row[0] for row in conn.execute("SELECT id FROM residents_committees")]
        first = conn.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0] + 1
        conn.executemany(
            "INSERT INTO users (id, platform, external_id, display_name, role, committee_id,"
            " created_at, updated_at) VALUES (?, 'telegram', ?, ?, 'resident', ?, ?, ?)",
            (
                (first + n, str(10_000_000 + n), f"居民{n}", committees[n % len(committees)],
                 stamp, stamp)
                for n in range(users)
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO hazard_reports (ref, day, seq, category, committee_id, address,"
            " description, urgent, status, reporter_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            (
                (f"YH-{day}-{seq:04d}", day, seq, CATEGORIES[n % len(CATEGORIES)],
                 committees[n % len(committees)], f"三门小区{n % 90 + 1}号楼{n % 6 + 1}单元",
                 "楼道里堆放杂物，影响消防通道", ("submitted", "accepted", "closed")[n % 3],
                 first + n % users, stamp, stamp)
                for n in range(reports)
                for day, seq in [((now - timedelta(days=n // 50)).strftime("%Y%m%d"), n % 50 + 1)]
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO events (title, starts_at, place, capacity, created_by, created_at,"
            " updated_at) VALUES (?, ?, ?, 50, 'bench', ?, ?)",
            (
                (f"消防安全培训 第{n + 1}期", (now + timedelta(days=n % 60 + 1)).isoformat(),
                 "三门居委会活动室", stamp, stamp)
                for n in range(events)
            ),
        )  # fmt: skip
    return time.perf_counter() - began


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(work: Path, users: int, reports: int, events: int) -> dict[str, object]:
    db = work / "juwei.db"
    await prepare(db)
    filled = fill(db, users, reports, events)
    async with TimedBotApi() as api:
        api.text(1, "/start")  # waiting before the bot starts
        began = time.perf_counter()
        proc = start_process(
            [PY, "-m", "bot", "run"], bot_env(db, api.base_url), work / "log", work
        )
        try:
            arrived, _ = await api.next_message(1, timeout=60)
            first_answer = arrived - began
            await file_report(api, 2)  # a complete report
            before_faq = peak_rss_mb(proc.pid)
            api.text(3, "老房子加装电梯要多少户同意？")
            asked = time.perf_counter()
            faq_at, _ = await api.next_message(3, timeout=60)
            api.text(4, "/events")
            await api.next_message(4, timeout=60)
            await asyncio.sleep(0.5)
            peak = peak_rss_mb(proc.pid)
        finally:
            stop_process(proc)
    return {
        "users": users,
        "reports": reports,
        "events": events,
        "fill_s": round(filled, 2),
        "first_answer_s": round(first_answer, 3),
        "first_faq_answer_s": round(faq_at - asked, 3),
        "peak_rss_before_faq_mb": round(before_faq, 1),
        "peak_rss_mb": round(peak, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    args = parser.parse_args()
    sizes = (1_000, 500, 20) if args.quick else (10_000, 5_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(Path(tmp), *sizes))
    print_table(["figure", "value"], [[k, v] for k, v in figures.items()])
    ok = (
        float(figures["peak_rss_mb"]) < TARGET_MB  # type: ignore[arg-type]
        and float(figures["first_answer_s"]) < TARGET_SECONDS  # type: ignore[arg-type]
    )
    print_summary("footprint", {**figures, "targets_met": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
