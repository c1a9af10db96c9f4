"""``juwei faq ask|add|list|reload|gaps``: try the FAQ, grow it, and see what it misses."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from typing import Any

import yaml

from bot.app import App
from bot.cli import UsageError, with_app
from bot.faq.desk import FaqDesk
from bot.faq.knowledge_base import KnowledgeError, format_answer, load_knowledge
from bot.settings import Settings

LOCAL_FILE = "local.yaml"


def _desk(app: App) -> FaqDesk:
    return FaqDesk.of(app)


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    question = args.question.strip()
    if not question:
        raise UsageError('请写上问题，例如 juwei faq ask "加装电梯要多少人同意" (empty question)')

    async def work(app: App) -> int:
        _, index = await _desk(app).index()
        result = index.answer(question)
        best = result.best
        shown = {
            "id": best.id if best else None,
            "question": best.question if best else None,
            "answer": format_answer(best, args.lang) if best else None,
            "score": round(result.score, 3),
            "confident": result.confident,
            "alternatives": [
                {"id": m.entry.id, "question": m.entry.question, "score": round(m.score, 3)}
                for m in result.alternatives
            ],
        }
        if args.json:
            print(json.dumps(shown, ensure_ascii=False))
        elif best is None:
            print("没有找到相关条目。")
        else:
            mark = "" if result.confident else "（不确定）"
            print(f"[{best.id}] {best.question}{mark}  score={shown['score']}\n{shown['answer']}")
        return 0

    return await with_app(settings, work)


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    folder = settings.faq_dir
    path = folder / LOCAL_FILE
    existing: dict[str, Any] = {"topic": "local", "entries": []}
    if path.exists():
        existing = yaml.safe_load(path.read_text("utf-8")) or existing
    today = date.today()
    entry = {
        "id": args.id,
        "question": args.question,
        "alternatives": args.alt or [args.question],
        "answer": {"zh": args.answer, "en": args.answer_en or args.answer},
        "tags": args.tag or ["staff-added"],
        "source": args.source,
        "updated": today.isoformat(),
        "review_by": (today + timedelta(days=365)).isoformat(),
    }
    existing["entries"].append(entry)
    folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / f".{LOCAL_FILE}.new"
    candidate.write_text(yaml.safe_dump(existing, allow_unicode=True, sort_keys=False), "utf-8")
    try:
        load_knowledge([_only(folder, candidate)])
    except KnowledgeError as exc:
        candidate.unlink()
        raise UsageError(f"条目无效 (invalid entry): {exc}") from exc
    finally:
        scratch = folder / ".check"
        if scratch.exists():
            for leftover in scratch.iterdir():
                leftover.unlink()
            scratch.rmdir()
    candidate.replace(path)

    async def work(app: App) -> int:
        generation = await _desk(app).bump()
        print(f"已添加 {args.id}（知识库版本 {generation}，运行中的机器人会自动重新载入）")
        return 0

    return await with_app(settings, work)


def _only(folder: Any, candidate: Any) -> Any:
    """A folder holding just the candidate file, so it is checked together with the package."""
    scratch = folder / ".check"
    scratch.mkdir(exist_ok=True)
    (scratch / LOCAL_FILE).write_bytes(candidate.read_bytes())
    return scratch


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(app: App) -> int:
        kb, _ = await _desk(app).index()
        entries = kb.stale(app.clock.now().date()) if args.stale else list(kb.entries)
        rows = [
            {
                "id": e.id,
                "question": e.question,
                "source": e.source,
                "updated": e.updated.isoformat(),
                "review_by": e.review_by.isoformat(),
            }
            for e in entries
        ]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for row in rows:
                print(f"{row['id']:<24} {row['question']}  (复核 {row['review_by']})")
            print(f"共 {len(rows)} 条" + ("已过复核日期" if args.stale else ""))
        return 0

    return await with_app(settings, work)


async def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    try:
        kb = load_knowledge([settings.faq_dir])
    except KnowledgeError as exc:
        raise UsageError(f"知识库有错误，未重新载入 (not reloaded): {exc}") from exc

    async def work(app: App) -> int:
        generation = await _desk(app).bump()
        print(f"知识库共 {len(kb)} 条，已通知运行中的机器人重新载入（版本 {generation}）。")
        return 0

    return await with_app(settings, work)


async def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 1:
        raise UsageError("--limit 至少为 1 (must be at least 1)")

    async def work(app: App) -> int:
        desk = _desk(app)
        rows = await desk.gaps(args.limit)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for row in rows:
                reason = "没帮助" if row["reason"] == "unhelpful" else "未答上"
                print(f"#{row['id']} [{reason}] {row['question']}")
            if len(rows) < args.limit:
                print(f"共 {len(rows)} 条")
            else:  # thousands of questions: say how many are not shown
                total = await desk.gap_count()
                more = (
                    f"，还有 {total - len(rows)} 条，用 --limit 查看" if total > len(rows) else ""
                )
                print(f"共 {total} 条，以上是最新的 {len(rows)} 条{more}")
        return 0

    return await with_app(settings, work)


def add_commands(sub: Any, db: argparse.ArgumentParser) -> None:
    faq = sub.add_parser("faq", help="常见问题 (FAQ tools)")
    actions = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)

    ask = actions.add_parser("ask", parents=[db], help="问一个问题 (ask a question)")
    ask.add_argument("question")
    ask.add_argument("--lang", default="zh", choices=["zh", "en"])
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)

    add = actions.add_parser("add", parents=[db], help="添加条目 (add an entry)")
    add.add_argument("--id", required=True, help="short slug, e.g. ground-floor-parking")
    add.add_argument("--question", required=True)
    add.add_argument("--answer", required=True, help="answer in Chinese")
    add.add_argument("--answer-en", help="answer in English")
    add.add_argument("--alt", action="append", help="another phrasing (repeatable)")
    add.add_argument("--tag", action="append", help="tag (repeatable)")
    add.add_argument("--source", required=True, help="依据, e.g. 黄浦区房管局 2026 年答复")
    add.set_defaults(func=cmd_add)

    listing = actions.add_parser("list", parents=[db], help="列出条目 (list entries)")
    listing.add_argument("--stale", action="store_true", help="only entries past review_by")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    reload = actions.add_parser("reload", parents=[db], help="重新载入 (reload)")
    reload.set_defaults(func=cmd_reload)

    gaps = actions.add_parser("gaps", parents=[db], help="未答上或没帮助的提问 (gaps)")
    gaps.add_argument("--limit", type=int, default=50, help="the newest N (default 50)")
    gaps.add_argument("--json", action="store_true")
    gaps.set_defaults(func=cmd_gaps)
