"""One-time sign-in links and workbench sessions, kept as hashes of random tokens.

A link is valid 10 minutes and opens one session; a session lasts while it is used at least
every 8 hours and ends when the person's role or committee changes. Residents never sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import from_db, to_db
from bot.roles import Role
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App

LINK_LIFETIME = timedelta(minutes=10)
SESSION_IDLE = timedelta(hours=8)
SIGNIN_PATH = "/signin/"


class SignInRefused(Exception):
    """Why a sign-in was refused: a catalogue key shown on the page."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    user: User
    csrf: str


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_sign_in(user: User) -> bool:
    return user.role >= Role.DIRECTOR


def link_url(app: App, token: str) -> str:
    return app.settings.public_url + SIGNIN_PATH + token


async def issue_link(app: App, user: User) -> str:
    """A new one-time link for this person (never for a resident)."""
    if not may_sign_in(user):
        raise SignInRefused("workbench.signin.resident")
    token = secrets.token_urlsafe(32)
    now = app.clock.now()
    await app.db.execute(
        "INSERT INTO web_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (hashed(token), user.id, to_db(now), to_db(now + LINK_LIFETIME)),
    )
    return link_url(app, token)


async def redeem_link(app: App, token: str) -> str:
    """The session token a link opens; the link is spent whether or not the person may sign in."""
    now = app.clock.now()
    async with app.db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT user_id, expires_at, used_at FROM web_links WHERE token_hash = ?",
            (hashed(token),),
        )
        if row is None:
            raise SignInRefused("workbench.signin.unknown_link")
        if row["used_at"] is not None:
            raise SignInRefused("workbench.signin.used_link")
        if from_db(row["expires_at"]) <= now:
            raise SignInRefused("workbench.signin.expired_link")
        await tx.execute(
            "UPDATE web_links SET used_at = ? WHERE token_hash = ?", (to_db(now), hashed(token))
        )
        user = await app.users.by_id(row["user_id"])
        assert user is not None
        return await open_session(app, user, via="link")


async def open_session(app: App, user: User, *, via: str) -> str:
    """A new session for someone the platform vouched for; the token goes in the cookie."""
    if not may_sign_in(user):
        raise SignInRefused("workbench.signin.resident")
    token = secrets.token_urlsafe(32)
    now = to_db(app.clock.now())
    await app.db.execute(
        "INSERT INTO web_sessions (token_hash, user_id, role, committee_id, csrf, via,"
        " created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            hashed(token),
            user.id,
            int(user.role),
            user.committee_id,
            secrets.token_urlsafe(24),
            via,
            now,
            now,
        ),
    )
    return token


async def current(app: App, token: str | None) -> WebSession | None:
    """The live session for a cookie's token, its idle time restarted; None when there is none."""
    if not token:
        return None
    now = app.clock.now()
    key = hashed(token)
    row = await app.db.fetchone(
        "SELECT user_id, role, committee_id, csrf, last_seen FROM web_sessions"
        " WHERE token_hash = ?",
        (key,),
    )
    if row is None:
        return None
    user = await app.users.by_id(row["user_id"])
    changed = user is None or (int(user.role), user.committee_id) != (
        row["role"],
        row["committee_id"],
    )
    if changed or from_db(row["last_seen"]) + SESSION_IDLE <= now:
        await end(app, token)
        return None
    assert user is not None
    await app.db.execute(
        "UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?", (to_db(now), key)
    )
    return WebSession(key, user, row["csrf"])


async def end(app: App, token: str) -> None:
    await app.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (hashed(token),))


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())
