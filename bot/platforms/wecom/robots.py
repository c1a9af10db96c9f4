"""Group robots (群机器人): posts to a WeCom group through the robot's webhook.

A robot accepts at most 20 messages a minute. The sender keeps a sliding window per robot and,
when it is full, refuses with TemporaryFailure and the seconds until a slot frees, so the postman
holds the message back instead of WeCom rejecting it. When WeCom still answers 45009 (over the
limit) the robot is left alone for a back-off that doubles while it keeps happening.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.chats import Tag
from bot.clock import Clock
from bot.platforms.base import TemporaryFailure
from bot.platforms.wecom.api import (
    TIMEOUT_SECONDS,
    errcode,
    failure,
    json_of,
    meaning,
    quiet_httpx,
    request,
)
from bot.settings import WeComRobotSettings

log = logging.getLogger(__name__)

CHAT_PREFIX = "robot:"
LIMIT_PER_WINDOW = 20
WINDOW = timedelta(minutes=1)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(minutes=10)
FREQUENCY_EXCEEDED = 45009
IMAGE_BYTES = 2 * 1024 * 1024  # larger photos go as files


@dataclass(frozen=True)
class Robot:
    name: str
    key: str
    committee: str | None = None
    tags: tuple[Tag, ...] = ()
    urgent_mentions: tuple[str, ...] = ()

    @property
    def chat_id(self) -> str:
        return CHAT_PREFIX + self.name

    @classmethod
    def from_settings(cls, robot: WeComRobotSettings) -> Robot:
        return cls(
            name=robot.name,
            key=robot.key.get_secret_value(),
            committee=robot.committee,
            tags=robot.tags,
            urgent_mentions=robot.urgent_mentions,
        )


class SlidingWindow:
    """At most ``limit`` events in any ``window``, measured on the injected clock."""

    def __init__(self, limit: int = LIMIT_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._times: deque[datetime] = deque()

    def wait(self, now: datetime) -> timedelta:
        """How long until one more event is allowed (zero: now)."""
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()
        if len(self._times) < self.limit:
            return timedelta(0)
        return self._times[0] + self.window - now

    def record(self, now: datetime) -> None:
        self._times.append(now)


@dataclass
class _RobotState:
    window: SlidingWindow = field(default_factory=SlidingWindow)
    blocked_until: datetime | None = None
    backoff: timedelta = timedelta(0)


class RobotSender:
    def __init__(
        self, base_url: str, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        quiet_httpx()
        self._clock = clock
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=TIMEOUT_SECONDS, transport=transport
        )
        self._states: dict[str, _RobotState] = {}

    async def close(self) -> None:
        await self._client.aclose()

    def _state(self, robot: Robot) -> _RobotState:
        return self._states.setdefault(robot.name, _RobotState())

    async def send(self, robot: Robot, message: dict[str, Any]) -> None:
        """Post one message (msgtype and body) through the robot, within its rate limit."""
        state = self._state(robot)
        now = self._clock.now()
        if state.blocked_until is not None and now < state.blocked_until:
            paused = (state.blocked_until - now).total_seconds()
            raise TemporaryFailure(f"robot {robot.name} is backing off after 45009", paused)
        wait = state.window.wait(now)
        if wait > timedelta(0):
            raise TemporaryFailure(
                f"robot {robot.name}: {LIMIT_PER_WINDOW} messages a minute reached",
                wait.total_seconds(),
            )
        state.window.record(now)
        response = await request(
            self._client,
            "webhook/send",
            "POST",
            "/cgi-bin/webhook/send",
            params={"key": robot.key},
            json=message,
        )
        data = json_of("webhook/send", response)
        code = errcode(data)
        if code == FREQUENCY_EXCEEDED:
            state.backoff = min(max(state.backoff * 2, BACKOFF_FIRST), BACKOFF_MAX)
            state.blocked_until = now + state.backoff
            log.warning(
                "WeCom robot %s: errcode %s, %s; pausing it for %s",
                robot.name,
                code,
                meaning(code),
                state.backoff,
            )
            raise TemporaryFailure(
                f"robot {robot.name}: errcode {code}, {meaning(code)}",
                state.backoff.total_seconds(),
            )
        if code:
            raise failure(f"robot {robot.name} webhook/send", code, str(data.get("errmsg", "")))
        state.backoff = timedelta(0)
        state.blocked_until = None

    async def send_image(self, robot: Robot, data: bytes, name: str) -> None:
        if len(data) > IMAGE_BYTES:
            await self.send_file(robot, data, name)
            return
        image = {"base64": base64.b64encode(data).decode("ascii"), "md5": _md5(data)}
        await self.send(robot, {"msgtype": "image", "image": image})

    async def send_file(self, robot: Robot, data: bytes, name: str) -> None:
        response = await request(
            self._client,
            "webhook/upload_media",
            "POST",
            "/cgi-bin/webhook/upload_media",
            params={"key": robot.key, "type": "file"},
            files={"media": (name, data, "application/octet-stream")},
        )
        answer = json_of("webhook/upload_media", response)
        if code := errcode(answer):
            raise failure(f"robot {robot.name} upload_media", code, str(answer.get("errmsg", "")))
        await self.send(robot, {"msgtype": "file", "file": {"media_id": answer.get("media_id")}})


def _md5(data: bytes) -> str:
    # WeCom's image message asks for the MD5 of the picture; it is a checksum, not security.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
