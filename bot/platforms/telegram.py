"""Telegram: python-telegram-bot's ``Application`` translating updates to and from the core.

One ``TypeHandler`` takes every update: a message becomes an ``Incoming`` for the router, a
button press is answered, its keyboard edited to show the choice and the choice routed; the
bot's own membership registers or deactivates a group. Replies are rendered by
``telegram_render``. Updates run concurrently, but one person's messages in one chat run in
order, so a slow answer for one person never holds up another and never races their own form.

Long polling by default; with ``JUWEI_TELEGRAM_WEBHOOK_URL`` the updates arrive on a route of
the project's HTTP server instead, checked against the secret token header.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import traceback
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    ChatMemberUpdated,
    Message,
    Update,
)
from telegram import User as TgUser
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    Forbidden,
    InvalidToken,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ExtBot,
    TypeHandler,
)

from bot.i18n import LANGUAGES, pick_language, text
from bot.media import keep_photo
from bot.messages import FileRef, Incoming, Reply
from bot.platforms import telegram_media
from bot.platforms.base import Transport
from bot.platforms.support import Bounded, KeyedLocks
from bot.platforms.telegram_buttons import ButtonCodec
from bot.platforms.telegram_incoming import (
    PLATFORM,
    BotIdentity,
    chat_of,
    sender_of,
    to_incoming,
)
from bot.platforms.telegram_limits import ANSWER, BulkRateLimiter
from bot.platforms.telegram_render import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    after_press,
    escape,
    utf16_len,
    with_choice,
)
from bot.platforms.telegram_send import Sender, Sleep, TelegramTransport
from bot.roles import Role
from bot.router import Router

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT = 10
BUTTONS_KEPT = timedelta(days=90)
REMEMBERED = 10_000  # keyboards remembered as pressed / as someone's own
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}

TgApplication = Application[Any, Any, Any, Any, Any, Any]


def file_url(base_url: str) -> str:
    """Telegram serves files beside the API: ``.../bot`` becomes ``.../file/bot``."""
    stem = base_url.rstrip("/")
    return stem.removesuffix("/bot") + "/file/bot" if stem.endswith("/bot") else stem + "/file/bot"


class _Redactor(logging.Filter):
    """Replaces the token wherever a log record would show it, tracebacks included."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secret:
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, "<token>"), None
        if record.exc_text and self._secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self._secret, "<token>")
        return True


class TelegramPlatform:
    name = PLATFORM

    def __init__(
        self,
        router: Router,
        *,
        sleep: Sleep = asyncio.sleep,
        timeouts: float | None = None,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        """``timeouts`` (seconds) replaces python-telegram-bot's own for every network wait;
        ``poll_timeout`` is how long Telegram holds a long poll open. Tests shorten both."""
        app = router.app
        settings = app.settings
        if settings.telegram_token is None:
            raise ValueError("JUWEI_TELEGRAM_TOKEN is not set")
        # httpx logs every request URL at INFO, and the token is part of the URL; some
        # python-telegram-bot errors quote it too.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._redactor = _Redactor(settings.telegram_token.get_secret_value())
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._redactor)
        self.app = app
        self.router = router
        self._token = settings.telegram_token.get_secret_value()
        self._buttons = ButtonCodec(app.db, app.clock)
        self._locks = KeyedLocks()
        self._pressed = Bounded(REMEMBERED)
        self._owners = Bounded(REMEMBERED)  # (chat, message) -> the user a keyboard is for
        self._me: BotIdentity | None = None
        self._started = False
        self.webhook_url = settings.telegram_webhook_url or None
        self._poll_timeout = poll_timeout
        secret = settings.telegram_webhook_secret
        self._secret = secret.get_secret_value() if secret is not None else ""
        base_url = settings.telegram_base_url or DEFAULT_BASE_URL
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(base_url)
            .base_file_url(file_url(base_url))
            .rate_limiter(BulkRateLimiter())
            .concurrent_updates(True)
            .job_queue(None)
        )
        if timeouts is not None:
            builder = (
                builder.connect_timeout(timeouts)
                .read_timeout(timeouts)
                .write_timeout(timeouts)
                .media_write_timeout(timeouts)
                .pool_timeout(timeouts)
            )
            if not self.webhook_url:  # no updater, no getUpdates connection to configure
                builder = (
                    builder.get_updates_connect_timeout(timeouts)
                    .get_updates_read_timeout(timeouts)
                    .get_updates_write_timeout(timeouts)
                    .get_updates_pool_timeout(timeouts)
                )
        if self.webhook_url:
            builder = builder.updater(None)
        self.application: TgApplication = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._sleep = sleep
        self.sender = Sender(self.bot, self._buttons, sleep, app.media)
        self.transport: Transport = TelegramTransport(self.sender)
        self.routes: list[BaseRoute] = []
        if self.webhook_url:
            path = urlparse(self.webhook_url).path or "/telegram"
            self.routes.append(Route(path, self._webhook, methods=["POST"]))

    # -- running ----------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.sender.call(self.application.initialize, retry=True)  # getMe
        except InvalidToken:
            from bot.cli import UsageError  # the CLI prints it as one line, exit code 2

            # PTB's message quotes the token; this one does not.
            raise UsageError(
                "JUWEI_TELEGRAM_TOKEN 被 Telegram 拒绝，请向 @BotFather 核对 "
                "(the token was rejected by Telegram)"
            ) from None
        self._started = True
        bot = self.bot
        self._me = BotIdentity(bot.id, bot.username)
        self.app.deep_linkers[PLATFORM] = self.deep_link
        await self._buttons.forget_before(self.app.clock.now() - BUTTONS_KEPT)
        await self._set_menus()
        await self.application.start()
        if self.webhook_url:
            await bot.set_webhook(
                self.webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                timeout=self._poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_error,
            )
        self.sender.open = True
        log.info(
            "telegram: running as @%s (%s)",
            bot.username,
            "webhook" if self.webhook_url else "polling",
        )

    async def stop(self) -> None:
        """Stop taking updates, finish those in flight and the outbox sends, then close."""
        self.sender.open = False
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.sender.drained()
        if self._started:
            await self.application.shutdown()
            self._started = False
        self.app.deep_linkers.pop(PLATFORM, None)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._redactor)

    @property
    def bot(self) -> ExtBot[Any]:
        bot: ExtBot[Any] = self.application.bot
        return bot

    def deep_link(self, payload: str) -> str | None:
        if self._me is None or not DEEP_LINK_PAYLOAD.fullmatch(payload):
            return None
        return f"https://t.me/{self._me.username}?start={payload}"

    async def _set_menus(self) -> None:
        """The commands menu, for private chats, groups and group admins, in every language
        (the default language without a language code, the others with theirs)."""
        router = self.router
        residents = [
            c for c in router.visible_commands(Role.RESIDENT) if COMMAND_NAME.fullmatch(c.name)
        ]
        managers = [
            c for c in router.visible_commands(Role.DIRECTOR) if COMMAND_NAME.fullmatch(c.name)
        ]
        scopes = (
            (BotCommandScopeAllPrivateChats(), residents),
            (BotCommandScopeAllGroupChats(), residents),
            (BotCommandScopeAllChatAdministrators(), managers),
        )
        default = self.app.settings.default_language
        for lang in LANGUAGES:
            code = None if lang == default else lang
            for scope, commands in scopes:
                menu = [BotCommand(c.name, text(lang, c.help)[:256]) for c in commands]
                try:
                    await self.bot.set_my_commands(menu, scope=scope, language_code=code)
                except TelegramError as exc:
                    log.warning("telegram: setting the %s menu failed: %s", lang, exc)

    def _polling_error(self, error: TelegramError) -> None:
        log.warning("telegram: fetching updates failed: %s", self._redact(str(error)))

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not self._secret or not hmac.compare_digest(given.encode(), self._secret.encode()):
            return Response(status_code=403)
        if not self.sender.open:
            return Response(status_code=503)  # Telegram sends it again later
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    # -- updates in -------------------------------------------------------------------------

    async def _on_update(
        self, update: Update, context: CallbackContext[Any, Any, Any, Any]
    ) -> None:
        if update.my_chat_member is not None:
            await self._membership(update.my_chat_member)
        elif update.callback_query is not None:
            await self._pressed_button(update.callback_query)
        elif update.message is not None and self._me is not None:
            incoming = to_incoming(update.message, self._me)
            if incoming is not None:
                async with self._locks.hold((incoming.chat.id, incoming.user.id)):
                    await self._dispatch(incoming)

    async def _dispatch(self, incoming: Incoming) -> None:
        # A photo is downloaded into our store before the router (and its transactions) sees it.
        incoming = await keep_photo(self.app.media, incoming, self._fetch, sleep=self._sleep)
        replies = await self.router.handle(incoming)
        reply_to = incoming.message_id if incoming.chat.is_group else None
        try:
            for reply in replies:
                sent = await self.sender.send(
                    incoming.chat.id, reply, retry=True, reply_to=reply_to
                )
                reply_to = None
                if incoming.chat.is_group and reply.options and sent:
                    self._owners.remember(
                        (incoming.chat.id, sent[-1].message_id), int(incoming.user.id)
                    )
        except Forbidden as exc:
            await self.app.chats.deactivate(incoming.chat.address, str(exc))

    async def _fetch(self, ref: FileRef) -> bytes:
        return await telegram_media.fetch(self.bot, ref)

    async def _pressed_button(self, query: CallbackQuery) -> None:
        """Always answered; the keyboard shows the choice and goes, then the choice is routed."""
        message = query.message
        chat = chat_of(message.chat) if message is not None else None
        if message is None or chat is None:
            await self._answer(query)
            return
        key = (chat.id, message.message_id)
        owner = self._owners.get(key)
        if owner is not None and owner != query.from_user.id:
            lang = await self._language(query.from_user)
            await self._answer(query, text(lang, "telegram.not_yours"))
            return
        # Answering the press and marking the keyboard run alongside the routing: the person
        # waits for one round trip to Telegram, not three.
        side_calls = [asyncio.create_task(self._answer(query))]
        data = query.data or ""
        try:
            async with self._locks.hold((chat.id, str(query.from_user.id))):
                if key in self._pressed:
                    return  # a second press of a keyboard already used
                self._pressed.remember(key)
                value = await self._buttons.decode(data)
                if isinstance(message, Message):
                    side_calls.append(asyncio.create_task(self._show_choice(message, data)))
                incoming = Incoming(
                    chat,
                    sender_of(query.from_user),
                    choice=value if value is not None else data,
                    message_id=str(message.message_id),
                )
                await self._dispatch(incoming)
        finally:
            await asyncio.gather(*side_calls)

    async def _answer(self, query: CallbackQuery, notice: str | None = None) -> None:
        try:
            await self.sender.call(lambda: query.answer(notice), retry=True)
        except TelegramError as exc:
            log.warning("telegram: answering a button press failed: %s", exc)

    async def _show_choice(self, message: Message, data: str) -> None:
        label, kept = after_press(message.reply_markup, data)
        bot = self.bot
        chat_id, message_id = message.chat.id, message.message_id

        def edit() -> Awaitable[Message | bool]:
            extra = utf16_len(label or "") + 4
            if label and message.text and utf16_len(message.text) + extra <= TEXT_LIMIT:
                return bot.edit_message_text(
                    with_choice(message.text_html, label),
                    chat_id,
                    message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=kept,
                    rate_limit_args=ANSWER,
                )
            if label and message.caption and utf16_len(message.caption) + extra <= CAPTION_LIMIT:
                return bot.edit_message_caption(
                    chat_id,
                    message_id,
                    caption=with_choice(message.caption_html, label),
                    parse_mode=ParseMode.HTML,
                    reply_markup=kept,
                    rate_limit_args=ANSWER,
                )
            return bot.edit_message_reply_markup(
                chat_id, message_id, reply_markup=kept, rate_limit_args=ANSWER
            )

        try:
            await self.sender.call(edit, retry=True)
        except TelegramError as exc:  # too old to edit, already edited: the choice still counts
            log.info("telegram: could not mark a pressed keyboard: %s", exc)

    async def _membership(self, change: ChatMemberUpdated) -> None:
        """The bot added to a chat registers it; removed (or blocked) deactivates it."""
        chat = chat_of(change.chat)
        if chat is None:
            return
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if new in GONE:
            await self.app.chats.deactivate(chat.address, f"bot {new}")
            log.info("telegram: chat %s deactivated (%s)", chat.id, new)
        elif new in PRESENT or new == ChatMemberStatus.RESTRICTED:
            await self.app.chats.seen(chat)
            if chat.is_group and old in GONE:
                greeting = Reply(text(self.app.settings.default_language, "telegram.added"))
                try:
                    await self.sender.send(chat.id, greeting, retry=True)
                except TelegramError as exc:
                    log.warning("telegram: greeting group %s failed: %s", chat.id, exc)

    async def _language(self, user: TgUser) -> str:
        stored = await self.app.users.find(PLATFORM, str(user.id))
        return pick_language(
            stored.language if stored else None,
            user.language_code,
            self.app.settings.default_language,
        )

    async def _on_error(self, update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        """Log the update's context (never the token) and tell the person; their open form
        is untouched, since it only changes when a step completes."""
        error = context.error
        details = "".join(traceback.format_exception(error)) if error is not None else "?"
        if not isinstance(update, Update):
            log.error("telegram: %s", self._redact(details))
            return
        chat, user = update.effective_chat, update.effective_user
        kind = next((k for k in ALLOWED_UPDATES if getattr(update, k, None) is not None), "other")
        log.error(
            "telegram: update %s (%s) in chat %s from user %s failed:\n%s",
            update.update_id,
            kind,
            chat.id if chat else "-",
            user.id if user else "-",
            self._redact(details),
        )
        if chat is None or user is None or kind == "my_chat_member":
            return
        try:
            lang = await self._language(user)
            await self.bot.send_message(
                chat.id, escape(text(lang, "error.generic")), rate_limit_args=ANSWER
            )
        except Exception as exc:
            log.warning(
                "telegram: telling chat %s about the error failed: %s", chat.id, type(exc).__name__
            )

    def _redact(self, message: str) -> str:
        return message.replace(self._token, "<token>") if self._token else message
