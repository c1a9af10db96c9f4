"""WeCom as a platform for ``juwei run``: the callback, replies, and the postman's transport.

A callback is recorded once by its dedup key (a UNIQUE row, so WeCom's retries and a restart
do not repeat it), answered at once, and handled in the background, one at a time per person.
The router's replies go straight back through message/send; what cannot be sent right away is
left in the outbox for the postman. Messages to other chats come from the outbox: to a person
through message/send, to a group through its robot (chat id ``robot:<name>``).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from uuid import uuid4

import httpx
from starlette.routing import BaseRoute

from bot.app import App
from bot.i18n import text
from bot.media import keep_photo, with_stored_bytes
from bot.messages import Address, Attachment, Chat, ChatKind, FileRef, Reply
from bot.platforms.base import ChatUnreachable, TemporaryFailure, Transport
from bot.platforms.support import KeyedLocks, PartsSent
from bot.platforms.wecom.api import INVALID_MEDIA_ID, WeComApi, WeComApiError
from bot.platforms.wecom.callback import PLATFORM, CallbackEndpoint, to_incoming
from bot.platforms.wecom.crypto import InvalidAesKey, WeComCrypto
from bot.platforms.wecom.render import app_messages, robot_messages
from bot.platforms.wecom.robots import CHAT_PREFIX, Robot, RobotSender
from bot.platforms.wecom.xml import WeComMessage, dedup_key
from bot.router import Router
from bot.settings import SettingsError
from bot.timeutil import to_db

log = logging.getLogger(__name__)

KEEP_CALLBACKS = timedelta(days=7)  # far beyond WeCom's retries; older callbacks are refused
STOP_GRACE_SECONDS = 10.0


def _cached(attachment: Attachment) -> str | None:
    """The WeCom media_id an attachment carries, if it came from WeCom."""
    ref = attachment.ref
    return ref.file_id if ref is not None and ref.platform == PLATFORM else None


class WeComTransport:
    """Sends a Reply to a person (message/send) or to a robot's group (webhook)."""

    platform = PLATFORM

    def __init__(
        self, app: App, api: WeComApi, robot_sender: RobotSender, robots: Sequence[Robot]
    ) -> None:
        self._app = app
        self._api = api
        self._robot_sender = robot_sender
        self._robots = {robot.chat_id: robot for robot in robots}
        self._rich = app.settings.wecom_rich_messages
        self._parts = PartsSent()

    async def send(self, chat_id: str, reply: Reply) -> None:
        reply = await with_stored_bytes(self._app.media, reply)
        if chat_id.startswith(CHAT_PREFIX):
            robot = self._robots.get(chat_id)
            if robot is None:
                raise ChatUnreachable(f"no robot configured for {chat_id}")
            await self._to_robot(robot, reply)
        else:
            await self._to_person(chat_id, reply)

    async def _language(self, user_id: str) -> str:
        user = await self._app.users.find(PLATFORM, user_id)
        stored = user.language if user is not None else None
        return stored or self._app.settings.default_language

    async def _to_person(self, user_id: str, reply: Reply) -> None:
        lang = await self._language(user_id)
        media: list[tuple[str, Attachment]] = []
        notes: list[str] = []
        for kind, note_key, attachment in (
            ("image", "wecom.photo", reply.photo),
            ("file", "wecom.document", reply.document),
        ):
            if attachment is None:
                continue
            if _cached(attachment) is None and attachment.data is None:
                notes.append(text(lang, note_key, name=attachment.name))
            else:
                media.append((kind, attachment))
        messages = app_messages(reply, lang, rich=self._rich, task_id=uuid4().hex, notes=notes)
        parts: list[Callable[[], Awaitable[None]]] = [
            partial(self._api.send, user_id, message) for message in messages
        ]
        parts += [partial(self._send_media, user_id, kind, item) for kind, item in media]
        await self._parts.deliver(user_id, reply, parts)

    async def _send_media(self, user_id: str, kind: str, attachment: Attachment) -> None:
        """The media_id we hold first (it saves an upload); once WeCom calls it invalid (they
        expire after 3 days), our stored bytes are uploaded again."""
        cached = _cached(attachment)
        if cached is not None:
            try:
                await self._api.send_media(user_id, kind, cached)
                return
            except WeComApiError as exc:
                if exc.code != INVALID_MEDIA_ID or attachment.data is None:
                    raise
                log.info("WeCom media_id no longer valid; uploading the stored copy")
        assert attachment.data is not None
        media_id = await self._api.upload(
            kind, attachment.name, attachment.data, attachment.mime_type
        )
        await self._api.send_media(user_id, kind, media_id)

    async def _bytes(self, attachment: Attachment) -> bytes | None:
        if attachment.data is not None:
            return attachment.data
        if attachment.ref is not None and attachment.ref.platform == PLATFORM:
            return await self._api.download(attachment.ref.file_id)
        return None

    async def _to_robot(self, robot: Robot, reply: Reply) -> None:
        lang = self._app.settings.default_language
        photo = await self._bytes(reply.photo) if reply.photo else None
        document = await self._bytes(reply.document) if reply.document else None
        notes = [
            text(lang, key, name=attachment.name)
            for key, attachment, data in (
                ("wecom.photo", reply.photo, photo),
                ("wecom.document", reply.document, document),
            )
            if attachment is not None and data is None
        ]
        body = "\n".join([reply.text, *notes])
        messages = robot_messages(
            Reply(body, reply.options, reply.links, urgent=reply.urgent),
            lang,
            mentions=robot.urgent_mentions,
        )
        parts: list[Callable[[], Awaitable[None]]] = [
            partial(self._robot_sender.send, robot, message) for message in messages
        ]
        if photo is not None and reply.photo is not None:
            parts.append(partial(self._robot_sender.send_image, robot, photo, reply.photo.name))
        if document is not None and reply.document is not None:
            parts.append(
                partial(self._robot_sender.send_file, robot, document, reply.document.name)
            )
        await self._parts.deliver(robot.chat_id, reply, parts)


class WeComPlatform:
    name = PLATFORM

    def __init__(
        self,
        router: Router,
        *,
        http: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``http`` replaces the network (tests hand in a fake WeCom); ``sleep`` waits between
        tries of a photo download (tests count the waits instead)."""
        app = router.app
        settings = app.settings
        corp_id = settings.wecom_corp_id
        agent_id = settings.wecom_agent_id
        secret, token, aes_key = settings.wecom_secret, settings.wecom_token, settings.wecom_aes_key
        if (
            corp_id is None
            or agent_id is None
            or secret is None
            or token is None
            or aes_key is None
        ):
            raise SettingsError("JUWEI_WECOM_CORP_ID: WeCom is not configured")
        self.app = app
        self.router = router
        self._sleep = sleep
        self.api = WeComApi(
            base_url=settings.wecom_api_base,
            corp_id=corp_id,
            agent_id=agent_id,
            secret=secret.get_secret_value(),
            clock=app.clock,
            transport=http,
        )
        self.robots = [Robot.from_settings(robot) for robot in settings.wecom_robots]
        self.robot_sender = RobotSender(settings.wecom_api_base, app.clock, transport=http)
        self.transport: Transport = WeComTransport(app, self.api, self.robot_sender, self.robots)
        try:
            crypto = WeComCrypto(token.get_secret_value(), aes_key.get_secret_value(), corp_id)
        except InvalidAesKey as exc:
            raise SettingsError(f"JUWEI_WECOM_AES_KEY: {exc}") from None
        endpoint = CallbackEndpoint(crypto, corp_id, agent_id, self.accept, lambda: self._open)
        self.routes: list[BaseRoute] = [endpoint.route]
        self._open = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns = KeyedLocks()

    async def start(self) -> None:
        """Register the robots' groups with their committee and tags, then take callbacks."""
        for robot in self.robots:
            committee_id = None
            if robot.committee:
                committee = await self.app.committees.resident_by_name(robot.committee)
                if committee is None:
                    raise SettingsError(
                        f"JUWEI_WECOM_ROBOTS: robot {robot.name!r} names an unknown "
                        f"residents' committee {robot.committee!r}"
                    )
                committee_id = committee.id
            group = Chat(PLATFORM, robot.chat_id, ChatKind.GROUP, robot.name)
            await self.app.chats.bind(group, committee_id, robot.tags)
        cutoff = self.app.clock.now() - KEEP_CALLBACKS
        await self.app.db.execute(
            "DELETE FROM wecom_callbacks WHERE received_at < ?", (to_db(cutoff),)
        )
        self._open = True

    async def stop(self) -> None:
        """Take no more callbacks, finish those in hand, close the connections."""
        self._open = False
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
        await self.api.close()
        await self.robot_sender.close()

    async def idle(self) -> None:
        """Wait until every accepted callback has been handled."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    # -- callbacks --------------------------------------------------------------------------

    async def accept(self, msg: WeComMessage) -> None:
        """Record the callback once and handle it in the background; a retry is dropped here."""
        now = self.app.clock.now()
        if msg.create_time < (now - KEEP_CALLBACKS).timestamp():
            log.warning("WeCom callback older than %s ignored", KEEP_CALLBACKS)
            return
        key = dedup_key(msg)
        try:
            await self.app.db.execute(
                "INSERT INTO wecom_callbacks (dedup_key, received_at) VALUES (?, ?)",
                (key, to_db(now)),
            )
        except sqlite3.IntegrityError:
            log.info("WeCom callback %s already taken in; retry ignored", key)
            return
        task = asyncio.create_task(self._process(msg, key), name=f"wecom {key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, msg: WeComMessage, key: str) -> None:
        try:
            async with self._turns.hold(msg.from_user):
                await self.handle(msg, key)
        except Exception:
            log.exception("handling WeCom callback %s failed", key)

    async def handle(self, msg: WeComMessage, key: str) -> None:
        incoming = to_incoming(msg)
        if incoming is None:
            return
        if msg.event == "enter_agent" and await self.app.users.find(PLATFORM, msg.from_user):
            return  # greet people on their first visit only
        # A photo is downloaded into our store before the router (and its transactions) sees it.
        incoming = await keep_photo(self.app.media, incoming, self._fetch, sleep=self._sleep)
        replies = await self.router.handle(incoming)
        await self.reply(msg.from_user, replies, key)
        if msg.event == "template_card_event" and msg.response_code:
            await self._close_card(msg.from_user, msg.response_code)

    async def _fetch(self, ref: FileRef) -> bytes:
        return await self.api.download(ref.file_id)

    async def reply(self, user_id: str, replies: Sequence[Reply], key: str) -> None:
        """Send the answers now; from the first that fails, leave the rest to the postman."""
        for index, reply in enumerate(replies):
            try:
                await self.transport.send(user_id, reply)
            except Exception as exc:
                if not isinstance(exc, TemporaryFailure | ChatUnreachable):
                    log.exception("replying to a WeCom callback %s failed", key)
                retry = exc.retry_after if isinstance(exc, TemporaryFailure) else None
                later = self.app.clock.now() + timedelta(seconds=retry or 0)
                for n, rest in enumerate(replies[index:], index):
                    await self.app.outbox.put(
                        Address(PLATFORM, user_id),
                        rest,
                        dedup_key=f"wecom-reply:{key}:{n}",
                        not_before=later,
                    )
                return

    async def _close_card(self, user_id: str, response_code: str) -> None:
        user = await self.app.users.find(PLATFORM, user_id)
        lang = (user.language if user else None) or self.app.settings.default_language
        try:
            await self.api.update_card_button(user_id, response_code, text(lang, "wecom.chosen"))
        except Exception:
            log.warning("could not mark a pressed WeCom card as answered", exc_info=True)
