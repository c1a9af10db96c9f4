"""FAQ retrieval benchmark: accuracy on residents' paraphrased questions, and answer latency.

Run from the repository root: ``python bench/faq.py``. Prints one row per question, then a
one-line JSON summary. A naive character-overlap ranker runs on the same questions as a baseline,
and the index is also timed at a few hundred entries (the knowledge base repeated).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402

from bot.faq.knowledge_base import Entry, KnowledgeBase, load_knowledge  # noqa: E402
from bot.faq.search import FaqIndex  # noqa: E402

QUESTIONS = Path(__file__).with_name("faq_questions.yaml")
TIMING_REPEATS = 20
SCALED_ENTRIES = 300


def load_questions(path: Path) -> list[tuple[str, str | None, bool]]:
    """(question, expected id or None for off-topic, whether it is in the held-out set)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (str(item["q"]), item["expected"], item.get("set") == "holdout")
        for item in data["questions"]
    ]


def _chars(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c)[0] not in "PSZC"}


class CharOverlap:
    """Baseline: rank entries by the share of the query's characters found in their phrasings."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.char_sets = [_chars(e.question + "".join(e.alternatives)) for e in self.entries]

    def rank(self, query: str) -> list[str]:
        q = _chars(query)
        scores = [len(q & cs) / max(1, len(q)) for cs in self.char_sets]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [self.entries[i].id for i in order]


def timed_ms(fn: Callable[[], Any], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def scaled(kb: KnowledgeBase, size: int) -> KnowledgeBase:
    copies: list[Entry] = []
    for n in range(size // len(kb) + 1):
        copies.extend(e.model_copy(update={"id": f"{e.id}-{n}"}) for e in kb.entries)
    return KnowledgeBase(tuple(copies[:size]))


def main() -> None:
    kb = load_knowledge()
    start = time.perf_counter()
    index = FaqIndex.build(kb)
    build_s = time.perf_counter() - start
    baseline = CharOverlap(kb.entries)
    questions = load_questions(QUESTIONS)
    unknown = {e for _, e, _ in questions if e is not None and kb.get(e) is None}
    if unknown:
        raise SystemExit(f"unknown expected ids in {QUESTIONS.name}: {sorted(unknown)}")

    labelled = [(q, e, h) for q, e, h in questions if e is not None]
    off_topic = [q for q, e, _ in questions if e is None]
    top1 = top3 = base_top1 = confident = confident_right = 0
    holdout_total = holdout_top1 = 0
    reciprocal: list[float] = []
    times: list[float] = []
    base_times: list[float] = []

    print(f"{'ok':3} {'rank':>4} {'score':>5} {'conf':4}  {'expected':24} {'got':24} question")
    for query, expected, holdout in labelled:
        ranked = [m.entry.id for m in index.search(query, k=len(kb))]
        rank = ranked.index(expected) + 1 if expected in ranked else 0
        answer = index.answer(query)
        times.extend(timed_ms(partial(index.answer, query), TIMING_REPEATS))
        base_ranked = baseline.rank(query)
        base_times.extend(timed_ms(partial(baseline.rank, query), TIMING_REPEATS))
        got = answer.best.id if answer.best else "-"
        top1 += rank == 1
        holdout_total += holdout
        holdout_top1 += holdout and rank == 1
        top3 += 0 < rank <= 3
        base_top1 += base_ranked[0] == expected
        reciprocal.append(1 / rank if rank else 0.0)
        if answer.confident:
            confident += 1
            confident_right += got == expected
        mark = ("✓" if rank == 1 else "✗") + ("h" if holdout else "")
        print(
            f"{mark:3} {rank:>4} {answer.score:5.2f} {'yes' if answer.confident else 'no':4}  "
            f"{expected:24} {got:24} {query}"
        )

    print("\noff-topic questions (must not be confident):")
    off_confident = 0
    for query in off_topic:
        answer = index.answer(query)
        times.extend(timed_ms(partial(index.answer, query), TIMING_REPEATS))
        off_confident += answer.confident
        got = answer.best.id if answer.best else "-"
        print(f"   {answer.score:5.2f} {'YES' if answer.confident else 'no':4}  {got:24} {query}")

    big = FaqIndex.build(scaled(kb, SCALED_ENTRIES))
    big_times = [t for q, _, _ in questions for t in timed_ms(partial(big.answer, q), 5)]

    n = len(labelled)
    summary = {
        "entries": len(kb),
        "questions": n,
        "off_topic": len(off_topic),
        "top1": round(top1 / n, 3),
        "top3": round(top3 / n, 3),
        "mrr": round(sum(reciprocal) / n, 3),
        "top1_holdout": round(holdout_top1 / max(1, holdout_total), 3),
        "holdout_questions": holdout_total,
        "median_ms": round(statistics.median(times), 3),
        "p99_ms": round(percentile(times, 99), 3),
        "confident_share": round(confident / n, 3),
        "confident_precision": round(confident_right / max(1, confident), 3),
        "off_topic_confident": off_confident,
        "baseline_top1": round(base_top1 / n, 3),
        "baseline_median_ms": round(statistics.median(base_times), 3),
        "scaled_entries": len(big),
        "scaled_median_ms": round(statistics.median(big_times), 3),
        "scaled_p99_ms": round(percentile(big_times, 99), 3),
        "build_s": round(build_s, 3),
    }
    print()
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
