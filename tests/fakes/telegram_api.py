"""A fake Telegram Bot API server, for tests and benchmarks.

python-telegram-bot talks to it over real HTTP exactly as it talks to api.telegram.org, so the
adapter, the `Application`, its retries and its rate limiter run unchanged:

    async with FakeBotApi() as api:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())
        api.text(42, "/start")
        await api.wait_for("sendMessage")

The server is a small asyncio HTTP/1.1 server (keep-alive, no framework) so that the cost per
request stays low enough for throughput benchmarks. It behaves like the Bot API where bots
commonly trip: long polling with offsets, HTML that does not parse, "message is not modified",
the text and callback-data limits, 403 once the bot has left or been removed from a chat, and,
when asked, the broadcast rate limits.

Standalone: `python -m tests.fakes.telegram_api --port 0` prints the base URL on its first line
and serves until SIGTERM; a second process drives it through `/_control/...` (see `_control`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import mimetypes
import re
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qsl, unquote

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-fake-token"
DEFAULT_FIRST_NAME = "测试用户"
DEFAULT_LANGUAGE = "zh-hans"

_JSON_TYPE = "application/json"
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
# What a photo file starts with (JPEG SOI and APP0), so the bot's media store accepts it.
_JPEG_START = b"\xff\xd8\xff\xe0"
_PHOTO_SIZES = ((90, 67), (320, 240), (800, 600), (1280, 960), (2560, 1920))

# Methods that count against Telegram's broadcast limits.
_SEND_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendmediagroup",
        "sendvideonote",
        "copymessage",
        "forwardmessage",
    }
)

# python-telegram-bot sends string parameters unencoded and everything else JSON-encoded, so a
# form value "123" is a number unless the parameter holds free text or an identifier.
_VERBATIM_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "callback_query_id",
        "inline_message_id",
        "action",
        "url",
        "file_id",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "language_code",
        "title",
        "description",
        "short_description",
        "name",
        "query",
        "secret_token",
        "ip_address",
        "emoji",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "question",
        "explanation",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
    }
)
_JSON_FIRST_CHARS = frozenset('{["-0123456789tfn')

_FORBIDDEN_KICKED = "Forbidden: bot was kicked from the group chat"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: _FORBIDDEN_KICKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}
_ACCEPTED_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


class Origin(TypedDict, total=False):
    """Who sends a built update, and where. Without `chat_id` it is the user's private chat;
    negative ids are groups. Name, language and username are remembered per user once given."""

    chat_id: int
    chat_type: str  # "private", "group", "supergroup"
    title: str
    first_name: str
    language_code: str
    username: str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as the bot uploaded it."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API request. `at` is the server clock when it arrived; calls are recorded when
    answered, so a long poll appears after calls that arrived while it waited."""

    method: str
    params: JSONDict
    at: float
    status: int = 200
    result: Any = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class CallTimeout(AssertionError):
    """`FakeBotApi.wait_for` gave up; the message lists the calls that did arrive."""


class ApiError(Exception):
    """An error answer of the Bot API, shaped as Telegram shapes it."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int | None
    chat_id: int | str | None
    after: int = 0  # matching calls answered normally before the fault starts


@dataclass
class _Delay:
    method: str
    seconds: float
    times: int | None


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes


class BroadcastLimits:
    """Telegram's limits as a broadcast meets them: `per_second` messages a second overall and
    `per_group_minute` a minute to any one group. Sliding windows over an injected clock."""

    def __init__(
        self, clock: Callable[[], float], per_second: int = 30, per_group_minute: int = 20
    ) -> None:
        self._clock = clock
        self._per_second = per_second
        self._per_group_minute = per_group_minute
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def admit(self, chat_id: object) -> int | None:
        """Take a slot for a message to `chat_id`; if none is free, the whole seconds to wait."""
        now = self._clock()
        wait = _window_wait(self._overall, now, 1.0, self._per_second)
        group = None
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._groups.setdefault(chat_id, deque())
            wait = max(wait, _window_wait(group, now, 60.0, self._per_group_minute))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._overall.append(now)
        if group is not None:
            group.append(now)
        return None


def _window_wait(window: deque[float], now: float, span: float, limit: int) -> float:
    while window and window[0] <= now - span:
        window.popleft()
    return 0.0 if len(window) < limit else window[0] + span - now


# --- request bodies ------------------------------------------------------------------------


def _decode_value(name: str, raw: str) -> Any:
    if name in _VERBATIM_PARAMS or not raw or raw[0] not in _JSON_FIRST_CHARS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_HEADER_PARAM = re.compile(r';\s*([\w*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))')


def _header_params(value: str) -> dict[str, str]:
    return {
        key.lower(): (quoted or bare).replace("%22", '"').replace("\\\\", "\\")
        for key, quoted, bare in _HEADER_PARAM.findall(value)
    }


def _parse_multipart(body: bytes, boundary: str) -> JSONDict:
    params: JSONDict = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part[2:].partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if not name:
            continue
        if "filename" in disposition:
            content_type = headers.get("content-type", "application/octet-stream")
            params[name] = UploadedFile(disposition["filename"], content_type, data)
        else:
            params[name] = _decode_value(name, data.decode("utf-8", "replace"))
    return params


def _parse_params(query: str, content_type: str, body: bytes) -> JSONDict:
    params: JSONDict = {k: _decode_value(k, v) for k, v in parse_qsl(query, keep_blank_values=True)}
    if not body:
        return params
    kind, _, options = content_type.partition(";")
    kind = kind.strip().lower()
    if kind == _JSON_TYPE:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: parameters must be a JSON object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        params.update(_parse_multipart(body, _header_params(";" + options).get("boundary", "")))
    else:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: _decode_value(k, v) for k, v in pairs})
    return params


def _json_default(value: object) -> object:
    if isinstance(value, UploadedFile):
        return {
            "filename": value.filename,
            "content_type": value.content_type,
            "size": len(value.data),
        }
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(payload: object) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), default=_json_default
    ).encode("utf-8")


# --- message text --------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_HTML_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _bad_entities(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


def html_visible_text(source: str) -> str:
    """Parse `source` as Telegram parses parse_mode=HTML and return the text users see, or
    raise the 400 Telegram answers (unsupported or unclosed tags, a bare `<`)."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _HTML_ENTITY.match(source, i)
            if match is None:
                out.append(char)
                i += 1
                continue
            name = match.group(1)
            if name.startswith("#"):
                code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
                out.append(chr(code))
            else:
                out.append(_NAMED_ENTITIES[name])
            i = match.end()
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        offset = len(source[:i].encode("utf-8"))
        end = source.find(">", i)
        if end < 0:
            raise _bad_entities(f"Unclosed start tag at byte offset {offset}")
        inside = source[i + 1 : end]
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not open_tags:
                raise _bad_entities(f"Unexpected end tag at byte offset {offset}")
            if name and name != open_tags[-1]:
                raise _bad_entities(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_tags[-1]}>", '
                    f'found "</{name}>"'
                )
            open_tags.pop()
        else:
            name, _, attributes = inside.partition(" ")
            name = name.lower()
            if name not in _HTML_TAGS:
                raise _bad_entities(f'Unsupported start tag "{name}" at byte offset {offset}')
            if name == "span" and "tg-spoiler" not in attributes:
                raise _bad_entities(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            open_tags.append(name)
        i = end + 1
    if open_tags:
        raise _bad_entities(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _visible(value: object, parse_mode: object) -> str:
    raw = "" if value is None else str(value)
    return html_visible_text(raw) if str(parse_mode).upper() == "HTML" else raw


def _message_text(params: JSONDict) -> str:
    text = _visible(params.get("text"), params.get("parse_mode"))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(text) > _MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _caption(params: JSONDict) -> JSONDict:
    if params.get("caption") is None:
        return {}
    caption = _visible(params["caption"], params.get("parse_mode"))
    if _utf16_len(caption) > _MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    return {"caption": caption}


def _inline_markup(params: JSONDict) -> JSONDict | None:
    """The inline keyboard to echo back, checked as Telegram checks it; other markups are not
    part of the returned message."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _chat_key(chat_id: object) -> object:
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id


def _update_kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _fire(event: asyncio.Event) -> asyncio.Event:
    """Wake everyone waiting on `event` and hand out a fresh one for the next change."""
    event.set()
    return asyncio.Event()


# --- HTTP ----------------------------------------------------------------------------------

# (verb, target, headers, body) -> (status, body, content type)
RequestHandler = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, bytes, str]]]


class _HttpServer:
    """Just enough HTTP/1.1 for httpx: keep-alive, Content-Length or chunked bodies, JSON out."""

    def __init__(self, handler: RequestHandler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # Long polls and delayed answers would otherwise outlive the server.
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                verb, target, version = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines:
                    if line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, payload, content_type = await self._handler(verb, target, headers, body)
                keep_alive = (
                    version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                )
                closing = "" if keep_alive else "Connection: close\r\n"
                writer.write(
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
                    f"{closing}\r\n".encode("latin-1")
                    + payload
                )
                await writer.drain()
                if not keep_alive:
                    return
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            ValueError,
        ):
            return  # the client went away or spoke something other than HTTP/1.1
        finally:
            writer.close()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


# --- the fake API --------------------------------------------------------------------------


class FakeBotApi:
    """The Bot API of one bot, served on 127.0.0.1. Use `async with FakeBotApi() as api:`.

    All methods are meant to be called from the event loop the server runs in.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        bot_username: str = "juwei_test_bot",
        bot_name: str = "居委助手",
    ) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.bot_user: JSONDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._host = host
        self._port = port
        self._clock = clock
        self._limits = BroadcastLimits(clock) if enforce_limits else None
        self._http = _HttpServer(self._route)
        self._bound_port: int | None = None

        self._call_signal = asyncio.Event()
        self._updates: deque[JSONDict] = deque()
        self._update_signal = asyncio.Event()
        self._next_update_id = 1
        self._pollers = 0
        self._poller_signal = asyncio.Event()

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[object, JSONDict] = {}
        self._removed: dict[object, str] = {}  # chat id -> the 403 description
        self._last_message_id: dict[object, int] = {}
        self._messages: dict[tuple[object, int], JSONDict] = {}
        self._sent: list[JSONDict] = []
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._counter = itertools.count(1)
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._webhook_url = ""
        self._commands: dict[str, list[JSONDict]] = {}

        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": lambda _: self.bot_user,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": lambda p: self._commands.get(self._commands_key(p), []),
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "leavechat": self._leave_chat,
            "copymessage": self._copy_message,
        }

    # lifecycle

    async def start(self) -> None:
        self._bound_port = await self._http.start(self._host, self._port)

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`: the token and method are appended."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    # what the bot did

    def calls_to(self, method: str) -> list[Call]:
        name = method.lower()
        return [call for call in self.calls if call.method.lower() == name]

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent, as returned to it at the time (later edits not applied)."""
        return [m for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id]

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """A message as it stands now, edits applied."""
        return self._messages[(chat_id, message_id)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - reported in the CallTimeout message
    ) -> list[Call]:
        """Wait until at least `count` calls to `method` (matching `predicate`, failed ones
        included) have been recorded, counting those already there. Returns all matches."""
        name = method.lower()
        matches: list[Call] = []
        scanned = 0

        def satisfied() -> bool:
            nonlocal scanned
            for call in self.calls[scanned:]:
                if call.method.lower() == name and (predicate is None or predicate(call)):
                    matches.append(call)
            scanned = len(self.calls)
            return len(matches) >= count

        if await self._until(lambda: self._call_signal, satisfied, timeout):
            return matches
        recent = (
            "\n".join(
                f"  {c.method} {c.status} {_dumps(c.params).decode()[:200]}"
                for c in self.calls[-15:]
            )
            or "  (none)"
        )
        which = f"{method} matching the predicate" if predicate else method
        raise CallTimeout(
            f"waited {timeout}s for {count} call(s) to {which}, saw {len(matches)}; "
            f"last of {len(self.calls)} calls:\n{recent}"
        )

    async def wait_for_poll(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as wait_for
        """Wait until a getUpdates long poll is waiting for updates (the bot is listening)."""
        if not await self._until(lambda: self._poller_signal, lambda: self._pollers > 0, timeout):
            raise CallTimeout(f"no getUpdates long poll started within {timeout}s")

    async def _until(
        self, signal_of: Callable[[], asyncio.Event], done: Callable[[], bool], within: float
    ) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = signal_of()  # taken before checking, so a change in between still wakes us
            if done():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # faults

    def fail(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int | None = 1,
        description: str | None = None,
        chat_id: int | str | None = None,
        after: int = 0,
    ) -> None:
        """Answer the next `times` calls to `method` (to `chat_id`, if given) with an error,
        once `after` such calls have succeeded; `times=None` keeps failing until
        `clear_faults`."""
        if status == 429:
            text = description or f"Too Many Requests: retry after {retry_after}"
            error = ApiError(429, text, retry_after)
        else:
            error = ApiError(status, description or _DEFAULT_DESCRIPTIONS.get(status, "Error"))
        self._faults.append(_Fault(method.lower(), error, times, chat_id, after))

    def delay(self, method: str, seconds: float, times: int | None = 1) -> None:
        """Answer the next `times` calls to `method` only after `seconds`. The call takes
        effect at once (a message is sent), like a slow Telegram, so client timeouts can be
        tested for duplicate sends."""
        self._delays.append(_Delay(method.lower(), seconds, times))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    def _take_fault(self, name: str, params: JSONDict) -> None:
        for fault in self._faults:
            if fault.method != name:
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            raise ApiError(fault.error.status, fault.error.description, fault.error.retry_after)

    def _take_delay(self, name: str) -> float:
        for delay in self._delays:
            if delay.method == name:
                if delay.times is not None:
                    delay.times -= 1
                    if delay.times <= 0:
                        self._delays.remove(delay)
                return delay.seconds
        return 0.0

    # feeding updates

    def push(self, update: JSONDict) -> JSONDict:
        """Queue an update for getUpdates, numbering it if it has no `update_id`."""
        if "update_id" in update:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        self._updates.append(update)
        self._update_signal = _fire(self._update_signal)
        return update

    def text(self, user_id: int, text: str, **origin: Unpack[Origin]) -> JSONDict:
        """A text message from a user; a leading `/command` gets its bot_command entity."""
        content: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._incoming(user_id, origin, content)

    def location(self, user_id: int, lat: float, lon: float, **origin: Unpack[Origin]) -> JSONDict:
        return self._incoming(user_id, origin, {"location": {"latitude": lat, "longitude": lon}})

    def photo(
        self,
        user_id: int,
        *,
        file_id: str | None = None,
        sizes: int = 3,
        data: bytes | None = None,
        caption: str | None = None,
        **origin: Unpack[Origin],
    ) -> JSONDict:
        """A photo in `sizes` sizes, largest last; the largest has `file_id` and `data`, and
        every size can be fetched with getFile."""
        if not 1 <= sizes <= len(_PHOTO_SIZES):
            raise ValueError(f"sizes must be 1..{len(_PHOTO_SIZES)}")
        base = file_id or f"photo-{next(self._counter)}"
        photo = []
        for index, (width, height) in enumerate(_PHOTO_SIZES[:sizes]):
            largest = index == sizes - 1
            size_id = base if largest else f"{base}-{width}"
            blob = data if largest and data is not None else _JPEG_START + size_id.encode()
            stored = self._store_file(blob, "photos", ".jpg", size_id)
            photo.append(
                {
                    "file_id": size_id,
                    "file_unique_id": stored.unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(blob),
                }
            )
        content: JSONDict = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self._incoming(user_id, origin, content)

    def document(
        self,
        user_id: int,
        *,
        file_name: str = "document.pdf",
        data: bytes = b"%PDF-1.4 fake document",
        mime_type: str | None = None,
        file_id: str | None = None,
        caption: str | None = None,
        **origin: Unpack[Origin],
    ) -> JSONDict:
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        stored = self._store_file(data, "documents", suffix, file_id)
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        content: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption is not None:
            content["caption"] = caption
        return self._incoming(user_id, origin, content)

    def callback(
        self, user_id: int, data: str, message_id: int, **origin: Unpack[Origin]
    ) -> JSONDict:
        """A press on an inline button of the bot's message `message_id`. If the fake does not
        know that message, a bot message with that id is made up so it can be edited."""
        user, chat = self._origin(user_id, origin)
        message = self._messages.get((chat["id"], message_id))
        if message is None:
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
                "text": "…",
            }
            self._messages[(chat["id"], message_id)] = message
            last = self._last_message_id.get(chat["id"], 0)
            self._last_message_id[chat["id"]] = max(last, message_id)
        query = {
            "id": str(next(self._counter)),
            "from": user,
            "chat_instance": str(chat["id"]),
            "message": message,
            "data": data,
        }
        return self.push({"callback_query": query})

    def my_chat_member(
        self,
        chat_id: int,
        title: str | None = None,
        status: str = "member",
        by_user_id: int = 1,
        *,
        chat_type: str | None = None,
    ) -> JSONDict:
        """The bot's own membership changed: added ("member", "administrator"), removed
        ("left", "kicked"; in a private chat "kicked" means the user blocked the bot)."""
        if status not in ("member", "administrator", "left", "kicked"):
            raise ValueError(f"unsupported status {status!r}")
        by_user = self._user(by_user_id, None, None, None)
        chat = self._chat(chat_id, chat_type=chat_type, title=title, user=by_user)
        if status in ("member", "administrator"):
            self._removed.pop(chat_id, None)
            old = "left"
        else:
            self._removed[chat_id] = self._removal_reason(chat, status)
            old = "member"
        return self.push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": by_user,
                    "date": int(time.time()),
                    "old_chat_member": self._member(old),
                    "new_chat_member": self._member(status),
                }
            }
        )

    def _member(self, status: str) -> JSONDict:
        member: JSONDict = {"status": status, "user": self.bot_user}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
        return member

    @staticmethod
    def _removal_reason(chat: JSONDict, status: str) -> str:
        if chat["type"] == "private":
            return "Forbidden: bot was blocked by the user"
        kind = "supergroup" if chat["type"] == "supergroup" else "group"
        if status == "kicked":
            return f"Forbidden: bot was kicked from the {kind} chat"
        return f"Forbidden: bot is not a member of the {kind} chat"

    def _user(
        self, user_id: int, first_name: str | None, language_code: str | None, username: str | None
    ) -> JSONDict:
        known = self._users.get(user_id, {})
        user: JSONDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name", DEFAULT_FIRST_NAME),
            "language_code": language_code or known.get("language_code", DEFAULT_LANGUAGE),
        }
        if username or known.get("username"):
            user["username"] = username or known["username"]
        self._users[user_id] = user
        if user_id in self._chats:
            self._chats[user_id] = self._private_chat(user)
        return user

    @staticmethod
    def _private_chat(user: JSONDict) -> JSONDict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _chat(
        self,
        chat_id: object,
        *,
        chat_type: str | None = None,
        title: str | None = None,
        user: JSONDict | None = None,
    ) -> JSONDict:
        """The chat with this id, made up (and remembered) the first time it is seen: positive
        ids are private chats, negative ones groups (supergroups from -10**12 down)."""
        key = _chat_key(chat_id)
        if not isinstance(key, int):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self._chats.get(key)
        if key > 0:
            if chat is None:
                known = self._users.get(key) or (user if user and user["id"] == key else None)
                chat = self._private_chat(known or self._user(key, None, None, None))
        elif chat is None or title or chat_type:
            previous = chat or {}
            kind = (
                chat_type or previous.get("type") or ("supergroup" if key <= -(10**12) else "group")
            )
            chat = {
                "id": key,
                "type": kind,
                "title": title or previous.get("title") or f"测试群 {-key}",
            }
        self._chats[key] = chat
        return chat

    def _origin(self, user_id: int, origin: Origin) -> tuple[JSONDict, JSONDict]:
        user = self._user(
            user_id, origin.get("first_name"), origin.get("language_code"), origin.get("username")
        )
        chat = self._chat(
            origin.get("chat_id", user_id),
            chat_type=origin.get("chat_type"),
            title=origin.get("title"),
            user=user,
        )
        return user, chat

    def _incoming(self, user_id: int, origin: Origin, content: JSONDict) -> JSONDict:
        user, chat = self._origin(user_id, origin)
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self._messages[(chat["id"], message["message_id"])] = message
        return self.push({"message": message})

    def _next_message_id(self, chat_id: object) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def forget_file(self, file_id: str) -> None:
        """Telegram no longer knows this file_id (another bot's, or gone): getFile and sending
        it answer 400, and its download path 404."""
        stored = self._files.pop(file_id)
        self._files_by_path.pop(stored.path, None)

    def _store_file(
        self, data: bytes, folder: str, suffix: str, file_id: str | None
    ) -> _StoredFile:
        number = next(self._counter)
        stored = _StoredFile(
            file_id=file_id or f"{folder.rstrip('s')}-{number}",
            unique_id=f"u{number}",
            path=f"{folder}/file_{number}{suffix}",
            data=data,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    # HTTP routing

    async def _route(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, str]:
        path, _, query = target.partition("?")
        path = unquote(path)  # python-telegram-bot quotes file URLs, token included
        try:
            if path.startswith("/bot"):
                token, _, method = path[4:].partition("/")
                params = _parse_params(query, headers.get("content-type", ""), body)
                status, payload = await self._api_call(token, method, params)
            elif path.startswith("/file/bot") and verb == "GET":
                token, _, file_path = path[9:].partition("/")
                stored = self._files_by_path.get(file_path)
                if token != self.token or stored is None:
                    raise ApiError(404, "Not Found")
                return 200, stored.data, "application/octet-stream"
            elif path.startswith("/_control/"):
                status, payload = self._control(verb, path[10:], query, body)
            else:
                raise ApiError(404, "Not Found")
        except ApiError as error:
            status, payload = error.status, error.payload()
        except (ValueError, TypeError, KeyError) as error:
            status, payload = 400, ApiError(400, f"Bad Request: {error}").payload()
        except Exception as error:  # a fault in the fake reaches the client, not a dead socket
            status, payload = 500, ApiError(500, f"Internal Server Error: {error!r}").payload()
        return status, _dumps(payload), _JSON_TYPE

    def _control(self, verb: str, action: str, query: str, body: bytes) -> tuple[int, JSONDict]:
        """For a second process: `GET calls?method=&since=` lists recorded calls; `POST push`
        takes an update; `POST text|callback|location|photo|document|my_chat_member|fail|delay`
        take the keyword arguments of the method of the same name as a JSON object."""
        if verb == "GET" and action == "calls":
            options = dict(parse_qsl(query))
            name = options.get("method", "").lower()
            calls = self.calls[int(options.get("since", 0)) :]
            result = [
                {
                    "method": c.method,
                    "params": c.params,
                    "at": c.at,
                    "status": c.status,
                    "result": c.result,
                    "description": c.description,
                }
                for c in calls
                if not name or c.method.lower() == name
            ]
            return 200, {"ok": True, "result": result}
        actions: dict[str, Callable[..., Any]] = {
            "text": self.text,
            "callback": self.callback,
            "location": self.location,
            "photo": self.photo,
            "document": self.document,
            "my_chat_member": self.my_chat_member,
            "fail": self.fail,
            "delay": self.delay,
        }
        if verb != "POST" or (action != "push" and action not in actions):
            return 404, ApiError(404, "Not Found").payload()
        arguments = json.loads(body or b"{}")
        if not isinstance(arguments, dict):
            raise ApiError(400, "Bad Request: expected a JSON object")
        done = self.push(arguments) if action == "push" else actions[action](**arguments)
        return 200, {"ok": True, "result": True if done is None else done}

    async def _api_call(self, token: str, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        at = self._clock()
        name = method.lower()
        failure: ApiError | None = None
        try:
            result = await self._answer(token, name, params)
        except ApiError as error:
            failure = error
        except (ValueError, TypeError, KeyError) as error:  # missing or malformed parameters
            failure = ApiError(400, f"Bad Request: {error}")
        if failure is None:
            call = Call(method, params, at, 200, result)
            payload: JSONDict = {"ok": True, "result": result}
        else:
            call = Call(method, params, at, failure.status, None, failure.description)
            payload = failure.payload()
        self.calls.append(call)
        self._call_signal = _fire(self._call_signal)
        seconds = self._take_delay(name)
        if seconds:
            await asyncio.sleep(seconds)
        return call.status, payload

    async def _answer(self, token: str, name: str, params: JSONDict) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        self._take_fault(name, params)
        if self._limits is not None and name in _SEND_METHODS:
            retry_after = self._limits.admit(_chat_key(params.get("chat_id")))
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        if name == "getupdates":
            return await self._get_updates(params)
        return self._methods.get(name, self._other_method(name))(params)

    def _other_method(self, name: str) -> Callable[[JSONDict], Any]:
        if name in _SEND_METHODS and name != "sendmediagroup":
            return lambda p: self._post(self._target_chat(p), p, **_caption(p))
        return lambda _: True

    # Bot API methods

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed: list[str] | None = params.get("allowed_updates") or None
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._pollers += 1
        self._poller_signal = _fire(self._poller_signal)
        try:
            while True:
                event = self._update_signal
                if allowed is not None:
                    self._updates = deque(u for u in self._updates if _update_kind(u) in allowed)
                remaining = deadline - loop.time()
                if self._updates or remaining <= 0:
                    return list(itertools.islice(self._updates, limit))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            self._pollers -= 1
            self._poller_signal = _fire(self._poller_signal)

    def _set_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = str(params.get("url") or "")
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be a list")
        self._commands[self._commands_key(params)] = commands
        return True

    def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _target_chat(self, params: JSONDict) -> JSONDict:
        chat_id = _chat_key(params.get("chat_id"))
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self._removed:
            raise ApiError(403, self._removed[chat_id])
        return self._chat(chat_id)

    def _post(self, chat: JSONDict, params: JSONDict, **content: Any) -> JSONDict:
        """A new message from the bot, remembered so it can be edited and inspected."""
        markup = _inline_markup(params)
        message: JSONDict = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        self._sent.append(message)
        return message

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        return self._post(chat, params, text=_message_text(params))

    def _copy_message(self, params: JSONDict) -> JSONDict:
        return {"message_id": self._post(self._target_chat(params), params)["message_id"]}

    def _send_chat_action(self, params: JSONDict) -> bool:
        self._target_chat(params)
        return True

    def _upload(
        self, params: JSONDict, field: str, folder: str, suffix: str
    ) -> tuple[_StoredFile, UploadedFile | None]:
        """The file a send method refers to: a fresh upload, a known file_id, or a URL."""
        value = params.get(field)
        if isinstance(value, UploadedFile):
            return self._store_file(value.data, folder, suffix, None), value
        if isinstance(value, str) and value in self._files:
            return self._files[value], None
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store_file(b"", folder, suffix, None), None
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _send_photo(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        caption = _caption(params)
        stored, _ = self._upload(params, "photo", "photos", ".jpg")
        width, height = _PHOTO_SIZES[2]
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }
        return self._post(chat, params, photo=[size], **caption)

    def _send_document(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        caption = _caption(params)
        stored, upload = self._upload(params, "document", "documents", "")
        name = upload.filename if upload else stored.path.rsplit("/", 1)[-1]
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": name,
            "file_size": len(stored.data),
            "mime_type": upload.content_type if upload else "application/octet-stream",
        }
        return self._post(chat, params, document=document, **caption)

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        message = self._messages.get((_chat_key(params.get("chat_id")), params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _replace(self, message: JSONDict, markup: JSONDict | None, **changes: Any) -> JSONDict:
        # Telegram drops the inline keyboard when an edit does not repeat it.
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        edited.update(changes, edit_date=int(time.time()))
        if markup is not None:
            edited["reply_markup"] = markup
        self._messages[(message["chat"]["id"], message["message_id"])] = edited
        return edited

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _message_text(params)
        markup = _inline_markup(params)
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        return self._replace(message, markup, text=text)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        markup = _inline_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        return self._replace(message, markup)

    def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._target_chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": _ACCEPTED_GIFTS,
        }

    def _leave_chat(self, params: JSONDict) -> bool:
        chat = self._target_chat(params)
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._removed[chat["id"]] = self._removal_reason(chat, "left")
        return True


# --- standalone ----------------------------------------------------------------------------


async def _serve_until_stopped(args: argparse.Namespace) -> None:
    api = FakeBotApi(args.token, host=args.host, port=args.port, enforce_limits=args.enforce_limits)
    async with api:
        print(api.base_url, flush=True)
        print(api.base_file_url, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Telegram Bot API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--enforce-limits",
        action="store_true",
        help="answer 429 beyond Telegram's broadcast limits",
    )
    asyncio.run(_serve_until_stopped(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
