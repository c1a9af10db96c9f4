"""Conversation throughput: N people file a complete hazard report at once through the real
Telegram adapter (``python -m bot run``, polling) against the fake Bot API on 127.0.0.1.

Run from the repository root: ``python bench/throughput.py [--people 500] [--quick] [--profile]``.
In the same run a minimal python-telegram-bot echo bot answers the same updates as the
baseline. Latency is from the update being handed out by getUpdates to the answer arriving
at sendMessage (both on the fake server's clock). Two phases per bot: paced at 100 updates a
second, then everyone at once. ``--profile`` runs juwei under cProfile and prints its top
functions.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.harness import (  # noqa: E402
    PY,
    TOKEN,
    TimedBotApi,
    bot_env,
    percentile,
    print_summary,
    print_table,
    start_process,
    stop_process,
)
from bot.app import App  # noqa: E402
from bot.settings import Settings  # noqa: E402

# One report: /report, category, committee, address, description, no photos, 一般, 确认提交.
Pick = Callable[[int, int], int]  # (person, number of buttons) -> index
STEPS: tuple[tuple[str, str | Pick], ...] = (
    ("text", "/report"),
    ("press", lambda uid, n: uid % n),
    ("press", lambda uid, n: uid % n),
    ("text", "address"),
    ("text", "楼道里有电动自行车在充电，电线从窗口拉下来"),
    ("press", lambda uid, n: n - 1),  # 完成 (no photos)
    ("press", lambda uid, n: n - 1),  # 一般
    ("press", lambda uid, n: 0),  # 确认提交
)
UPDATES_PER_PERSON = len(STEPS)
PACED_RATE = 100.0
TARGET_RATIO = 0.7
TARGET_P99_MS = 50.0


def address(uid: int) -> str:
    """Addresses unlike each other, so no report is taken for a repeat of another."""
    rng = random.Random(uid)
    return "".join(chr(0x4E00 + rng.randrange(20_000)) for _ in range(6)) + f"{uid}号"


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    updates: int = 0
    failures: int = 0

    @property
    def rate(self) -> float:
        return self.updates / (self.ended - self.started) if self.ended > self.started else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


class Pacer:
    """Hands out send times ``rate`` a second apart."""

    def __init__(self, rate: float) -> None:
        self.gap = 1.0 / rate
        self.next = time.perf_counter()

    async def slot(self) -> None:
        at = self.next = max(self.next + self.gap, time.perf_counter())
        await asyncio.sleep(max(0.0, at - time.perf_counter()))


async def person(api: TimedBotApi, uid: int, phase: Phase, pacer: Pacer | None) -> None:
    last: dict[str, object] | None = None
    for kind, what in STEPS:
        if pacer is not None:
            await pacer.slot()
        if kind == "text":
            assert isinstance(what, str)
            update = api.text(uid, address(uid) if what == "address" else what)
        else:
            assert callable(what)
            markup = (last or {}).get("reply_markup") or {"inline_keyboard": []}
            buttons = [b for row in markup["inline_keyboard"] for b in row]  # type: ignore[index]
            data = buttons[what(uid, len(buttons))]["callback_data"] if buttons else "x"
            message_id = int(last["message_id"]) if last else 1  # type: ignore[call-overload]
            update = api.callback(uid, data, message_id)
        try:
            arrived, last = await api.next_message(uid)
        except TimeoutError:
            phase.failures += 1
            return
        phase.latencies.append(arrived - api.handed[update["update_id"]])
        phase.updates += 1
        phase.ended = max(phase.ended, arrived)


async def run_phase(api: TimedBotApi, uids: range, pacer: Pacer | None) -> Phase:
    phase = Phase(started=time.perf_counter())
    await asyncio.gather(*(person(api, uid, phase, pacer) for uid in uids))
    return phase


async def seed(db: Path) -> None:
    app = await App.open(Settings(db_path=db, _env_file=None), demo=True)
    await app.close()


async def measure(
    name: str, people: int, paced_updates: int, work: Path, profile: Path | None
) -> dict[str, Phase]:
    async with TimedBotApi() as api:
        if name == "juwei":
            db = work / "juwei.db"
            await seed(db)
            runner = ["-m", "bot", "run"]
            if profile is not None:
                runner = ["-m", "cProfile", "-o", str(profile), *runner]
            env = bot_env(db, api.base_url)
            proc = start_process([PY, *runner], env, work / "juwei.log", work)
        else:
            env = bot_env(work / "unused.db", api.base_url)
            script = str(REPO_ROOT / "bench" / "echo_bot.py")
            proc = start_process([PY, script, api.base_url, TOKEN], env, work / "echo.log", work)
        try:
            await api.wait_for_poll(timeout=60)
            await run_phase(api, range(1, 11), None)  # warm up
            paced_people = max(1, paced_updates // UPDATES_PER_PERSON)
            base = 1000
            paced = await run_phase(api, range(base, base + paced_people), Pacer(PACED_RATE))
            base += paced_people
            burst = await run_phase(api, range(base, base + people), None)
        finally:
            stop_process(proc)
        if name == "juwei":
            with sqlite3.connect(work / "juwei.db") as conn:
                filed = conn.execute("SELECT COUNT(*) FROM hazard_reports").fetchone()[0]
            expected = 10 + paced_people + people
            if filed != expected:
                print(f"reports filed: {filed}, expected {expected}", file=sys.stderr)
            burst.failures += abs(expected - filed)
    return {"paced": paced, "burst": burst}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--paced-updates", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 people, 400 paced updates")
    parser.add_argument("--profile", type=Path, help="run juwei under cProfile, saved here")
    args = parser.parse_args()
    if args.quick:
        args.people, args.paced_updates = 100, 400
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        profile = args.profile.resolve() if args.profile else None
        echo = asyncio.run(measure("echo", args.people, args.paced_updates, work, None))
        ours = asyncio.run(measure("juwei", args.people, args.paced_updates, work, profile))
        rows = []
        for bot, phases in (("echo (baseline)", echo), ("juwei", ours)):
            for label, phase in phases.items():
                rows.append(
                    [
                        bot,
                        label,
                        phase.updates,
                        phase.failures,
                        phase.rate,
                        statistics.median(phase.latencies) * 1000 if phase.latencies else 0.0,
                        phase.ms(99),
                    ]
                )
        print_table(["bot", "phase", "updates", "lost", "updates/s", "median ms", "p99 ms"], rows)
        ratio = ours["burst"].rate / echo["burst"].rate if echo["burst"].rate else 0.0
        p99 = ours["paced"].ms(99)
        print(
            f"\nthroughput ratio juwei/echo: {ratio:.2f} (target ≥ {TARGET_RATIO}); "
            f"p99 at {PACED_RATE:.0f} updates/s: {p99:.1f} ms (target < {TARGET_P99_MS:.0f})"
        )
        if profile is not None and profile.exists():
            print("\njuwei under cProfile, by own time:")
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(15)
    print_summary(
        "throughput",
        {
            "people": args.people,
            "echo_updates_per_s": round(echo["burst"].rate, 1),
            "juwei_updates_per_s": round(ours["burst"].rate, 1),
            "ratio": round(ratio, 3),
            "paced_rate": PACED_RATE,
            "paced_achieved": round(ours["paced"].rate, 1),
            "paced_median_ms": round(statistics.median(ours["paced"].latencies) * 1000, 2),
            "paced_p99_ms": round(p99, 2),
            "echo_paced_p99_ms": round(echo["paced"].ms(99), 2),
            "burst_p99_ms": round(ours["burst"].ms(99), 2),
            "lost": ours["burst"].failures + ours["paced"].failures,
            "targets_met": ratio >= TARGET_RATIO and p99 < TARGET_P99_MS,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
