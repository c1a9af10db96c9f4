"""python-telegram-bot's HTTP requests, sent a layer lower.

Each Bot API call went through httpx's client (building a Request, merging URLs, headers and
cookies, the auth and redirect machinery, a Response wrapper) before reaching httpcore's
connection pool, which does the actual HTTP. For a form-encoded POST to one host with no
cookies, redirects or auth, that layer was about a third of a call's CPU; a button press makes
three calls. Plain calls now go to the same client's pool directly; uploads (multipart) and
anything unexpected still go through httpx as before. Errors keep python-telegram-bot's kinds:
a timeout is ``TimedOut``, anything else on the wire ``NetworkError``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import httpcore
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

FORM = b"application/x-www-form-urlencoded"


class LeanRequest(HTTPXRequest):
    def _pool(self) -> httpcore.AsyncConnectionPool | None:
        # httpx's default transport keeps its httpcore pool here; if a later httpx moves it,
        # every call simply takes the longer way.
        pool = getattr(getattr(self._client, "_transport", None), "_pool", None)
        return pool if isinstance(pool, httpcore.AsyncConnectionPool) else None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        pool = self._pool()
        uploads = request_data is not None and request_data.contains_files
        if pool is None or self._client.is_closed or uploads:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        default = self._client.timeout
        timeouts = {
            "connect": _given(connect_timeout, default.connect),
            "read": _given(read_timeout, default.read),
            "write": _given(write_timeout, default.write),
            "pool": _given(pool_timeout, default.pool),
        }
        body = urlencode(request_data.json_parameters).encode() if request_data else b""
        host = urlsplit(url).netloc.encode()
        headers = [
            (b"Host", host),
            (b"User-Agent", self.USER_AGENT.encode()),
            (b"Content-Type", FORM),
            (b"Content-Length", str(len(body)).encode()),
        ]
        try:
            response = await pool.request(
                method, url, headers=headers, content=body, extensions={"timeout": timeouts}
            )
        except httpcore.PoolTimeout as exc:
            raise TimedOut("Pool timeout: all connections are in use; not sent") from exc
        except httpcore.TimeoutException as exc:
            raise TimedOut from exc
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            httpcore.ProxyError,
            OSError,
        ) as exc:
            raise NetworkError(f"httpcore.{type(exc).__name__}: {exc}") from exc
        return response.status, response.content


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


POOL_WAIT = 5.0  # seconds a call may wait for a free connection (it has not been sent yet)


def lean_request(connections: int, timeout: float | None = None) -> LeanRequest:
    """``timeout``: every timeout the same (the tests' slow fakes); None keeps
    python-telegram-bot's defaults (5 s; 20 s for an upload) but waits up to ``POOL_WAIT``
    for a free connection rather than 1 s."""
    if timeout is None:
        return LeanRequest(connection_pool_size=connections, pool_timeout=POOL_WAIT)
    return LeanRequest(
        connection_pool_size=connections,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
        media_write_timeout=timeout,
    )
