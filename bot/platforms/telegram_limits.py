"""Pacing sends to Telegram's limits: bulk messages, not answers.

Telegram allows about 30 messages a second in bulk notifications and 20 a minute to one
group. The outbox (broadcasts, notices, notifications) is paced to that before sending. An
answer to the person who just wrote is sent at once: pacing it would put every conversation
behind the bulk budget (at 30 requests a second, under 20 updates a second), and a flood
answer from Telegram is still honoured by ``Sender.call``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

ANSWER = -1  # ``rate_limit_args`` of a direct answer: not paced

Result = bool | dict[str, Any] | list[dict[str, Any]]


class BulkRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if rate_limit_args == ANSWER:
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
