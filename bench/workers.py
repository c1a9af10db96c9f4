"""Several ``juwei run`` workers on one PostgreSQL: WeCom callbacks per second against one
worker, answers per update, and a worker killed with SIGKILL midway.

Run from the repository root: ``python bench/workers.py [--people N] [--database-url URL]``.
Without ``--database-url`` it starts a throw-away server with the machine's initdb/pg_ctl
(as the test suite does). For 1, 2 and 4 workers (``--workers``) it makes a fresh database,
starts the workers on their own ports with WeCom settings against a loopback WeCom, sends each
person's ``/help`` to the ports in turn (as a load balancer would), and waits until every person
has the answer. With two or more workers, one more run SIGKILLs the first worker once half the
messages are sent and sends the rest to the others: what it had taken in but not answered is
taken over after ``bot.inbox.TAKEOVER_AFTER``. Every person must get the answer exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bot.i18n import text  # noqa: E402
from tests.conftest import PY, juwei_env  # noqa: E402
from tests.fakes.wecom_api import (  # noqa: E402
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    message_xml,
    signed_post,
)
from tests.platforms.wecom.test_run import LoopbackWeCom, free_port, wait_for  # noqa: E402
from tests.postgres import Server  # noqa: E402

BUSY = text("zh", "error.busy_kept")


def start_workers(
    url: str, folder: Path, wecom: LoopbackWeCom, count: int
) -> list[tuple[subprocess.Popen[bytes], int]]:
    workers = []
    for _ in range(count):
        port = free_port()
        env = juwei_env(folder / "unused.db", url) | {
            "JUWEI_HTTP_PORT": str(port),
            "JUWEI_WECOM_CORP_ID": CORP_ID,
            "JUWEI_WECOM_AGENT_ID": str(AGENT_ID),
            "JUWEI_WECOM_SECRET": SECRET,
            "JUWEI_WECOM_TOKEN": TOKEN,
            "JUWEI_WECOM_AES_KEY": AES_KEY,
            "JUWEI_WECOM_API_BASE": wecom.base,
            "JUWEI_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen(
            [PY, "-m", "bot", "run"], cwd=folder, env=env, stderr=subprocess.DEVNULL
        )
        workers.append((proc, port))
    for _, port in workers:
        wait_for(lambda port=port: httpx.get(f"http://127.0.0.1:{port}/healthz").is_success, 60)
    return workers


def one_run(server: Server, people: int, count: int, kill: bool) -> dict[str, object]:
    url = asyncio.run(server.fresh())
    wecom = LoopbackWeCom()
    threading.Thread(target=wecom.serve_forever, daemon=True).start()
    with TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        workers = start_workers(url, folder, wecom, count)
        for proc, _ in workers:
            stack.callback(proc.kill)
        alive = [port for _, port in workers]
        now = int(time.time())
        bodies = []
        for n in range(people):
            xml = message_xml(f"p{n}", now, Content="/help", MsgId=7_000_000 + n)
            bodies.append(signed_post(xml))
        started = time.perf_counter()

        def send(n: int) -> None:
            query, body = bodies[n]
            for _ in range(20):  # a load balancer tries the next worker on a refused one
                port = alive[n % len(alive)]
                try:
                    answer = httpx.post(
                        f"http://127.0.0.1:{port}/wecom/callback?{query}", content=body, timeout=10
                    )
                    if answer.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            raise RuntimeError(f"message {n} was never taken")

        with ThreadPoolExecutor(16) as pool:
            half = people // 2 if kill else people
            list(pool.map(send, range(half)))
            if kill:
                victim, port = workers[0]
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                alive.remove(port)
                list(pool.map(send, range(half, people)))
        sent = time.perf_counter() - started

        def everyone() -> bool:
            return len({m["touser"] for m in wecom.sent}) == people

        wait_for(everyone, 180)
        answered = time.perf_counter() - started
        for proc, _ in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in workers:
            proc.wait(30)
        per_person: dict[str, list[str]] = {}
        busy = 0
        for message in wecom.sent:
            content = message["text"]["content"]
            if content == BUSY:  # "got it, the answer follows": waited for the write lock
                busy += 1
                continue
            per_person.setdefault(message["touser"], []).append(content)
        answers = {tuple(sorted(texts)) for texts in per_person.values()}
        doubled = sum(len(t) - len(set(t)) for t in per_person.values())
    wecom.shutdown()
    wecom.server_close()
    asyncio.run(server.drop(url))
    return {
        "workers": count,
        "killed": kill,
        "people": people,
        "updates_per_s": round(people / answered, 1),
        "sent_s": round(sent, 2),
        "answered_s": round(answered, 2),
        "answers_per_update": round(
            (len(wecom.sent) - busy) / people / max(1, len(next(iter(answers)))), 3
        )
        if answers
        else 0,
        "busy_notices": busy,
        "doubled": doubled,
        "lost": people - len(per_person),
        "different_answers": len(answers) - 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database-url", help="an admin URL (default: a throw-away server)")
    args = parser.parse_args()
    server = Server()
    if args.database_url:
        server.url = args.database_url
    else:
        server.start()
    results = []
    try:
        asyncio.run(server.prepare_template())
        for count in args.workers:
            results.append(one_run(server, args.people, count, kill=False))
            print(json.dumps(results[-1]), flush=True)
        for count in [c for c in args.workers if c >= 2][:1]:
            results.append(one_run(server, args.people, count, kill=True))
            print(json.dumps(results[-1]), flush=True)
    finally:
        server.stop()
    failed = [r for r in results if r["doubled"] or r["lost"] or r["different_answers"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
