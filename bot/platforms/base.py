"""What the core asks of a platform: to send a Reply to one of its chats."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Reply


class ChatUnreachable(Exception):
    """The platform refuses: the bot was removed, blocked, or the chat no longer exists."""


class TemporaryFailure(Exception):
    """Worth trying again later (rate limit, network, a 5xx); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Transport(Protocol):
    platform: str

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver one reply; raise ChatUnreachable or TemporaryFailure, or succeed."""
        ...
