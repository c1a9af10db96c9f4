"""WeCom's server API for a self-built app (自建应用): access token, message/send, media, cards.

The access token is cached until shortly before it expires and fetched again, once, when WeCom
calls it invalid or expired. Every WeCom error code becomes a log line naming the code and its
meaning, and an exception the postman understands: TemporaryFailure (worth retrying),
ChatUnreachable (the person cannot be reached) or WeComApiError (a setup fault to fix).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.clock import Clock
from bot.platforms.base import ChatUnreachable, TemporaryFailure

log = logging.getLogger(__name__)

TOKEN_MARGIN = timedelta(minutes=5)  # fetch a new token this long before the old one expires
TIMEOUT_SECONDS = 10.0
BUSY_RETRY_SECONDS = 60.0

# https://developer.work.weixin.qq.com/document/path/90313 (全局错误码), the ones met in practice.
ERRORS: dict[int, str] = {
    -1: "WeCom is busy (系统繁忙)",
    40001: "invalid secret: check JUWEI_WECOM_SECRET (不合法的secret参数)",
    40003: "invalid UserID (无效的UserID)",
    40004: "invalid media type (不合法的媒体文件类型)",
    40007: "invalid media_id (不合法的媒体文件id)",
    40008: "invalid message type (不合法的消息类型)",
    40013: "invalid corp id: check JUWEI_WECOM_CORP_ID (不合法的CorpID)",
    40014: "invalid access_token (不合法的access_token)",
    40056: "invalid agent id: check JUWEI_WECOM_AGENT_ID (不合法的agentid)",
    40058: "invalid parameter (不合法的参数)",
    41001: "access_token missing (缺少access_token参数)",
    42001: "access_token expired (access_token已过期)",
    42009: "token expired (token已过期)",
    44004: "empty text content (文本消息content参数为空)",
    45002: "message too long (消息内容大小超过限制)",
    45009: "API call frequency exceeded (接口调用超过限制)",
    45033: "too many concurrent calls (接口并发调用超过限制)",
    48002: "the app may not call this API (API接口无权限调用)",
    60011: "no permission for this member (指定的成员/部门/标签参数无权限)",
    60020: "this server's IP is not in the app's trusted IPs (不安全的访问IP, 企业可信IP)",
    60111: "UserID not found (UserID不存在)",
    81013: "the person is not in the app's visible range (UserID、部门ID、标签ID全部非法或无权限)",
    93000: "invalid robot webhook: wrong key, or the robot left the group (webhook地址不合法)",
}
INVALID_MEDIA_ID = 40007  # also what an expired media_id (3 days) gets
TOKEN_EXPIRED = frozenset({40014, 42001, 42009})
RETRY_LATER = frozenset({-1, 45009, 45033, 60020, *TOKEN_EXPIRED})
UNREACHABLE = frozenset({40003, 60111, 81013, 93000})


def meaning(code: int) -> str:
    return ERRORS.get(code, "see WeCom's global error codes (全局错误码)")


def quiet_httpx() -> None:
    """httpx logs request URLs at INFO, and WeCom carries the secret, the access token and
    robot keys in the query string: keep them out of the log."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


class WeComApiError(Exception):
    """WeCom refused a call for a reason retrying will not fix (usually a setting)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def failure(call: str, code: int, message: str) -> Exception:
    """The exception (and log line) for a WeCom error code."""
    error = WeComApiError(f"WeCom {call}: errcode {code}, {meaning(code)}: {message}", code)
    if code in RETRY_LATER:
        log.warning("%s; will retry", error)
        retry = BUSY_RETRY_SECONDS if code in (45009, 45033) else None
        return TemporaryFailure(str(error), retry_after=retry)
    if code in UNREACHABLE:
        log.warning("%s", error)
        return ChatUnreachable(str(error))
    log.error("%s", error)
    return error


def errcode(data: dict[str, Any]) -> int:
    try:
        return int(data.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


async def request(
    client: httpx.AsyncClient, call: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """One HTTP exchange; network faults and 5xx answers become TemporaryFailure."""
    if client.is_closed:  # stopping: what the postman still holds goes out after the restart
        raise TemporaryFailure(f"WeCom {call}: stopping")
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        # The exception text may carry the URL, and with it a token or key.
        log.warning("WeCom %s: network error %s", call, type(exc).__name__)
        raise TemporaryFailure(f"WeCom {call}: network error {type(exc).__name__}") from None
    if response.status_code == 429 or response.status_code >= 500:
        log.warning("WeCom %s: HTTP %s", call, response.status_code)
        raise TemporaryFailure(f"WeCom {call}: HTTP {response.status_code}")
    if response.status_code != 200:
        error = WeComApiError(
            f"WeCom {call}: HTTP {response.status_code}; check JUWEI_WECOM_API_BASE"
        )
        log.error("%s", error)
        raise error
    return response


def json_of(call: str, response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        log.warning("WeCom %s: answer is not JSON", call)
        raise TemporaryFailure(f"WeCom {call}: answer is not JSON") from None
    if not isinstance(data, dict):
        raise TemporaryFailure(f"WeCom {call}: answer is not a JSON object")
    return data


class WeComApi:
    def __init__(
        self,
        *,
        base_url: str,
        corp_id: str,
        agent_id: int,
        secret: str,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        quiet_httpx()
        self.agent_id = agent_id
        self._corp_id = corp_id
        self._secret = secret
        self._clock = clock
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=TIMEOUT_SECONDS, transport=transport
        )
        self._token: str | None = None
        self._expires: datetime | None = None
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        await self._client.aclose()

    # -- access token -----------------------------------------------------------------------

    async def access_token(self) -> str:
        async with self._token_lock:
            now = self._clock.now()
            if self._token is not None and self._expires is not None and now < self._expires:
                return self._token
            response = await request(
                self._client,
                "gettoken",
                "GET",
                "/cgi-bin/gettoken",
                params={"corpid": self._corp_id, "corpsecret": self._secret},
            )
            data = json_of("gettoken", response)
            if code := errcode(data):
                raise failure("gettoken", code, str(data.get("errmsg", "")))
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise TemporaryFailure("WeCom gettoken: no access_token in the answer")
            lifetime = timedelta(seconds=int(data.get("expires_in", 7200)))
            self._token = token
            self._expires = now + max(lifetime - TOKEN_MARGIN, timedelta(0))
            return token

    def _forget(self, token: str) -> None:
        # Only the token that failed: another task may already have fetched a fresh one.
        if self._token == token:
            self._token = None

    async def call(
        self,
        name: str,
        path: str,
        *,
        method: str = "POST",
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """An API call with the access token, fetched again once if WeCom says it expired."""
        for attempt in (1, 2):
            token = await self.access_token()
            response = await request(
                self._client,
                name,
                method,
                path,
                params={**(params or {}), "access_token": token},
                json=json,
                files=files,
            )
            if not response.headers.get("content-type", "").startswith(
                ("application/json", "text/plain")
            ):
                return response  # media bytes
            data = json_of(name, response)
            code = errcode(data)
            if code in TOKEN_EXPIRED and attempt == 1:
                log.info(
                    "WeCom %s: errcode %s, %s; fetching a new token", name, code, meaning(code)
                )
                self._forget(token)
                continue
            if code:
                raise failure(name, code, str(data.get("errmsg", "")))
            return response
        raise AssertionError("unreachable")

    async def call_json(self, name: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return json_of(name, await self.call(name, path, **kwargs))

    # -- messages ---------------------------------------------------------------------------

    async def send(self, user_id: str, message: dict[str, Any]) -> None:
        """message/send to one person; ``message`` holds msgtype and its body."""
        payload = {"touser": user_id, "agentid": self.agent_id, **message}
        data = await self.call_json("message/send", "/cgi-bin/message/send", json=payload)
        for field in ("invaliduser", "unlicenseduser"):
            if data.get(field):
                log.warning("WeCom message/send: %s %s", field, data[field])
                raise ChatUnreachable(
                    f"WeCom message/send: {field} (not in the app's visible range, "
                    "no longer a member, or without a licence)"
                )

    async def send_text(self, user_id: str, content: str) -> None:
        await self.send(user_id, {"msgtype": "text", "text": {"content": content}})

    async def send_markdown(self, user_id: str, content: str) -> None:
        await self.send(user_id, {"msgtype": "markdown", "markdown": {"content": content}})

    async def send_card(self, user_id: str, card: dict[str, Any]) -> None:
        await self.send(user_id, {"msgtype": "template_card", "template_card": card})

    async def send_media(self, user_id: str, kind: str, media_id: str) -> None:
        await self.send(user_id, {"msgtype": kind, kind: {"media_id": media_id}})

    async def update_card_button(self, user_id: str, response_code: str, replace_name: str) -> None:
        """Turn the pressed card's buttons into one disabled button reading ``replace_name``."""
        await self.call_json(
            "message/update_template_card",
            "/cgi-bin/message/update_template_card",
            json={
                "userids": [user_id],
                "agentid": self.agent_id,
                "response_code": response_code,
                "button": {"replace_name": replace_name},
            },
        )

    # -- media ------------------------------------------------------------------------------

    async def upload(self, kind: str, name: str, data: bytes, mime_type: str) -> str:
        """media/upload (kind image or file); the media_id is valid for three days."""
        answer = await self.call_json(
            "media/upload",
            "/cgi-bin/media/upload",
            params={"type": kind},
            files={"media": (name, data, mime_type)},
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise TemporaryFailure("WeCom media/upload: no media_id in the answer")
        return media_id

    async def download(self, media_id: str) -> bytes:
        """media/get: the bytes of a photo a person sent."""
        response = await self.call(
            "media/get", "/cgi-bin/media/get", method="GET", params={"media_id": media_id}
        )
        return response.content
