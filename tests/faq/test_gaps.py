"""``juwei faq gaps`` with more gaps than it shows: it says how many there are in all."""

from __future__ import annotations

import asyncio

from bot.app import App
from tests.conftest import juwei


async def test_gaps_beyond_the_limit_are_counted_not_hidden(app: App, person) -> None:
    wang = person("wang")
    for question in ("今天天气怎么样", "菜场几点关门", "明天会下雨吗"):
        await wang.send(question)
    db = app.settings.db_path
    done = await asyncio.to_thread(juwei, db, "faq", "gaps", "--limit", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[-1] for line in lines[:2]] == ["明天会下雨吗", "菜场几点关门"]
    assert lines[2] == "共 3 条，以上是最新的 2 条，还有 1 条，用 --limit 查看"

    every = await asyncio.to_thread(juwei, db, "faq", "gaps")
    assert every.stdout.splitlines()[-1] == "共 3 条"

    refused = await asyncio.to_thread(juwei, db, "faq", "gaps", "--limit", "0")
    assert refused.returncode == 2 and "--limit 至少为 1" in refused.stderr
