"""The callback endpoint WeCom calls (/wecom/callback), and its messages as ``Incoming``.

GET is the URL check made when the callback is configured: the decrypted echostr goes back.
POST carries one encrypted message. Nothing is read before the signature is checked, and the
endpoint answers at once (WeCom retries after five seconds without an answer); the work is done
by ``accept``, which records the message and handles it in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.messages import Chat, ChatKind, FileRef, Incoming, Location, Sender
from bot.platforms.wecom.crypto import (
    ReceiveIdMismatch,
    SignatureMismatch,
    WeComCrypto,
    WeComCryptoError,
)
from bot.platforms.wecom.xml import (
    MAX_BODY_BYTES,
    MalformedXml,
    WeComMessage,
    parse_envelope,
    parse_message,
)

log = logging.getLogger(__name__)

PLATFORM = "wecom"
CALLBACK_PATH = "/wecom/callback"
SIGNED_PARAMS = ("msg_signature", "timestamp", "nonce")

# Commits the decrypted callback; False when the database could not take it in time.
Accept = Callable[[WeComMessage, str], Awaitable[bool]]


def _command(chat: Chat, user: Sender, text: str) -> Incoming:
    """``/join 三门`` (or a menu key ``join``) as a command with arguments."""
    words = text.strip().removeprefix("/").split()
    if not words:
        return Incoming(chat, user, text=text)
    return Incoming(chat, user, command=words[0].lower(), args=tuple(words[1:]))


def to_incoming(msg: WeComMessage) -> Incoming | None:
    """What the person did, in the core's terms; None for events the bot does not answer."""
    chat = Chat(PLATFORM, msg.from_user, ChatKind.PRIVATE)
    user = Sender(PLATFORM, msg.from_user)
    kind = msg.msg_type
    if kind == "text":
        content = msg.content or ""
        if content.lstrip().startswith("/"):
            return _command(chat, user, content)
        return Incoming(chat, user, text=content, message_id=msg.msg_id)
    if kind == "image" and msg.media_id:
        photo = FileRef(
            PLATFORM, msg.media_id, f"{msg.msg_id or msg.create_time}.jpg", "image/jpeg"
        )
        return Incoming(chat, user, photo=photo, message_id=msg.msg_id)
    if kind == "location" and msg.location_x is not None and msg.location_y is not None:
        where = Location(msg.location_x, msg.location_y, msg.label or "")
        return Incoming(chat, user, location=where, message_id=msg.msg_id)
    if kind == "event":
        if msg.event == "enter_agent":
            return Incoming(chat, user, command="start")
        if msg.event == "click" and msg.event_key:
            return _command(chat, user, msg.event_key)
        if msg.event == "template_card_event" and msg.event_key:
            return Incoming(chat, user, choice=msg.event_key)
        return None
    # Voice, video, files and links: answered as an empty text, so the person hears what
    # the bot can read rather than silence.
    return Incoming(chat, user, text="", message_id=msg.msg_id)


def _refuse(status: int, reason: str) -> Response:
    log.warning("WeCom callback refused (%s): %s", status, reason)
    return PlainTextResponse({400: "bad request", 403: "forbidden"}.get(status, ""), status)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than any WeCom callback."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


class CallbackEndpoint:
    def __init__(
        self,
        crypto: WeComCrypto,
        corp_id: str,
        agent_id: int,
        accept: Accept,
        accepting: Callable[[], bool],
    ) -> None:
        self._crypto = crypto
        self._corp_id = corp_id
        self._agent_id = str(agent_id)
        self._accept = accept
        self._accepting = accepting

    @property
    def route(self) -> Route:
        return Route(CALLBACK_PATH, self.handle, methods=["GET", "POST"])

    async def handle(self, request: Request) -> Response:
        params = request.query_params
        if any(name not in params for name in SIGNED_PARAMS):
            return _refuse(400, "missing signature parameters")
        signature, timestamp, nonce = (params[name] for name in SIGNED_PARAMS)
        if request.method == "GET":
            return self._verify_url(signature, timestamp, nonce, params.get("echostr", ""))
        if not self._accepting():
            # Stopping: WeCom will retry, and the next process takes it.
            return PlainTextResponse("stopping", 503)
        return await self._receive(request, signature, timestamp, nonce)

    def _verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> Response:
        try:
            plain = self._crypto.verify_url(signature, timestamp, nonce, echostr)
        except SignatureMismatch:
            return _refuse(403, "URL check with a bad signature")
        except WeComCryptoError as exc:
            return _refuse(400, f"URL check: {type(exc).__name__}")
        return PlainTextResponse(plain)

    async def _receive(
        self, request: Request, signature: str, timestamp: str, nonce: str
    ) -> Response:
        body = await _read_body(request)
        if body is None:
            return _refuse(400, f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            envelope = parse_envelope(body)
        except MalformedXml as exc:
            return _refuse(400, f"envelope: {exc}")
        try:
            plain = self._crypto.decrypt(signature, timestamp, nonce, envelope.encrypt)
        except SignatureMismatch:
            return _refuse(403, "bad signature")
        except ReceiveIdMismatch:
            return _refuse(400, "message for another receive id")
        except WeComCryptoError as exc:
            return _refuse(400, f"cannot decrypt: {type(exc).__name__}")
        try:
            msg = parse_message(plain)
        except MalformedXml as exc:
            return _refuse(400, f"message: {exc}")
        if envelope.to_user_name != self._corp_id or msg.to_user != self._corp_id:
            return _refuse(400, "message for another corp")
        if msg.agent_id is not None and msg.agent_id != self._agent_id:
            return _refuse(400, f"message for agent {msg.agent_id}")
        try:
            accepted = await self._accept(msg, plain)
        except Exception:
            # Nothing raises out of the web server: WeCom retries a 503.
            log.exception("taking in a WeCom callback failed")
            accepted = False
        if not accepted:
            return PlainTextResponse("busy", 503)
        return Response(status_code=200)
