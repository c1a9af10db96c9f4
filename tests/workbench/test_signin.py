"""Sign-in links and sessions keep no usable token in the database; initData needs its hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from bot.app import App
from bot.workbench.initdata import InitDataRefused, sign, telegram_user_id
from bot.workbench.signin import SignInRefused, current, issue_link, redeem_link


async def test_links_and_sessions_are_stored_only_as_hashes(app: App) -> None:
    staff = await app.users.find("console", "staff")
    assert staff is not None
    url = await issue_link(app, staff)
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits, url-safe
    session_token = await redeem_link(app, token)
    stored = [
        *(r[0] for r in await app.db.fetchall("SELECT token_hash FROM web_links")),
        *(r[0] for r in await app.db.fetchall("SELECT token_hash FROM web_sessions")),
    ]
    assert token not in stored and session_token not in stored and len(stored) == 2
    session = await current(app, session_token)
    assert session is not None and session.user.id == staff.id
    assert await current(app, token) is None  # a link is not a session


async def test_no_link_is_made_for_a_resident(app: App) -> None:
    resident = await app.users.ensure("console", "d1")
    with pytest.raises(SignInRefused):
        await issue_link(app, resident)
    assert await app.db.fetchall("SELECT * FROM web_links") == []


def test_init_data_is_checked_against_the_bot_token_and_its_age() -> None:
    now = datetime(2026, 7, 18, 2, 0, tzinfo=UTC)
    pairs = {"auth_date": str(int(now.timestamp())), "user": json.dumps({"id": 42})}
    good = urlencode({**pairs, "hash": sign(pairs, "1:token"), "signature": "for-third-parties"})
    assert telegram_user_id(good, "1:token", now) == "42"
    assert telegram_user_id(good, "1:token", now + timedelta(hours=23)) == "42"
    for data, token, at in (
        (good, "2:other", now),
        (good, "1:token", now + timedelta(days=1, seconds=1)),
        (good.replace("42", "43"), "1:token", now),
        ("hash=&&", "1:token", now),
    ):
        with pytest.raises(InitDataRefused):
            telegram_user_id(data, token, at)
