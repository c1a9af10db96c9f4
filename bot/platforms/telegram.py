"""Telegram: python-telegram-bot's ``Application`` translating updates to and from the core.

Every update is committed to the inbox before Telegram hears it arrived: polled updates are
put in an ``InboxQueue`` (python-telegram-bot's Updater confirms an update with the next
getUpdates offset only once ``put`` returns), a webhook call is answered 200 only after the
commit (503 when the database cannot take it in time, so Telegram sends it again). The inbox
worker then handles them, one person at a time and people side by side: a message becomes an
``Incoming`` answered by ``Router.answer`` in one transaction, a button press is answered, its
keyboard edited to show the choice and the choice routed; the bot's own membership registers
or deactivates a group. The replies wait in the outbox and this platform's postman sends them
right after the commit, rendered by ``telegram_render``.

Long polling by default; with ``JUWEI_TELEGRAM_WEBHOOK_URL`` the updates arrive on a route of
the project's HTTP server instead, checked against the secret token header.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import traceback
from collections.abc import Awaitable, Callable
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
    MenuButtonWebApp,
    Message,
    Update,
    WebAppInfo,
)
from telegram import User as TgUser
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    InvalidToken,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ExtBot,
)

from bot.db import DatabaseBusy
from bot.i18n import LANGUAGES, pick_language, text
from bot.inbox import InboxWorker, Received
from bot.media import keep_photo
from bot.messages import FileRef, Incoming, Reply
from bot.platforms import telegram_media
from bot.platforms.base import Transport
from bot.platforms.postman import platform_postman
from bot.platforms.support import Bounded
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
from bot.platforms.telegram_request import lean_request
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
# Connections to the Bot API at once. httpcore looks at every open connection (a system call
# each) whenever a request starts or ends: python-telegram-bot's 256 made each call slower in
# a burst. 64 still carry hundreds of calls a second at Telegram's round trip.
CONNECTIONS = 64
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}

# A webhook call is answered 503 past this (Telegram sends it again); polling keeps trying.
ACCEPT_WAIT_SECONDS = 1.5
STOP_GRACE_SECONDS = 10.0

TgApplication = Application[Any, Any, Any, Any, Any, Any]
StoreUpdate = Callable[[Update], Awaitable[None]]


class InboxQueue(asyncio.Queue[object]):
    """python-telegram-bot's update queue, where putting an update commits it to our inbox.

    The Updater awaits ``put`` before it advances the offset that confirms the update to
    Telegram, so an update is confirmed only once it is stored. Updates never reach the
    Application's own dispatch (the inbox worker handles them); its stop signal still does.
    """

    def __init__(self, store: StoreUpdate) -> None:
        super().__init__()
        self._store = store

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self._store(item)
        else:
            await super().put(item)


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
            .request(lean_request(CONNECTIONS, timeouts))
            .rate_limiter(BulkRateLimiter())
            .concurrent_updates(True)
            .job_queue(None)
            .update_queue(InboxQueue(self._store_polled))
        )
        if not self.webhook_url:  # the long poll has a connection of its own
            builder = builder.get_updates_request(lean_request(1, timeouts))
        if self.webhook_url:
            builder = builder.updater(None)
        self.application: TgApplication = builder.build()
        self.application.add_error_handler(self._on_error)
        self.sender = Sender(
            self.bot, self._buttons, sleep, on_keyboard=self._owned, media=app.media
        )
        self.transport: Transport = TelegramTransport(self.sender)
        self.postman = platform_postman(router, self.transport)
        self.worker = InboxWorker(app.inbox, PLATFORM, self._handle, sleep=sleep)
        self._sleep = sleep
        self._told_busy = Bounded(REMEMBERED)
        self._storing: set[asyncio.Task[None]] = set()
        self._fresh: dict[int, Update] = {}  # stored by this process, not yet handled
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
        await self._set_workbench_buttons()
        await self.application.start()
        self.sender.open = True
        await self.worker.take_up_waiting()
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
        log.info(
            "telegram: running as @%s (%s)",
            bot.username,
            "webhook" if self.webhook_url else "polling",
        )

    async def stop(self) -> None:
        """Stop taking updates, finish those in flight and the outbox sends, then close."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        for task in self._storing:
            task.cancel()
        await self.worker.stop(STOP_GRACE_SECONDS)
        self.sender.open = False
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

    async def _set_workbench_buttons(self) -> None:
        """The menu button of each staff member's and director's private chat opens the
        workbench as a Mini App (Telegram opens only https pages); residents keep the default."""
        public = self.app.settings.public_url
        if not public.startswith("https://"):
            return
        managers = [
            user
            for role in (Role.DIRECTOR, Role.STAFF, Role.ADMIN)
            for user in await self.app.users.with_role(role)
            if user.platform == PLATFORM and user.external_id.isdigit()
        ]
        for user in managers:
            lang = pick_language(user.language, None, self.app.settings.default_language)
            button = MenuButtonWebApp(
                text(lang, "workbench.title"), WebAppInfo(public + "/telegram")
            )
            try:
                await self.bot.set_chat_menu_button(int(user.external_id), button)
            except TelegramError as exc:
                log.warning("telegram: setting the workbench button failed: %s", exc)

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
        if update is None:
            return Response(status_code=400)
        try:
            await self._store(update, wait_at_most=ACCEPT_WAIT_SECONDS)
        except Exception as exc:
            # Nothing raises out of the web server; Telegram sends a refused update again.
            if not isinstance(exc, DatabaseBusy):
                log.exception("telegram: taking in update %s failed", update.update_id)
            self._keep_trying(update)
            return Response(status_code=503)
        return Response(status_code=200)

    # -- updates in -------------------------------------------------------------------------

    async def _store(self, update: Update, *, wait_at_most: float | None) -> None:
        """Commit an update to the inbox and queue it for its person; a duplicate is dropped."""
        chat, user = update.effective_chat, update.effective_user
        person = f"{chat.id if chat else ''}:{user.id if user else ''}"
        payload = json.dumps(update.to_dict(), ensure_ascii=False)
        received = await self.app.inbox.put(
            PLATFORM, str(update.update_id), person, payload, wait_at_most=wait_at_most
        )
        if received is None:
            log.info("telegram: update %s already taken in; ignored", update.update_id)
            return
        self._fresh[received.id] = update  # parsed already: the worker need not parse it again
        self.worker.submit(received)

    async def _store_polled(self, update: Update) -> None:
        """A polled update is stored before the next getUpdates confirms it: while the database
        is busy the person hears so once, and the poll waits."""
        while True:
            try:
                await self._store(update, wait_at_most=ACCEPT_WAIT_SECONDS)
                return
            except DatabaseBusy:
                await self._tell_busy(update)

    def _keep_trying(self, update: Update) -> None:
        """A webhook update refused as busy is also kept trying here, in case Telegram's own
        retries come too late."""

        async def again() -> None:
            await self._tell_busy(update)
            while True:
                try:
                    await self._store(update, wait_at_most=ACCEPT_WAIT_SECONDS)
                    return
                except DatabaseBusy:
                    continue
                except Exception:
                    log.exception("telegram: keeping update %s failed", update.update_id)
                    return

        task = asyncio.create_task(again(), name=f"telegram store {update.update_id}")
        self._storing.add(task)
        task.add_done_callback(self._storing.discard)

    async def _tell_busy(self, update: Update) -> None:
        """Once per update, without the database: the person hears the message was received."""
        chat = update.effective_chat
        key = str(update.update_id)
        if chat is None or update.my_chat_member is not None or key in self._told_busy:
            return
        self._told_busy.remember(key)
        lang = pick_language(
            None,
            update.effective_user.language_code if update.effective_user else None,
            self.app.settings.default_language,
        )
        try:
            await self.bot.send_message(
                chat.id, escape(text(lang, "error.busy_kept")), rate_limit_args=ANSWER
            )
        except TelegramError as exc:
            log.warning("telegram: telling chat %s the bot is busy failed: %s", chat.id, exc)

    async def idle(self) -> None:
        """Wait until every stored update has been handled and its answers sent."""
        while self._storing or self.worker.busy:
            await asyncio.gather(*self._storing, return_exceptions=True)
            await self.worker.idle()

    async def _handle(self, received: Received) -> None:
        """One update from the inbox."""
        update = self._fresh.pop(received.id, None) or Update.de_json(
            json.loads(received.payload), self.bot
        )
        if update is None or self._me is None:
            await self.app.inbox.mark_handled(received.id)
        elif update.my_chat_member is not None:
            async with self.app.db.transaction():
                await self._membership(update.my_chat_member, received.id)
                await self.app.inbox.mark_handled(received.id)
            await self.postman.deliver_due()
        elif update.callback_query is not None:
            await self._pressed_button(update.callback_query, received)
        elif update.message is not None and (incoming := to_incoming(update.message, self._me)):
            await self._answer(incoming, received)
        else:
            await self.app.inbox.mark_handled(received.id)

    async def _answer(self, incoming: Incoming, received: Received) -> None:
        """The router's answer, committed with the update's "handled" mark, then sent."""
        # A photo is downloaded into our store first: no network wait inside the transaction.
        incoming = await keep_photo(self.app.media, incoming, self._fetch, sleep=self._sleep)
        try:
            await self.router.answer(incoming, received.id)
        except DatabaseBusy:
            await self._tell_busy_chat(incoming, received.update_key)
            raise  # the worker tries again
        await self.postman.deliver_due(chat_id=incoming.chat.id)

    async def _tell_busy_chat(self, incoming: Incoming, update_key: str) -> None:
        if update_key in self._told_busy:
            return
        self._told_busy.remember(update_key)
        lang = pick_language(None, incoming.user.language, self.app.settings.default_language)
        try:
            await self.bot.send_message(
                incoming.chat.id, escape(text(lang, "error.busy_kept")), rate_limit_args=ANSWER
            )
        except TelegramError as exc:
            log.warning("telegram: telling a chat the bot is busy failed: %s", exc)

    def _owned(self, chat_id: str, message_id: int, user_id: str) -> None:
        """A keyboard sent in a group answers only the person it was for."""
        self._owners.remember((chat_id, message_id), int(user_id))

    async def _fetch(self, ref: FileRef) -> bytes:
        return await telegram_media.fetch(self.bot, ref)

    async def _pressed_button(self, query: CallbackQuery, received: Received) -> None:
        """Always answered; the keyboard shows the choice and goes, then the choice is routed."""
        message = query.message
        chat = chat_of(message.chat) if message is not None else None
        key = (chat.id, message.message_id) if message is not None and chat is not None else None
        owner = self._owners.get(key) if key is not None else None
        if message is None or chat is None or key is None:
            await self._answer_press(query)
        elif owner is not None and owner != query.from_user.id:
            lang = await self._language(query.from_user)
            await self._answer_press(query, text(lang, "telegram.not_yours"))
        elif key in self._pressed:
            await self._answer_press(query)  # a second press of a keyboard already used
        else:
            # Answering the press and marking the keyboard run alongside the routing: the
            # person waits for one round trip to Telegram, not three.
            side_calls = [asyncio.create_task(self._answer_press(query))]
            self._pressed.remember(key)
            try:
                data = query.data or ""
                value = await self._buttons.decode(data)
                if isinstance(message, Message):
                    side_calls.append(asyncio.create_task(self._show_choice(message, data)))
                incoming = Incoming(
                    chat,
                    sender_of(query.from_user),
                    choice=value if value is not None else data,
                    message_id=str(message.message_id),
                )
                await self._answer(incoming, received)
            except BaseException:
                self._pressed.pop(key, None)  # not handled after all: a retry is no second press
                raise
            finally:
                await asyncio.gather(*side_calls)
            return
        await self.app.inbox.mark_handled(received.id)

    async def _answer_press(self, query: CallbackQuery, notice: str | None = None) -> None:
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

    async def _membership(self, change: ChatMemberUpdated, update_id: int) -> None:
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
                await self.app.outbox.put(
                    chat.address, greeting, dedup_key=f"telegram-added:{update_id}"
                )

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
