"""A lean fake WeCom for benchmarks: gettoken, message/send and webhook/send on 127.0.0.1.

An asyncio protocol with no HTTP library, like ``bench/lean_api.py``: it keeps what each
message/send and webhook/send carried (who, what, when) and answers ``ok`` after an optional
delay standing for the network round trip to Tencent, so postmen that send side by side show
it. A message is recorded when it arrives, as WeCom would act on it: a sender killed before
the answer came back has still delivered it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_ANSWER = b'{"errcode":0,"errmsg":"ok","access_token":"bench-token","expires_in":7200}'
OK = b'{"errcode":0,"errmsg":"ok"}'


@dataclass
class Received:
    at: float
    body: dict[str, Any]


@dataclass
class FakeWeCom:
    latency: float = 0.0
    app_messages: dict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    robot_messages: dict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    arrivals: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Protocol(self), "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def reset(self) -> None:
        self.app_messages.clear()
        self.robot_messages.clear()

    def robot_count(self) -> int:
        return sum(len(v) for v in self.robot_messages.values())

    def _record(self, path: str, query: str, body: bytes) -> None:
        now = time.perf_counter()
        if path == "/cgi-bin/message/send":
            payload = json.loads(body)
            self.app_messages[str(payload.get("touser"))].append(Received(now, payload))
        elif path == "/cgi-bin/webhook/send":
            key = parse_qs(query).get("key", [""])[0]
            self.robot_messages[key].append(Received(now, json.loads(body)))
        self.arrivals.set()


class _Protocol(asyncio.Protocol):
    def __init__(self, fake: FakeWeCom) -> None:
        self.fake = fake
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length :]
            method, target, _ = head.split(" ", 2)
            url = urlsplit(target)
            if method == "POST":
                self.fake._record(url.path, url.query, body)
            answer = TOKEN_ANSWER if url.path == "/cgi-bin/gettoken" else OK
            if self.fake.latency and method == "POST":
                asyncio.get_running_loop().call_later(self.fake.latency, self._answer, answer)
            else:
                self._answer(answer)

    def _answer(self, body: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
