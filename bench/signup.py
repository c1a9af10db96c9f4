"""Sign-up contention: 1,000 people sign up at once for a 50-seat event.

Run from the repository root: ``python bench/signup.py [--people 1000] [--seats 50] [--quick]``.
The sign-ups race over two connections to one database file (as the bot and a second process
would). Figures: seats confirmed (must equal the seats), whether the waiting list is in arrival
order, and the median and p99 time per sign-up.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.harness import percentile, print_summary, print_table  # noqa: E402
from bot.app import App  # noqa: E402
from bot.events.model import NewEvent, Outcome  # noqa: E402
from bot.events.service import Events  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.users import User  # noqa: E402


async def measure(db: Path, people: int, seats: int) -> dict[str, object]:
    settings = Settings(db_path=db, _env_file=None)
    first = await App.open(settings, demo=True)
    second = await App.open(settings)
    try:
        starts = datetime.now(UTC) + timedelta(days=7)
        event = await Events.of(first).create(
            NewEvent(
                title="消防安全培训", starts_at=starts, place="三门居委会活动室", capacity=seats
            ),
            by="bench",
        )
        users = [await first.users.ensure("bench", f"u{n}") for n in range(people)]
        services = (Events.of(first), Events.of(second))
        times: list[float] = []
        outcomes: dict[str, int] = {}

        async def sign(n: int, user: User) -> None:
            began = time.perf_counter()
            result = await services[n % 2].sign_up(event.id, user, name=f"居民{n}")
            times.append(time.perf_counter() - began)
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(sign(n, user) for n, user in enumerate(users)))
        wall = time.perf_counter() - began
        rows = await first.db.fetchall(
            "SELECT status, seq FROM signups WHERE event_id = ? ORDER BY seq", (event.id,)
        )
        roster = await Events.of(first).roster(event.id)
        assert roster is not None
        statuses = [row["status"] for row in rows]
        confirmed = statuses.count("confirmed")
        in_order = (
            statuses == ["confirmed"] * confirmed + ["waiting"] * (len(rows) - confirmed)
            and [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
            and [line.position for line in roster.waiting]
            == list(range(1, len(rows) - confirmed + 1))
        )
        return {
            "people": people,
            "seats": seats,
            "confirmed": confirmed,
            "waiting": statuses.count("waiting"),
            "recorded": len(rows),
            "waiting_list_in_order": in_order,
            "confirmed_answers": outcomes.get(Outcome.CONFIRMED.value, 0),
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(percentile(times, 99) * 1000, 2),
            "sign_ups_per_s": round(people / wall, 1),
        }
    finally:
        await second.close()
        await first.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="200 people")
    args = parser.parse_args()
    if args.quick:
        args.people = 200
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(Path(tmp) / "juwei.db", args.people, args.seats))
    print_table(["figure", "value"], [[k, v] for k, v in figures.items()])
    ok = (
        figures["confirmed"] == args.seats
        and figures["recorded"] == args.people
        and figures["waiting_list_in_order"] is True
    )
    print_summary("signup", {**figures, "targets_met": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
