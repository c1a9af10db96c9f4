"""WeCom OAuth2's last step: the code WeCom gave the browser, exchanged for the member's userid.

``GET /cgi-bin/auth/getuserinfo?access_token=…&code=…`` answers ``userid`` for a member of
the corp (developer.work.weixin.qq.com/document/path/91023); a non-member gets ``openid``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.platforms.base import ChatUnreachable, TemporaryFailure
from bot.platforms.wecom.api import WeComApi, WeComApiError

log = logging.getLogger(__name__)

UserIdLookup = Callable[[str], Awaitable[str | None]]


def lookup(api: WeComApi) -> UserIdLookup:
    async def userid(code: str) -> str | None:
        try:
            data = await api.call_json(
                "auth/getuserinfo", "/cgi-bin/auth/getuserinfo", method="GET", params={"code": code}
            )
        except (WeComApiError, TemporaryFailure, ChatUnreachable) as exc:
            log.warning("WeCom sign-in: the code was refused (%s)", exc)
            return None
        found = data.get("userid")
        return found if isinstance(found, str) and found else None

    return userid
