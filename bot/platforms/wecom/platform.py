"""WeCom as a platform for ``juwei run``: the callback, replies, and the postman's transport.

A callback is committed to the inbox by its dedup key before WeCom hears 200 (so WeCom's
retries and a restart never repeat it, and a crash never loses it); when the database cannot
take it within ``ACCEPT_WAIT_SECONDS`` WeCom hears 503 and sends it again. The inbox worker
handles callbacks one at a time per person; each answer is one transaction that queues the
replies in the outbox, and the platform's postman sends them right after the commit. Messages
to other chats come from the outbox too: to a person through message/send, to a group through
its robot (chat id ``robot:<name>``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from uuid import uuid4

import httpx
from starlette.routing import BaseRoute

from bot.app import App
from bot.db import DatabaseBusy
from bot.i18n import text
from bot.inbox import InboxWorker, Received
from bot.media import keep_photo, with_stored_bytes
from bot.messages import Attachment, Chat, ChatKind, FileRef, Reply
from bot.platforms.base import ChatUnreachable, Transport
from bot.platforms.postman import platform_postman
from bot.platforms.support import PartsSent
from bot.platforms.wecom.api import INVALID_MEDIA_ID, WeComApi, WeComApiError
from bot.platforms.wecom.callback import PLATFORM, CallbackEndpoint, to_incoming
from bot.platforms.wecom.crypto import InvalidAesKey, WeComCrypto
from bot.platforms.wecom.render import app_messages, robot_messages
from bot.platforms.wecom.robots import CHAT_PREFIX, Robot, RobotSender
from bot.platforms.wecom.xml import WeComMessage, dedup_key, parse_message
from bot.router import Router
from bot.settings import SettingsError

log = logging.getLogger(__name__)

KEEP_CALLBACKS = timedelta(days=7)  # far beyond WeCom's retries; older callbacks are refused
STOP_GRACE_SECONDS = 10.0
# WeCom waits 5 s for the 200: past this the callback is refused with 503 and WeCom retries.
ACCEPT_WAIT_SECONDS = 1.5
STORE_RETRY_SECONDS = 2.0  # a callback refused as busy is also kept trying in memory


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
        self.postman = platform_postman(router, self.transport)
        self.worker = InboxWorker(app.inbox, PLATFORM, self._handle)
        try:
            crypto = WeComCrypto(token.get_secret_value(), aes_key.get_secret_value(), corp_id)
        except InvalidAesKey as exc:
            raise SettingsError(f"JUWEI_WECOM_AES_KEY: {exc}") from None
        endpoint = CallbackEndpoint(crypto, corp_id, agent_id, self.accept, lambda: self._open)
        self.routes: list[BaseRoute] = [endpoint.route]
        self._open = False
        self._storing: set[asyncio.Task[None]] = set()
        self._told_busy: set[str] = set()

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
        await self.app.inbox.forget_handled(self.app.clock.now() - KEEP_CALLBACKS)
        await self.worker.take_up_waiting()
        self._open = True

    async def stop(self) -> None:
        """Take no more callbacks, finish those in hand, close the connections."""
        self._open = False
        for task in self._storing:
            task.cancel()
        await self.worker.stop(STOP_GRACE_SECONDS)
        await self.api.close()
        await self.robot_sender.close()

    async def idle(self) -> None:
        """Wait until every accepted callback has been handled and its answer sent."""
        while self._storing or self.worker.busy:
            await asyncio.gather(*self._storing, return_exceptions=True)
            await self.worker.idle()

    # -- callbacks --------------------------------------------------------------------------

    async def accept(self, msg: WeComMessage, plain: str) -> bool:
        """Commit the callback to the inbox; False when the database is too busy to take it
        in time (WeCom then hears 503 and retries; meanwhile it is kept trying here)."""
        if msg.create_time < (self.app.clock.now() - KEEP_CALLBACKS).timestamp():
            log.warning("WeCom callback older than %s ignored", KEEP_CALLBACKS)
            return True
        key = dedup_key(msg)
        try:
            await self._store(msg, key, plain, wait_at_most=ACCEPT_WAIT_SECONDS)
        except DatabaseBusy:
            log.warning("WeCom callback %s: database busy; asked WeCom to send it again", key)
            self._keep_trying(msg, key, plain)
            return False
        return True

    async def _store(
        self, msg: WeComMessage, key: str, plain: str, *, wait_at_most: float | None
    ) -> None:
        received = await self.app.inbox.put(
            PLATFORM, key, msg.from_user, plain, wait_at_most=wait_at_most
        )
        if received is None:
            log.info("WeCom callback %s already taken in; retry ignored", key)
            return
        self.worker.submit(received)

    def _keep_trying(self, msg: WeComMessage, key: str, plain: str) -> None:
        async def again() -> None:
            await self._tell_busy(msg.from_user, key)
            while True:
                try:
                    await self._store(msg, key, plain, wait_at_most=STORE_RETRY_SECONDS)
                    return
                except DatabaseBusy:
                    continue
                except Exception:
                    log.exception("keeping WeCom callback %s failed", key)
                    return

        task = asyncio.create_task(again(), name=f"wecom store {key}")
        self._storing.add(task)
        task.add_done_callback(self._storing.discard)

    async def _tell_busy(self, user_id: str, key: str) -> None:
        """Once per callback, without the database: the person hears it was received."""
        if key in self._told_busy:
            return
        self._told_busy.add(key)
        lang = self.app.settings.default_language
        busy = Reply(text(lang, "error.busy_kept"))
        try:
            for message in app_messages(busy, lang, rich=False, task_id=uuid4().hex, notes=[]):
                await self.api.send(user_id, message)
        except Exception:
            log.warning("telling a WeCom user the bot is busy failed", exc_info=True)

    async def _handle(self, received: Received) -> None:
        """One callback from the inbox: answered in one transaction, then sent at once."""
        msg = parse_message(received.payload)
        incoming = to_incoming(msg)
        greeted = msg.event == "enter_agent" and (
            await self.app.users.find(PLATFORM, msg.from_user) is not None
        )
        if incoming is None or greeted:  # nothing to answer (greet on the first visit only)
            await self.app.inbox.mark_handled(received.id)
            return
        # A photo is downloaded into our store first: no network wait inside the transaction.
        incoming = await keep_photo(self.app.media, incoming, self._fetch, sleep=self._sleep)
        try:
            await self.router.answer(incoming, received.id)
        except DatabaseBusy:
            await self._tell_busy(msg.from_user, received.update_key)
            raise  # the worker tries again
        await self.postman.deliver_due(chat_id=msg.from_user)
        if msg.event == "template_card_event" and msg.response_code:
            await self._close_card(msg.from_user, msg.response_code)

    async def _fetch(self, ref: FileRef) -> bytes:
        return await self.api.download(ref.file_id)

    async def _close_card(self, user_id: str, response_code: str) -> None:
        user = await self.app.users.find(PLATFORM, user_id)
        lang = (user.language if user else None) or self.app.settings.default_language
        try:
            await self.api.update_card_button(user_id, response_code, text(lang, "wecom.chosen"))
        except Exception:
            log.warning("could not mark a pressed WeCom card as answered", exc_info=True)
