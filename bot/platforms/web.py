"""The one HTTP server: WeCom callback, Telegram webhook when on, and /healthz."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route


def build_web_app(routes: Sequence[BaseRoute], healthy: Callable[[], bool]) -> Starlette:
    async def healthz(request: Request) -> PlainTextResponse:
        if healthy():
            return PlainTextResponse("ok")
        return PlainTextResponse("stopping", status_code=503)

    return Starlette(routes=[Route("/healthz", healthz), *routes])
