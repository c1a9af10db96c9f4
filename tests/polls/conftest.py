"""A building of six households (the README's example) for the chat and reminder tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.app import App
from bot.polls.households import NewHousehold
from bot.polls.service import AFTER, Poll, Polls

ROOMS = (("101", "60", "张三"), ("201", "60", "李四"), ("301", "75", None),
         ("401", "75", None), ("501", "90", None), ("601", "90", "王五"))  # fmt: skip


@dataclass
class Building:
    poll: Poll
    codes: dict[str, str]


async def make_building(
    app: App, *, lasts: timedelta = timedelta(days=7), totals: str = AFTER
) -> Building:
    committee = await app.committees.resident_by_name("三门")
    assert committee is not None
    service = Polls.of(app)
    poll = await service.create_building(
        title="加装电梯意向征询",
        committee_id=committee.id,
        building="三门小区5号楼",
        households=[NewHousehold(r, Decimal(a), o) for r, a, o in ROOMS],
        deadline=app.clock.now() + lasts,
        totals_public=totals,
        by="test",
    )
    return Building(poll, {h.room: h.code for h in await service.households(poll.id)})


@pytest.fixture
async def five_story(app: App) -> Building:
    return await make_building(app)
