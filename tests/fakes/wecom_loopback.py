"""WeCom's gettoken and message/send on 127.0.0.1 for ``juwei run`` in a subprocess: a real
HTTP server (the in-process ``FakeWeCom`` is an httpx transport), keeping the bodies it was
sent, with a gate to make WeCom slow to answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.wecom_api import SECRET


class LoopbackWeCom(ThreadingHTTPServer):
    """WeCom's gettoken and message/send on 127.0.0.1, keeping the bodies it was sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sent: list[dict[str, Any]] = []
        # While closed, message/send calls wait here (a WeCom that is slow to answer); a call
        # let through with ``drop`` set is not recorded (its sender was killed meanwhile).
        self.gate = threading.Event()
        self.gate.set()
        self.held = 0
        self.dropped = 0
        self.drop = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackWeCom

    def _answer(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/cgi-bin/gettoken" and query.get("corpsecret") == [SECRET]:
            self._answer({"errcode": 0, "access_token": "loop-token", "expires_in": 7200})
        else:
            self._answer({"errcode": 40001, "errmsg": "invalid secret"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if parse_qs(url.query).get("access_token") != ["loop-token"]:
            self._answer({"errcode": 40014, "errmsg": "invalid access_token"})
            return
        if url.path == "/cgi-bin/message/send":
            if not self.server.gate.is_set():
                self.server.held += 1
                self.server.gate.wait(30)
                if self.server.drop:
                    self.server.dropped += 1
                    return
            self.server.sent.append(json.loads(body))
        self._answer({"errcode": 0, "errmsg": "ok"})

    def log_message(self, format: str, *args: Any) -> None:
        pass
