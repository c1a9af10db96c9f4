"""Several ``juwei run`` workers on one database, serving WeCom callbacks side by side.

Run from the repository root::

    python bench/workers.py [--quick] [--workers 1 2 4] [--database-url postgresql://…]

Without ``--database-url`` a throw-away PostgreSQL server is started the way the tests start
one (the machine's ``initdb``/``pg_ctl``). For each number of workers, on a fresh database:

1. **Callbacks.** Each simulated person sends three elevator questions, one after another as
   soon as the last was taken in (HTTP 200), each to the next worker's port in turn, so one
   person's messages are spread over all workers. Figures: updates a second (first callback to
   last answer), the workers' CPU per update, and the check that every person got exactly the
   answers one worker gives, once each, in order.
2. **Broadcast.** One notice to 1,000 group robots is queued in the outbox and drained by every
   worker's postman; with two workers or more one of them is SIGKILLed when a third is out.
   The fake WeCom answers each message after a delay standing for the network (``--latency-ms``),
   so postmen sending side by side show. Figures: time against one worker's, robots reached
   once / twice / never. A message the killed worker had sent but not yet heard back about is
   sent again by the worker that takes its claim over: WeCom has no idempotency key, so such a
   message can arrive twice; the table counts them apart ("in flight at the kill").

Ratios are against one worker in the same run. The machine has two cores shared by the
workers, PostgreSQL and this harness: more workers cannot add CPU here, they add
availability (a worker killed, the others carry on) and hide network waits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.fake_wecom import FakeWeCom  # noqa: E402
from bench.harness import (  # noqa: E402
    PY,
    cpu_seconds,
    free_port,
    print_summary,
    print_table,
)
from tests.fakes.wecom_api import (  # noqa: E402
    message_xml,
    shown,
    signed_post,
    wecom_env,
)

QUESTIONS = ("一楼的人要不要出钱", "加装电梯政府补贴多少", "电动自行车可以在楼道里充电吗")
NOTICE = "【会议通知】本周五19:00在三门居委会召开加装电梯协调会，请各楼组长参加。"


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path


class Database:
    """A fresh database for each run: on PostgreSQL a new database on the server, else a file."""

    def __init__(self, server_url: str | None, folder: Path) -> None:
        self.server_url = server_url
        self.folder = folder

    async def fresh(self, name: str) -> dict[str, str]:
        if self.server_url is None:
            return {"JUWEI_DB_PATH": str(self.folder / f"{name}.db")}
        import asyncpg

        admin = await asyncpg.connect(self.server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        base, _, _ = self.server_url.rpartition("/")
        return {"JUWEI_DATABASE_URL": f"{base}/{name}"}


def robots(groups: int) -> list[dict[str, Any]]:
    return [{"key": f"k{n:04d}", "name": f"g{n:04d}", "tags": ["residents"]} for n in range(groups)]


def worker_env(db_env: dict[str, str], wecom_base: str, groups: int, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    return (
        env
        | db_env
        | wecom_env(wecom_base, port)
        | {
            "PYTHONPATH": str(REPO_ROOT),
            "JUWEI_LOG_LEVEL": "WARNING",
            "JUWEI_WECOM_ROBOTS": json.dumps(robots(groups)),
            "JUWEI_QUIET_START": "00:00",  # the broadcast goes out whatever the hour
            "JUWEI_QUIET_END": "00:00",
            "JUWEI_SUMMER_CAMPAIGN": "false",
        }
    )


async def http(port: int, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request on its own connection (the callbacks are few; the answers are what count)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"{method} {target} HTTP/1.1\r\nhost: bench\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    if not head:
        raise ConnectionResetError("closed without an answer")
    return int(head.split(b" ", 2)[1]), payload


def spawn(env: dict[str, str], folder: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [PY, "-m", "bot", "run"], env=env, cwd=folder, stdout=sink, stderr=sink
        )


async def start_workers(count: int, env_of: Any, folder: Path, label: str) -> list[Worker]:
    workers = []
    for n in range(count):
        port = free_port()
        log = folder / f"{label}-worker{n}.log"
        workers.append(Worker(spawn(env_of(port), folder, log), port, log))
    for worker in workers:
        await wait_healthy(worker)
    return workers


def stop_workers(workers: Sequence[Worker]) -> None:
    for worker in workers:
        if worker.proc.poll() is None:
            worker.proc.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.proc.wait(20)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()


class Callbacks:
    """Signed callbacks made before the clock starts, so the crypto is not what is measured."""

    def __init__(self, people: int, prefix: str) -> None:
        created = int(time.time())
        self.people = [f"{prefix}{n:04d}" for n in range(people)]
        self.posts: dict[str, list[tuple[str, bytes]]] = {}
        msg_id = int(time.time() * 1000) * 10
        for person in self.people:
            posts = []
            for question in QUESTIONS:
                msg_id += 1
                xml = message_xml(person, created, Content=question, MsgId=msg_id)
                posts.append(signed_post(xml, nonce=str(msg_id % 10**9)))
            self.posts[person] = posts


async def send_all(
    calls: Callbacks, ports: list[int], kill_after: int = 0, kill: Any = None
) -> int:
    """Every person's messages in order, each to the next live port, as a load balancer spreads
    them; after ``kill_after`` callbacks ``kill()`` stops a worker and takes its port out.
    Returns the callbacks no worker took."""
    refused = taken = 0

    async def post(turn: int, query: str, body: bytes) -> bool:
        for _ in range(50):
            port = ports[turn % len(ports)]
            try:
                status, _ = await http(port, "POST", f"/wecom/callback?{query}", body)
            except OSError:  # a dead worker: the balancer tries the next one at once
                turn += 1
                continue
            if status == 200:
                return True
            await asyncio.sleep(1.0)  # 503, busy: WeCom sends again a little later
        return False

    async def one_person(index: int, person: str) -> None:
        nonlocal refused, taken
        for step, (query, body) in enumerate(calls.posts[person]):
            if not await post(index + step, query, body):
                refused += 1
            taken += 1
            if kill is not None and taken == kill_after:
                kill()

    await asyncio.gather(*(one_person(i, p) for i, p in enumerate(calls.people)))
    return refused


async def wait_until(check: Any, timeout: float, fake: FakeWeCom) -> bool:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        fake.arrivals.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(fake.arrivals.wait(), min(left, 1.0))
    return True


async def learn_answers(fake: FakeWeCom, port: int) -> list[str]:
    """What one worker answers a new person asking the three questions, one at a time."""
    calls = Callbacks(1, f"learn{port}-")
    person = calls.people[0]
    for query, body in calls.posts[person]:
        before = len(fake.app_messages[person])
        for _ in range(100):  # 503 while the worker is busy starting: WeCom sends again
            status, _ = await http(port, "POST", f"/wecom/callback?{query}", body)
            if status == 200:
                break
            await asyncio.sleep(0.2)
        assert status == 200, status
        await wait_until(lambda b=before: len(fake.app_messages[person]) > b, 30, fake)
        await asyncio.sleep(0.5)  # an answer in several messages has all of them by now
    return [shown(m.body) for m in fake.app_messages[person]]


BUSY_NOTICE = "系统有点忙"  # told once when a callback waited too long for the database


def check_answers(fake: FakeWeCom, calls: Callbacks, expected: list[str]) -> dict[str, int]:
    missing = doubled = wrong = busy = 0
    for person in calls.people:
        got = [shown(m.body) for m in fake.app_messages.get(person, [])]
        notices = [text for text in got if text.startswith(BUSY_NOTICE)]
        busy += len(notices)
        got = [text for text in got if not text.startswith(BUSY_NOTICE)]
        if got == expected:
            continue
        if len(got) < len(expected):
            missing += 1
        elif len(got) > len(expected):
            doubled += 1
        else:
            wrong += 1
    return {"missing": missing, "doubled": doubled, "wrong_or_reordered": wrong, "busy": busy}


async def queue_broadcast(db_env: dict[str, str], groups: int, folder: Path) -> None:
    """The notice as a broadcast would queue it: one outbox row per robot, with its dedup key."""
    script = (
        "import asyncio, json, sys\n"
        "from bot.app import App\n"
        "from bot.messages import Address, Reply\n"
        "from bot.settings import load_settings\n"
        "async def main():\n"
        "    app = await App.open(load_settings())\n"
        "    try:\n"
        "        async with app.db.transaction():\n"
        f"            for n in range({groups}):\n"
        "                chat = f'robot:g{n:04d}'\n"
        "                await app.outbox.put(Address('wecom', chat), Reply(sys.argv[1]),"
        " dedup_key=f'bench-broadcast:{chat}')\n"
        "    finally:\n"
        "        await app.close()\n"
        "asyncio.run(main())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    env |= db_env | {"PYTHONPATH": str(REPO_ROOT)}
    await asyncio.to_thread(
        subprocess.run, [PY, "-c", script, NOTICE], env=env, cwd=folder, check=True
    )


async def callbacks_with_a_kill(
    workers: list[Worker], people: int, expected: list[str], fake: FakeWeCom, label: str
) -> dict[str, Any]:
    """The same load again, with the first worker SIGKILLed when half the callbacks are in."""
    fake.reset()
    calls = Callbacks(people, f"{label}-k")
    ports = [w.port for w in workers]
    victim = workers[0]

    killed_at = 0.0

    def kill() -> None:
        nonlocal killed_at
        victim.proc.send_signal(signal.SIGKILL)
        killed_at = time.perf_counter()
        ports.remove(victim.port)

    started = time.perf_counter()
    refused = await send_all(calls, ports, people * len(QUESTIONS) // 2, kill)
    victim.proc.wait()
    done = await wait_until(
        lambda: all(len(fake.app_messages.get(p, ())) >= len(expected) for p in calls.people),
        120,
        fake,
    )
    last = max((m.at for p in calls.people for m in fake.app_messages.get(p, ())), default=0.0)
    await asyncio.sleep(1.0)
    checked = check_answers(fake, calls, expected)
    # An answer the killed worker had sent but not yet recorded as sent is sent again by the
    # worker that takes its update over (on the wire it is at-least-once).
    window = fake.latency + 0.5
    in_flight = 0
    for person in calls.people:
        answers = [
            m
            for m in fake.app_messages.get(person, [])
            if not shown(m.body).startswith(BUSY_NOTICE)
        ]
        if len(answers) > len(expected) and any(
            killed_at - window <= m.at <= killed_at for m in answers
        ):
            in_flight += 1
    return {
        "kill_in_flight": in_flight,
        "kill_all_answered_s": last - started if done else None,
        "kill_refused_callbacks": refused,
        **{f"kill_{name}": value for name, value in checked.items()},
    }


async def wait_healthy(worker: Worker) -> None:
    deadline = time.monotonic() + 60
    while True:
        if worker.proc.poll() is not None:
            raise SystemExit(f"a worker stopped at start; see {worker.log}")
        try:
            status, _ = await http(worker.port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"a worker did not start; see {worker.log}")
        await asyncio.sleep(0.1)


async def one_run(
    count: int,
    database: Database,
    fake: FakeWeCom,
    wecom_base: str,
    people: int,
    groups: int,
    folder: Path,
) -> dict[str, Any]:
    label = f"w{count}"
    db_env = await database.fresh(f"bench_workers_{count}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUWEI_")}
    migrate = await asyncio.to_thread(
        subprocess.run,
        [PY, "-m", "bot", "migrate"],
        env=env | db_env | {"PYTHONPATH": str(REPO_ROOT)},
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if migrate.returncode:
        raise SystemExit(f"juwei migrate failed: {migrate.stderr}")
    workers = await start_workers(
        count, lambda port: worker_env(db_env, wecom_base, groups, port), folder, label
    )
    figures: dict[str, Any] = {"workers": count}
    try:
        # Each worker's FAQ index is built before the clock starts, and all answer alike.
        learnt = [await learn_answers(fake, worker.port) for worker in workers]
        expected = learnt[0]
        if any(answers != expected for answers in learnt):
            raise SystemExit(f"the workers answer differently: {learnt}")
        fake.reset()
        calls = Callbacks(people, f"{label}-p")
        ports = [w.port for w in workers]
        cpu_before = sum(cpu_seconds(w.proc.pid) for w in workers)
        started = time.perf_counter()
        refused = await send_all(calls, ports)
        done = await wait_until(
            lambda: all(len(fake.app_messages.get(p, ())) >= len(expected) for p in calls.people),
            120,
            fake,
        )
        last = max(
            (m.at for p in calls.people for m in fake.app_messages.get(p, ())), default=started
        )
        cpu = sum(cpu_seconds(w.proc.pid) for w in workers) - cpu_before
        await asyncio.sleep(1.0)  # a doubled answer would have come by now
        updates = people * len(QUESTIONS)
        figures |= {
            "updates": updates,
            "updates_per_s": updates / (last - started),
            "cpu_ms_per_update": 1000 * cpu / updates,
            "finished": done,
            "refused_callbacks": refused,
            **check_answers(fake, calls, expected),
        }

        if count >= 2:
            figures |= await callbacks_with_a_kill(workers, people, expected, fake, label)
            # systemd's Restart=always brings the worker back; it takes up its own leftovers
            victim = workers[0]
            victim.proc = spawn(
                worker_env(db_env, wecom_base, groups, victim.port), folder, victim.log
            )
            await wait_healthy(victim)
            fake.reset()

        await queue_broadcast(db_env, groups, folder)
        started = time.perf_counter()
        killed = in_flight = 0
        killed_at = 0.0
        if count >= 2:
            await wait_until(lambda: fake.robot_count() >= groups // 3, 120, fake)
            victim = workers[-1]
            victim.proc.send_signal(signal.SIGKILL)
            killed_at = time.perf_counter()
            victim.proc.wait()
            killed = 1
        await wait_until(lambda: len(fake.robot_messages) >= groups, 300, fake)
        finished = max((m.at for ms in fake.robot_messages.values() for m in ms), default=started)
        await asyncio.sleep(1.0)
        counts = [len(fake.robot_messages.get(r["key"], ())) for r in robots(groups)]
        if killed:
            # Sent before the kill but not yet confirmed: the answer was still on its way (the
            # fake's latency) or the worker had not yet recorded it (a generous half second).
            window = fake.latency + 0.5
            in_flight = sum(
                1
                for ms in fake.robot_messages.values()
                if len(ms) > 1 and killed_at - window <= ms[0].at <= killed_at
            )
        figures |= {
            "broadcast_s": finished - started,
            "robots_once": sum(1 for c in counts if c == 1),
            "robots_twice": sum(1 for c in counts if c > 1),
            "robots_never": sum(1 for c in counts if c == 0),
            "killed": killed,
            "in_flight_at_kill": in_flight,
        }
    finally:
        stop_workers(workers)
    fake.reset()
    return figures


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql://…/postgres)")
    parser.add_argument("--sqlite", action="store_true", help="one SQLite file (one worker only)")
    parser.add_argument("--quick", action="store_true", help="100 people, 300 robots")
    parser.add_argument("--keep", type=Path, help="keep the workers' logs here")
    args = parser.parse_args(argv)
    if args.sqlite and max(args.workers) > 1:
        parser.error("SQLite serves one process: use --workers 1 with --sqlite")
    if args.quick:
        args.people, args.groups = 100, 300
    folder = args.keep or Path(tempfile.mkdtemp(prefix="juwei-workers-"))
    folder.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as stack:
        server_url = args.database_url
        if server_url is None and not args.sqlite:
            from tests.postgres import Server

            server = Server()
            server.start()
            stack.callback(server.stop)
            server_url = server.url
        fake = FakeWeCom(latency=args.latency_ms / 1000)
        wecom_base = await fake.start()
        stack.push_async_callback(fake.stop)
        database = Database(server_url, folder)
        rows = [
            await one_run(n, database, fake, wecom_base, args.people, args.groups, folder)
            for n in args.workers
        ]
    base = rows[0]
    table = []
    for row in rows:
        table.append(
            [
                row["workers"],
                row["updates_per_s"],
                row["updates_per_s"] / base["updates_per_s"],
                row["cpu_ms_per_update"],
                f"{row['missing']}/{row['doubled']}/{row['wrong_or_reordered']}",
                row["busy"],
                row["broadcast_s"],
                base["broadcast_s"] / row["broadcast_s"],
                f"{row['robots_once']}/{row['robots_twice']}/{row['robots_never']}",
                row["in_flight_at_kill"] if row["killed"] else "—",
                (
                    f"{row['kill_missing']}/{row['kill_doubled']}/"
                    f"{row['kill_wrong_or_reordered']} ({row['kill_in_flight']} in flight),"
                    f" {row['kill_all_answered_s']:.1f} s"
                    if "kill_missing" in row and row["kill_all_answered_s"] is not None
                    else "—"
                ),
            ]
        )
    print_table(
        [
            "workers",
            "updates/s",
            "× one",
            "CPU ms/update",
            "missing/doubled/wrong",
            "系统有点忙 told",
            "broadcast s",
            "speed-up",
            "robots once/twice/never",
            "in flight at kill",
            "callbacks with a kill: missing/doubled/wrong, all answered",
        ],
        table,
    )
    wrong = sum(
        r["missing"]
        + r["doubled"]
        + r["wrong_or_reordered"]
        + r.get("kill_missing", 0)
        + r.get("kill_wrong_or_reordered", 0)
        + r.get("kill_doubled", 0)
        - r.get("kill_in_flight", 0)
        for r in rows
    )
    lost = sum(r["robots_never"] for r in rows)
    extra = sum(r["robots_twice"] - r["in_flight_at_kill"] for r in rows)
    print_summary(
        "workers",
        {
            "runs": rows,
            "wrong_answers": wrong,
            "robots_lost": lost,
            "robots_doubled_beyond_in_flight": extra,
            "ok": wrong == 0 and lost == 0 and extra == 0,
        },
    )
    return 0 if wrong == 0 and lost == 0 and extra == 0 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
