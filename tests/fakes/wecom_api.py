"""A fake WeCom for tests: the server API behind an httpx MockTransport, and signed callbacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.platforms.wecom.crypto import WeComCrypto

CORP_ID = "ww5823bf96d3bd56c7"
AGENT_ID = 1000002
SECRET = "app-secret-do-not-log"
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
ROBOT_KEY = "robot-key-do-not-log"

NEEDS_TOKEN = ("/cgi-bin/message/", "/cgi-bin/media/")


@dataclass
class Call:
    path: str
    params: dict[str, str]
    body: dict[str, Any] | None
    raw: bytes
    answer: dict[str, Any] | None = None


@dataclass
class FakeWeCom:
    """Answers like WeCom and keeps every request with its real body."""

    calls: list[Call] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    # path -> answers to give (in order) instead of the normal one
    scripted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    on_request: Callable[[Call], None] | None = None
    # media_id -> bytes media/get serves (other ids get a stub); ids in ``expired_media`` are
    # answered errcode 40007 by media/get and message/send, as WeCom does after 3 days.
    media: dict[str, bytes] = field(default_factory=dict)
    expired_media: set[str] = field(default_factory=set)
    uploads: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        response = self._answer(request)
        if response.headers.get("content-type", "").startswith("application/json"):
            self.calls[-1].answer = json.loads(response.content)
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        raw = request.content
        body = None
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(raw)
        call = Call(request.url.path, dict(request.url.params), body, raw)
        self.calls.append(call)
        if self.on_request is not None:
            self.on_request(call)
        queued = self.scripted.get(call.path)
        if queued:
            return httpx.Response(200, json=queued.pop(0))
        if call.path == "/cgi-bin/gettoken":
            if call.params.get("corpsecret") != SECRET:
                return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid secret"})
            self.issued += 1
            token = f"token-{self.issued}"
            self.valid_tokens.add(token)
            return httpx.Response(
                200, json={"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
            )
        if call.path.startswith(NEEDS_TOKEN) and call.params.get("access_token") not in (
            self.valid_tokens
        ):
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})
        if self._expired(call):
            return httpx.Response(200, json={"errcode": 40007, "errmsg": "invalid media_id"})
        if call.path == "/cgi-bin/media/upload":
            self.uploads += 1
            media_id = f"m-{self.uploads}"
            self.media[media_id] = uploaded_file(request)
            return httpx.Response(200, json={"errcode": 0, "type": "image", "media_id": media_id})
        if call.path == "/cgi-bin/media/get":
            data = self.media.get(call.params.get("media_id", ""), b"\xff\xd8jpeg")
            return httpx.Response(200, content=data, headers={"content-type": "image/jpeg"})
        if call.path == "/cgi-bin/webhook/upload_media":
            return httpx.Response(200, json={"errcode": 0, "media_id": "robot-m-1"})
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    def _expired(self, call: Call) -> bool:
        if call.path == "/cgi-bin/media/get":
            return call.params.get("media_id") in self.expired_media
        if call.path == "/cgi-bin/message/send" and call.body is not None:
            kind = call.body.get("msgtype")
            media = call.body.get(kind) if isinstance(kind, str) else None
            return isinstance(media, dict) and media.get("media_id") in self.expired_media
        return False

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def script(self, path: str, *answers: dict[str, Any]) -> None:
        self.scripted.setdefault(path, []).extend(answers)

    def to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Bodies of message/send calls WeCom accepted."""
        return [
            call.body
            for call in self.to("/cgi-bin/message/send")
            if call.body is not None and call.answer is not None and call.answer["errcode"] == 0
        ]

    def texts(self) -> list[str]:
        return [shown(body) for body in self.sent]


def uploaded_file(request: httpx.Request) -> bytes:
    """The file's bytes in a multipart media/upload body."""
    boundary = request.headers["content-type"].partition("boundary=")[2].encode()
    for part in request.content.split(b"--" + boundary):
        head, sep, body = part.partition(b"\r\n\r\n")
        if sep and b"filename=" in head:
            return body.removesuffix(b"\r\n")
    raise ValueError("no file in the upload")


def shown(body: dict[str, Any]) -> str:
    """What a person reads of one message/send or webhook body."""
    kind = body["msgtype"]
    if kind == "template_card":
        card = body["template_card"]
        buttons = " | ".join(b["text"] for b in card["button_list"])
        return f"{card['sub_title_text']} [{buttons}]"
    if kind in ("text", "markdown"):
        return str(body[kind]["content"])
    return f"<{kind}>"


def crypto(corp_id: str = CORP_ID) -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, corp_id)


def message_xml(
    user: str,
    created: int,
    *,
    msg_type: str = "text",
    corp_id: str = CORP_ID,
    agent_id: int = AGENT_ID,
    **fields: str | int | float,
) -> str:
    parts = [
        f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>",
        f"<FromUserName><![CDATA[{user}]]></FromUserName>",
        f"<CreateTime>{created}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
        f"<AgentID>{agent_id}</AgentID>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def signed_post(
    plaintext: str,
    *,
    timestamp: str = "1409659813",
    nonce: str = "1372623149",
    sealer: WeComCrypto | None = None,
    corp_id: str = CORP_ID,
) -> tuple[str, bytes]:
    """The query string and body WeCom would POST for this decrypted message."""
    sealed = (sealer or crypto()).encrypt(plaintext, timestamp=timestamp, nonce=nonce)
    query = urlencode({"msg_signature": sealed.signature, "timestamp": timestamp, "nonce": nonce})
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        f"<Encrypt><![CDATA[{sealed.encrypted}]]></Encrypt>"
        f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>"
    ).encode()
    return query, body


def signed_get(echo: str, *, timestamp: str = "1409659589", nonce: str = "263014780") -> str:
    sealed = crypto().encrypt(echo, timestamp=timestamp, nonce=nonce)
    return urlencode(
        {
            "msg_signature": sealed.signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": sealed.encrypted,
        }
    )


def wecom_settings(**extra: Any) -> dict[str, Any]:
    return {
        "wecom_corp_id": CORP_ID,
        "wecom_agent_id": AGENT_ID,
        "wecom_secret": SECRET,
        "wecom_token": TOKEN,
        "wecom_aes_key": AES_KEY,
        "wecom_api_base": "https://qyapi.example",
        **extra,
    }


def wecom_env(api_base: str, port: int) -> dict[str, str]:
    """The same settings as environment variables, for ``juwei run`` in a subprocess serving
    the callback on ``port`` and calling WeCom at ``api_base``."""
    settings = wecom_settings(wecom_api_base=api_base)
    return {"JUWEI_HTTP_PORT": str(port)} | {
        f"JUWEI_{name.upper()}": str(value) for name, value in settings.items()
    }
