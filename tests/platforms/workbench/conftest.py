"""The workbench's pages on the test's own app, through an ASGI client on the same loop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest

from bot.app import App
from bot.events.model import Event, NewEvent
from bot.events.service import Events
from bot.hazards.model import Category, Report
from bot.hazards.repo import NewReport
from bot.hazards.service import HazardService
from bot.platforms.web import build_web_app
from bot.platforms.workbench.site import workbench_routes
from bot.platforms.workbench.wecom_signin import UserIdLookup

BASE = "http://127.0.0.1:8080"


def browser(app: App, wecom: UserIdLookup | None = None) -> httpx.AsyncClient:
    web = build_web_app(workbench_routes(app, wecom), healthy=lambda: True)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url=BASE)


@pytest.fixture
async def client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app) as c:
        yield c


async def file_report(app: App, reporter: str, committee: str = "三门") -> Report:
    user = await app.users.ensure("console", reporter)
    found = await app.committees.resident_by_name(committee)
    assert found is not None
    new = NewReport(
        Category.EBIKE,
        found.id,
        f"{committee}小区 5号楼 一楼楼道",
        31.2,
        121.49,
        "楼道里有电动车在飞线充电",
        False,
        user.id,
        user.ref,
        [],
    )
    return await HazardService.of(app).file(new, None)


async def sign_in(person, client: httpx.AsyncClient, user_id: str) -> None:  # type: ignore[no-untyped-def]
    """Follow the one-time link /web gives this person, as their browser would."""
    (reply,) = await person(user_id).send("/web")
    await client.get(reply.links[0].url)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


SignIn = Callable[[httpx.AsyncClient, str], object]


async def fire_drill(app: App, capacity: int) -> Event:
    """An event two days ahead, for the pages to show and edit."""
    return await Events.of(app).create(
        NewEvent(
            title="社区消防演练",
            starts_at=app.clock.now() + timedelta(days=2),
            place="三门居委会活动室",
            capacity=capacity,
        ),
        by="test",
    )
