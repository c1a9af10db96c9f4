"""Throughput against the floor: juwei and a bare python-telegram-bot echo bot, side by side,
each polling its own lean fake Bot API (``bench/lean_api.py``) over HTTP on 127.0.0.1.

Run from the repository root: ``python bench/throughput.py [--people 500] [--repeats 3]
[--quick] [--profile FILE]``.

Three workloads, each for both bots on identical update streams: ``join`` (/join typed as text,
5 updates a person, all queued at once), ``report`` (/report by buttons, 8 updates a person,
each the moment the last is answered) and ``faq`` (elevator questions in private chats). Each
is run best-of-N, the bots taking turns, and once paced at 100 updates a second for latency
(from the update handed out by getUpdates to its last answer arriving, on the fake's clock).

The fake server and the simulated people share this process, the bot has its own: the table
shows both processes' CPU time per update, and the bot's CPU use in cores, so a reader can see
that the echo bot is bound by its own CPU (≈ 1 core) and not by the harness.

Every answer is checked against a calibration run of the same script: a missing, doubled or
out-of-order answer, or a button press not answered exactly once, fails the run (exit 1).
``--profile`` runs juwei under cProfile and prints its top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402

from bench.harness import (  # noqa: E402
    PY,
    TOKEN,
    bot_env,
    cpu_seconds,
    percentile,
    print_summary,
    print_table,
    start_process,
    stop_process,
)
from bench.lean_api import LeanBotApi, Sent  # noqa: E402
from bench.load import (  # noqa: E402
    BenchFailure,
    Pacer,
    Phase,
    Workload,
    calibrated_answers,
    check,
    workloads,
)

PACED_RATE = 100.0
TARGET_RATIOS = {"join": 0.7, "faq": 0.5}
TARGET_P99_MS = 50.0
QUIET = 0.4  # seconds without a message: calibration's end of a step, a phase's drain
CALIBRATING_AT_ONCE = 8
QUESTIONS = Path(__file__).with_name("faq_questions.yaml")
BOTS = ("echo", "juwei")


@dataclass
class Run:
    """One measured phase of one bot."""

    updates: int
    seconds: float
    bot_cpu: float
    harness_cpu: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0

    @property
    def bot_cores(self) -> float:
        return self.bot_cpu / self.seconds if self.seconds > 0 else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


@dataclass
class Figures:
    bursts: list[Run] = field(default_factory=list)
    paced: Run | None = None
    pacer_missed: int = 0

    @property
    def best(self) -> Run:
        return max(self.bursts, key=lambda r: r.rate)


class Bot:
    """A bot process and the fake Bot API it polls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.api: LeanBotApi
        self.proc: subprocess.Popen[bytes] | None = None
        self.phase: Phase | None = None
        self.used: set[int] = set()  # every person who took part, for stray answers
        self.stray_private = 0
        self.problems: list[str] = []  # wrong answers: the figures stand, the run fails

    def on_message(self, message: Sent) -> None:
        if self.phase is not None and message.chat_id in self.phase.people:
            self.phase.on_message(message)
        elif message.chat_id in self.used:
            self.stray_private += 1  # an answer to someone whose phase had ended

    async def start(self, work: Path, profile: Path | None, lean_echo: bool = False) -> None:
        self.api = LeanBotApi(TOKEN, self.on_message)
        await self.api.start()
        if self.name == "juwei":
            db = work / "juwei.db"
            env = bot_env(db, self.api.base_url)
            await asyncio.to_thread(
                subprocess.run,
                [PY, "-m", "bot", "demo-data"],
                env=env,
                cwd=work,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            runner = ["-m", "bot", "run"]
            if profile is not None:
                runner = ["-m", "cProfile", "-o", str(profile), *runner]
            self.proc = start_process([PY, *runner], env, work / "juwei.log", work)
        else:
            env = bot_env(work / "unused.db", self.api.base_url)
            script = str(REPO_ROOT / "bench" / "echo_bot.py")
            args = [PY, script, self.api.base_url, TOKEN, *(["--lean"] if lean_echo else [])]
            self.proc = start_process(args, env, work / "echo.log", work)

    async def ready(self, work: Path) -> None:
        try:
            await asyncio.wait_for(self.api.polling.wait(), 60)
        except TimeoutError:
            log = (work / f"{self.name}.log").read_text(errors="replace")[-2000:]
            raise BenchFailure(f"{self.name} did not start polling within 60 s:\n{log}") from None

    async def stop(self) -> None:
        if self.proc is not None:
            await asyncio.to_thread(stop_process, self.proc)
        await self.api.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def run(
        self,
        workload: Workload,
        uids: Sequence[int],
        references: dict[str, list[list[str]]] | None,
        pacer_rate: float | None = None,
    ) -> tuple[Phase, Run, Pacer | None]:
        """One phase: calibration when ``references`` is None (one step at a time, a step
        answered after QUIET seconds without messages), else measured and checked."""
        phase = Phase(self.api, workload, quiet_gap=QUIET)
        for uid in uids:
            person = phase.add(uid)
            if references is not None:
                person.expected = [len(a) for a in references[workload.key(uid)]]
        self.used.update(uids)
        self.phase = phase
        updates = phase.updates
        pacer = Pacer(self.api, pacer_rate, updates) if pacer_rate else None
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchFailure(f"{self.name} exited with {self.proc.returncode}")
        bot_before, harness_before = cpu_seconds(self.pid), time.process_time()
        started = time.perf_counter()
        phase.begin(pacer, started, CALIBRATING_AT_ONCE if references is None else 0)
        limit = 60 + updates / 10
        try:
            await asyncio.wait_for(phase.finished.wait(), limit)
        except TimeoutError:
            stuck = phase.stuck()
            raise BenchFailure(
                f"{self.name}, {workload.name}: {len(stuck)} of {len(phase.people)} people "
                f"still waiting for an answer after {limit:.0f} s (a missing answer):\n  "
                + "\n  ".join(stuck[:5])
            ) from None
        await asyncio.sleep(QUIET)  # late (doubled) answers and the bot's tail of work
        bot_cpu = cpu_seconds(self.pid) - bot_before
        harness_cpu = time.process_time() - harness_before
        self.phase = None
        if references is not None:
            problems = check(phase, references)
            if problems:
                self.problems.append(
                    f"{self.name}, {workload.name}: {len(problems)} wrong answers, e.g.\n  "
                    + "\n  ".join(p[:900] for p in problems[:3])
                )
        if self.stray_private:
            self.problems.append(
                f"{self.name}: {self.stray_private} answers reached people after their phase "
                "had ended (doubled)"
            )
            self.stray_private = 0
        run = Run(updates, phase.ended - started, bot_cpu, harness_cpu, phase.latencies)
        return phase, run, pacer


def load_questions() -> list[str]:
    """The elevator questions (those with an answer in the knowledge base)."""
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [str(item["q"]) for item in data["questions"] if item.get("expected")]


class Uids:
    """Fresh people for every phase, the same for both bots."""

    def __init__(self) -> None:
        self.next = 1000

    def take(self, count: int) -> range:
        first = self.next
        self.next += count
        return range(first, first + count)


async def measure(
    args: argparse.Namespace, work: Path
) -> tuple[dict[str, dict[str, Figures]], list[str]]:
    questions = load_questions()
    if args.quick:
        questions = questions[::5]  # fewer scripts to calibrate
    chosen = [w for w in workloads(questions) if w.name in args.workloads]
    bots = {name: Bot(name) for name in BOTS}
    results: dict[str, dict[str, Figures]] = {w.name: {b: Figures() for b in BOTS} for w in chosen}
    try:
        for bot in bots.values():
            await bot.start(work, args.profile if bot.name == "juwei" else None, args.lean_echo)
        for bot in bots.values():
            await bot.ready(work)
        uids = Uids()
        for workload in chosen:
            # Every script twice, one step at a time, both bots at once; for the FAQ a warm-up
            # person first.
            if workload.warm_up:
                warm_up = uids.take(1)
                await asyncio.gather(*(bot.run(workload, warm_up, None) for bot in bots.values()))
            calibration = uids.take(2 * workload.kinds)
            phases = await asyncio.gather(
                *(bot.run(workload, calibration, None) for bot in bots.values())
            )
            references = {
                name: calibrated_answers(phase)
                for name, (phase, _, _) in zip(bots, phases, strict=True)
            }
            for _ in range(args.repeats):
                people = uids.take(args.people)
                for name, bot in bots.items():
                    _, run, _ = await bot.run(workload, people, references[name])
                    results[workload.name][name].bursts.append(run)
            paced = uids.take(max(1, args.paced_updates // workload.updates_per_person()))
            for name, bot in bots.items():
                _, run, pacer = await bot.run(workload, paced, references[name], PACED_RATE)
                figures = results[workload.name][name]
                figures.paced = run
                figures.pacer_missed = pacer.missed if pacer else 0
            print(f"  {workload.name}: done", file=sys.stderr, flush=True)
    finally:
        for bot in bots.values():
            await bot.stop()
    return results, [p for bot in bots.values() for p in bot.problems]


def report(args: argparse.Namespace, results: dict[str, dict[str, Figures]]) -> dict[str, object]:
    summary: dict[str, object] = {"people": args.people, "repeats": args.repeats}
    ratios: dict[str, float] = {}
    worst_p99 = 0.0
    for name, per_bot in results.items():
        describe = next(w.describe for w in workloads(["?"]) if w.name == name)
        print(f"\n{name}: {describe}")
        rows = []
        for bot in BOTS:
            figures = per_bot[bot]
            best = figures.best
            rates = [r.rate for r in figures.bursts]
            paced = figures.paced
            assert paced is not None
            rows.append(
                [
                    bot,
                    best.rate,
                    f"{min(rates):.0f}–{max(rates):.0f}",
                    best.bot_cpu / best.updates * 1000,
                    best.bot_cores,
                    best.harness_cpu / best.updates * 1000,
                    best.harness_cpu / best.seconds,
                    statistics.median(paced.latencies) * 1000,
                    paced.ms(99),
                ]
            )
            key = f"{name}_{bot}"
            summary |= {
                f"{key}_updates_per_s": round(best.rate, 1),
                f"{key}_spread": [round(min(rates), 1), round(max(rates), 1)],
                f"{key}_cpu_ms": round(best.bot_cpu / best.updates * 1000, 3),
                f"{key}_harness_cpu_ms": round(best.harness_cpu / best.updates * 1000, 3),
                f"{key}_paced_median_ms": round(statistics.median(paced.latencies) * 1000, 2),
                f"{key}_paced_p99_ms": round(paced.ms(99), 2),
            }
            if figures.pacer_missed:
                summary[f"{key}_paced_slots_missed"] = figures.pacer_missed
        print_table(
            [
                "bot",
                "updates/s best",
                "spread",
                "bot CPU ms/update",
                "bot cores",
                "harness CPU ms/update",
                "harness cores",
                "paced median ms",
                "paced p99 ms",
            ],
            rows,
        )
        echo, ours = per_bot["echo"].best.rate, per_bot["juwei"].best.rate
        ratios[name] = ours / echo if echo else math.nan
        summary[f"{name}_ratio"] = round(ratios[name], 3)
        p99 = per_bot["juwei"].paced
        assert p99 is not None
        worst_p99 = max(worst_p99, p99.ms(99))
    print("\njuwei / echo, best of each:")
    for name, ratio in ratios.items():
        target = TARGET_RATIOS.get(name)
        mark = "" if target is None else f" (target ≥ {target}) {'✅' if ratio >= target else '❌'}"
        print(f"  {name}: {ratio:.2f}{mark}")
    print(
        f"  juwei's worst p99 at {PACED_RATE:.0f} updates/s: {worst_p99:.1f} ms "
        f"(target < {TARGET_P99_MS:.0f}) {'✅' if worst_p99 < TARGET_P99_MS else '❌'}"
    )
    met = worst_p99 < TARGET_P99_MS and all(
        ratios.get(name, 0.0) >= target for name, target in TARGET_RATIOS.items()
    )
    return {
        "ratio": round(ratios["join"], 3) if "join" in ratios else None,
        "paced_rate": PACED_RATE,
        "paced_p99_ms": round(worst_p99, 2),
        **summary,
        "targets_met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500, help="people at once (default 500)")
    parser.add_argument("--repeats", type=int, default=3, help="best of N (default 3)")
    parser.add_argument("--paced-updates", type=int, default=1000)
    parser.add_argument(
        "--workloads", nargs="+", default=["join", "report", "faq"], help="join report faq"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="40 people, best of 1, 100 paced updates, a fifth of the FAQ questions",
    )
    parser.add_argument("--profile", type=Path, help="run juwei under cProfile, saved here")
    parser.add_argument("--keep", type=Path, help="keep the database and the bots' logs here")
    parser.add_argument(
        "--lean-echo",
        action="store_true",
        help="give the echo bot juwei's HTTP transport (what juwei adds beyond it)",
    )
    args = parser.parse_args()
    if args.quick:
        args.people, args.repeats, args.paced_updates = 40, 1, 100
    if args.profile is not None:
        args.profile = args.profile.resolve()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.keep is not None:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=True)
        try:
            results, problems = asyncio.run(measure(args, work))
        except BenchFailure as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    figures = report(args, results)
    if args.profile is not None and args.profile.exists():
        print("\njuwei under cProfile, by own time:")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(15)
    print(f"\n({time.perf_counter() - began:.0f} s)")
    print_summary("throughput", {**figures, "wrong_answers": len(problems)})
    if problems:
        print("\nFAILED: answers missing, doubled or out of order:", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
