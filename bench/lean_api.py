"""A lean fake Bot API for the throughput benchmark: an asyncio protocol (no streams, no
framework) that answers from precomputed bytes where it can, so that the bot, not the fake, is
what a benchmark measures.

It speaks what python-telegram-bot 22 and juwei call while handling messages and button presses:
getMe, getUpdates (long polling with offsets), sendMessage, answerCallbackQuery, editMessageText,
editMessageReplyMarkup, editMessageCaption, setMyCommands and the like (answered ``true``). It
keeps no record of calls: whoever feeds it updates gets each sendMessage through ``on_message``
with the server's clock. Faults, limits, files and HTML checks live in tests/fakes/telegram_api.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

JSONDict = dict[str, object]

BOT_ID = 777001
_BOT_USER = (
    f'{{"id":{BOT_ID},"is_bot":true,"first_name":"居委助手","username":"juwei_bench_bot",'
    '"can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false}'
)
_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
_TRUE = b'{"ok":true,"result":true}'
_EMPTY = b'{"ok":true,"result":[]}'
_ME = f'{{"ok":true,"result":{_BOT_USER}}}'.encode()
_COMMANDS = b'{"ok":true,"result":[]}'
_NOT_FOUND = b'{"ok":false,"error_code":404,"description":"Not Found"}'


def _response(payload: bytes, status: bytes = b"200 OK") -> bytes:
    head = _HEAD if status == b"200 OK" else _HEAD.replace(b"200 OK", status)
    return head + str(len(payload)).encode() + b"\r\n\r\n" + payload


_RESPONSE_TRUE = _response(_TRUE)
_RESPONSE_EMPTY = _response(_EMPTY)
_RESPONSE_ME = _response(_ME)
_RESPONSE_COMMANDS = _response(_COMMANDS)
_RESPONSE_NOT_FOUND = _response(_NOT_FOUND, b"404 Not Found")


@dataclass(slots=True)
class Sent:
    """A message the bot sent, as the load sees it: when it arrived, its text and buttons."""

    at: float
    chat_id: int
    message_id: int
    text: str
    markup: str | None  # the reply_markup parameter as sent (JSON), if any


@dataclass(slots=True)
class Queued:
    update_id: int
    body: bytes
    on_handed: Callable[[float], None] | None


class _Poll:
    """A getUpdates request waiting for updates."""

    __slots__ = ("conn", "limit", "offset", "timer")

    def __init__(self, conn: _Connection, offset: int, limit: int) -> None:
        self.conn = conn
        self.offset = offset
        self.limit = limit
        self.timer: asyncio.TimerHandle | None = None


class LeanBotApi:
    """One bot's Bot API on 127.0.0.1. ``push_text``/``push_callback`` queue updates; each
    sendMessage goes to ``on_message``; each answerCallbackQuery is counted per query id."""

    def __init__(self, token: str, on_message: Callable[[Sent], None]) -> None:
        self.token = token
        self.on_message = on_message
        self.answered_queries: dict[str, int] = {}
        self.other_calls: dict[str, int] = {}
        self._prefix = f"/bot{token}/".encode()
        self._updates: deque[Queued] = deque()
        self._next_update_id = 1
        self._next_message_id: dict[int, int] = {}
        self._next_query_id = 1
        self._polls: list[_Poll] = []
        self._wake_pending = False
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self.port = 0
        self.polling = asyncio.Event()  # set once the bot has started a long poll
        self._loop = asyncio.get_running_loop()
        self._date = int(time.time())

    async def start(self) -> None:
        self._server = await self._loop.create_server(
            lambda: _Connection(self), "127.0.0.1", 0, backlog=256
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for poll in self._polls:
            if poll.timer is not None:
                poll.timer.cancel()
        self._polls.clear()
        if self._server is not None:
            self._server.close()
            for conn in list(self._connections):
                conn.transport.close()
            await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- updates in ------------------------------------------------------------------------

    def message_id(self, chat_id: int) -> int:
        number = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = number
        return number

    def push_text(
        self,
        user_json: str,
        chat_json: str,
        chat_id: int,
        text_json: str,
        command_length: int,
        on_handed: Callable[[float], None] | None = None,
    ) -> None:
        """A text message from a user in their private chat. The JSON pieces come ready-made,
        so queueing an update is one string format."""
        entities = (
            f',"entities":[{{"type":"bot_command","offset":0,"length":{command_length}}}]'
            if command_length
            else ""
        )
        update_id = self._next_update_id
        self._next_update_id += 1
        body = (
            f'{{"update_id":{update_id},"message":{{"message_id":{self.message_id(chat_id)},'
            f'"from":{user_json},"chat":{chat_json},"date":{self._date},"text":{text_json}'
            f"{entities}}}}}"
        )
        self._queue(Queued(update_id, body.encode(), on_handed))

    def push_callback(
        self,
        user_json: str,
        chat_json: str,
        pressed: Sent | None,
        data: str,
        on_handed: Callable[[float], None] | None = None,
    ) -> str:
        """A press of a button with ``data`` under the bot's message ``pressed``; returns the
        callback query's id."""
        query_id = str(self._next_query_id)
        self._next_query_id += 1
        message: JSONDict = {
            "message_id": pressed.message_id if pressed else 1,
            "from": json.loads(_BOT_USER),
            "chat": json.loads(chat_json),
            "date": self._date,
            "text": pressed.text if pressed and pressed.text else "…",
        }
        if pressed is not None and pressed.markup:
            message["reply_markup"] = json.loads(pressed.markup)
        update_id = self._next_update_id
        self._next_update_id += 1
        query = {
            "id": query_id,
            "from": json.loads(user_json),
            "chat_instance": str(message["message_id"]),
            "message": message,
            "data": data,
        }
        body = json.dumps(
            {"update_id": update_id, "callback_query": query},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self._queue(Queued(update_id, body.encode(), on_handed))
        return query_id

    def _queue(self, update: Queued) -> None:
        self._updates.append(update)
        if self._polls and not self._wake_pending:
            # Updates pushed in one turn of the loop go out in one getUpdates answer.
            self._wake_pending = True
            self._loop.call_soon(self._wake)

    def _wake(self) -> None:
        self._wake_pending = False
        polls, self._polls = self._polls, []
        for poll in polls:
            if poll.timer is not None:
                poll.timer.cancel()
            self._answer_poll(poll)

    def _answer_poll(self, poll: _Poll) -> None:
        updates = self._updates
        while updates and updates[0].update_id < poll.offset:
            updates.popleft()
        batch = [updates[i] for i in range(min(poll.limit, len(updates)))]
        now = time.perf_counter()
        for update in batch:
            if update.on_handed is not None:
                update.on_handed(now)
                update.on_handed = None  # handed out once; a repeat keeps the first time
        payload = b'{"ok":true,"result":[' + b",".join(u.body for u in batch) + b"]}"
        poll.conn.reply(_response(payload))

    # -- requests --------------------------------------------------------------------------

    def handle(self, conn: _Connection, path: bytes, body: bytes) -> None:
        if not path.startswith(self._prefix):
            conn.reply(_RESPONSE_NOT_FOUND)
            return
        method = path[len(self._prefix) :].split(b"?", 1)[0].lower()
        if method == b"sendmessage":
            conn.reply(self._send_message(body))
        elif method == b"getupdates":
            self._get_updates(conn, body)
        elif method == b"answercallbackquery":
            query_id = _params(body).get("callback_query_id", "")
            self.answered_queries[query_id] = self.answered_queries.get(query_id, 0) + 1
            conn.reply(_RESPONSE_TRUE)
        elif method in (b"editmessagetext", b"editmessagereplymarkup", b"editmessagecaption"):
            conn.reply(self._edited(body))
        elif method == b"getme":
            conn.reply(_RESPONSE_ME)
        elif method == b"getmycommands":
            conn.reply(_RESPONSE_COMMANDS)
        else:  # setMyCommands, deleteWebhook, sendChatAction, …
            name = method.decode()
            self.other_calls[name] = self.other_calls.get(name, 0) + 1
            conn.reply(_RESPONSE_TRUE)

    def _get_updates(self, conn: _Connection, body: bytes) -> None:
        self.polling.set()
        params = _params(body)
        poll = _Poll(conn, int(params.get("offset") or 0), int(params.get("limit") or 100))
        while self._updates and self._updates[0].update_id < poll.offset:
            self._updates.popleft()
        timeout = float(params.get("timeout") or 0)
        if self._updates or timeout <= 0:
            self._answer_poll(poll)
            return
        self._polls.append(poll)

        def expire() -> None:
            if poll in self._polls:
                self._polls.remove(poll)
                conn.reply(_RESPONSE_EMPTY)

        poll.timer = self._loop.call_later(timeout, expire)

    def _send_message(self, body: bytes) -> bytes:
        now = time.perf_counter()
        params = _params(body)
        chat_id = int(params["chat_id"])
        message_id = self.message_id(chat_id)
        self.on_message(
            Sent(now, chat_id, message_id, params.get("text", ""), params.get("reply_markup"))
        )
        return _response(self._message_json(chat_id, message_id))

    def _edited(self, body: bytes) -> bytes:
        params = _params(body)
        if "inline_message_id" in params:
            return _RESPONSE_TRUE
        return _response(self._message_json(int(params["chat_id"]), int(params["message_id"])))

    def _message_json(self, chat_id: int, message_id: int) -> bytes:
        kind = "private" if chat_id > 0 else "group"
        name = '"first_name":"测试用户"' if chat_id > 0 else '"title":"测试群"'
        return (
            f'{{"ok":true,"result":{{"message_id":{message_id},"from":{_BOT_USER},'
            f'"chat":{{"id":{chat_id},"type":"{kind}",{name}}},"date":{self._date}}}}}'
        ).encode()


def _params(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(), keep_blank_values=True)) if body else {}


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies: what httpx sends."""

    def __init__(self, api: LeanBotApi) -> None:
        self.api = api
        self.buffer = b""
        self.transport: asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.api._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.api._connections.discard(self)
        self.api._polls = [p for p in self.api._polls if p.conn is not self]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            at = head.lower().find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(buffer) < end + 4 + length:
                break
            body = buffer[end + 4 : end + 4 + length]
            buffer = buffer[end + 4 + length :]
            path = head.split(b" ", 2)[1]
            self.api.handle(self, path, body)
        self.buffer = buffer

    def reply(self, response: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(response)
