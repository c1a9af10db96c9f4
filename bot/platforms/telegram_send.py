"""Sending to Telegram: a Reply as messages, retried for direct answers, and for the outbox
with failures turned into the core's two kinds (unreachable chat, try again later)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.media import MediaStore, with_stored_bytes
from bot.messages import Reply
from bot.platforms.base import ChatUnreachable, TemporaryFailure
from bot.platforms.support import PartsSent
from bot.platforms.telegram_buttons import ButtonCodec
from bot.platforms.telegram_incoming import PLATFORM
from bot.platforms.telegram_limits import ANSWER
from bot.platforms.telegram_render import Kind, Piece, keyboard, plan

log = logging.getLogger(__name__)

# Read RetryAfter.retry_after as a timedelta (python-telegram-bot's announced default, read at
# each access) rather than be warned on every flood-control answer; ``_seconds`` takes both.
os.environ.setdefault("PTB_TIMEDELTA", "1")

ATTEMPTS = 4  # for a direct reply: the first try and three retries
NETWORK_BACKOFF = 0.5  # seconds, doubled on each retry
LONGEST_WAIT = 60.0  # a longer flood wait is not waited out inside an update

Sleep = Callable[[float], Awaitable[None]]
Markup = InlineKeyboardMarkup | None


def _seconds(retry_after: int | float | timedelta) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


def _quoted(reply: Reply) -> str | None:
    """The message an answer quotes, when it names one (a group member's message)."""
    quote = reply.answers
    return quote if quote and quote.isascii() and quote.isdigit() else None


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class Sender:
    def __init__(
        self,
        bot: ExtBot[Any],
        buttons: ButtonCodec,
        sleep: Sleep,
        on_keyboard: Callable[[str, int, str], None] | None = None,
        media: MediaStore | None = None,
    ) -> None:
        self._bot = bot
        self._media = media
        self._buttons = buttons
        self._sleep = sleep
        self._on_keyboard = on_keyboard  # (chat, message, user): a group keyboard is theirs
        self._parts = PartsSent()
        self.open = False  # outbox messages are taken only while the platform runs
        self._sending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def drained(self) -> None:
        """Wait until no outbox message is being sent."""
        await self._idle.wait()

    async def parcel(self, chat_id: str, reply: Reply) -> None:
        """An outbox message: no waiting here; the postman retries with its own back-off."""
        if not self.open:  # stopping, or not started yet: left for the next run
            raise TemporaryFailure("telegram is not running")
        self._sending += 1
        self._idle.clear()
        try:
            # Someone waits for an answer: flood waits and network hiccups are waited out here,
            # as far as LONGEST_WAIT; other messages go back to the outbox's own back-off.
            answer = reply.answers is not None
            sent = await self.send(chat_id, reply, retry=answer, reply_to=_quoted(reply))
            if reply.for_user and reply.options and sent and self._on_keyboard is not None:
                self._on_keyboard(chat_id, sent[-1].message_id, reply.for_user)
        except Forbidden as exc:
            raise ChatUnreachable(str(exc)) from exc
        except RetryAfter as exc:
            raise TemporaryFailure(str(exc), retry_after=_seconds(exc.retry_after)) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise ChatUnreachable(exc.message) from exc
            raise
        except NetworkError as exc:  # TimedOut included
            raise TemporaryFailure(str(exc)) from exc
        finally:
            self._sending -= 1
            if self._sending == 0:
                self._idle.set()

    async def send(
        self, chat_id: str, reply: Reply, *, retry: bool, reply_to: str | None = None
    ) -> list[Message]:
        """``retry``: waits and retries inside (an answer someone waits for). A reply tried
        again after a failure part-way resumes where it stopped."""
        if self._media is not None:
            reply = await with_stored_bytes(self._media, reply)
        markup = await self._keyboard(reply)
        answer = retry or reply.answers is not None  # someone waits for it: not paced as bulk
        parts: list[Callable[[], Awaitable[Message]]] = []
        for index, piece in enumerate(plan(reply)):
            target = reply_to if index == 0 else None
            buttons = markup if piece.keyboard else None

            def send(
                p: Piece = piece, b: Markup = buttons, t: str | None = target
            ) -> Awaitable[Message]:
                return self.call(
                    lambda: self._send_piece(chat_id, p, b, t, answer=answer), retry=retry
                )

            parts.append(send)
        return await self._parts.deliver(chat_id, reply, parts)

    async def _keyboard(self, reply: Reply) -> InlineKeyboardMarkup | None:
        if not reply.options and not reply.links:
            return None
        data = await self._buttons.encode(reply.options)
        return keyboard(reply.options, data, reply.links)

    def _send_piece(
        self,
        chat_id: str,
        piece: Piece,
        markup: InlineKeyboardMarkup | None,
        reply_to: str | None,
        *,
        answer: bool,
    ) -> Awaitable[Message]:
        """One message; an ``answer`` (to someone who just wrote) is not paced as bulk."""
        bot = self._bot
        pacing = ANSWER if answer else None
        target = _chat_id(chat_id)
        answering = (
            ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None
        )
        if piece.kind is Kind.TEXT:
            return bot.send_message(
                target,
                piece.html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                reply_parameters=answering,
                rate_limit_args=pacing,
            )
        item = piece.attachment
        assert item is not None
        send_file = bot.send_photo if piece.kind is Kind.PHOTO else bot.send_document

        def send(source: bytes | str) -> Awaitable[Message]:
            return send_file(
                target,
                source,
                caption=piece.html or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                reply_parameters=answering,
                filename=item.name or None,
                rate_limit_args=pacing,
            )

        cached = (
            item.ref.file_id if item.ref is not None and item.ref.platform == PLATFORM else None
        )
        if cached is None:
            assert item.data is not None  # plan() keeps only what can be sent
            return send(item.data)
        if item.data is None:
            return send(cached)
        return _cached_first(send, cached, item.data)

    async def call(self, make: Callable[[], Awaitable[Any]], *, retry: bool) -> Any:
        """One Bot API call; with ``retry``, flood waits and network errors are tried again
        with back-off (a 400 or 403 is an answer, not a hiccup)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await make()
            except (BadRequest, Forbidden):
                raise
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                if not retry or attempt == ATTEMPTS or wait > LONGEST_WAIT:
                    raise
                log.info("telegram: flood control, retrying in %.1fs", wait)
            except NetworkError as exc:
                if not retry or attempt == ATTEMPTS:
                    raise
                wait = NETWORK_BACKOFF * 2 ** (attempt - 1)
                log.info("telegram: %s, retrying in %.1fs", type(exc).__name__, wait)
            await self._sleep(wait)
        raise AssertionError("unreachable")


async def _cached_first(
    send: Callable[[bytes | str], Awaitable[Message]], file_id: str, data: bytes
) -> Message:
    """Telegram's file_id saves an upload; when Telegram no longer knows it (another bot's, or
    gone), our stored bytes go instead."""
    try:
        return await send(file_id)
    except BadRequest as exc:
        log.info("telegram: cached file refused (%s); sending the stored copy", exc.message)
        return await send(data)


class TelegramTransport:
    """What the postman sends the outbox through."""

    platform = PLATFORM

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    async def send(self, chat_id: str, reply: Reply) -> None:
        await self._sender.parcel(chat_id, reply)
