"""Messages to people and groups other than the one being answered, in their own language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import text
from bot.messages import Address, Link, Option, Reply
from bot.outbox import Outbox
from bot.users import User


class Notifier:
    def __init__(self, outbox: Outbox, default_language: str) -> None:
        self._outbox = outbox
        self._default = default_language

    def language_of(self, user: User) -> str:
        return user.language or self._default

    async def user(
        self,
        user: User,
        key: str,
        *,
        options: Sequence[Option] = (),
        links: Sequence[Link] = (),
        dedup_key: str | None = None,
        **params: object,
    ) -> bool:
        """Tell one person something privately, in their language."""
        reply = Reply(text(self.language_of(user), key, **params), tuple(options), tuple(links))
        return await self._outbox.put(user.private_address, reply, dedup_key=dedup_key)

    async def group(self, address: Address, reply: Reply, *, dedup_key: str | None = None) -> bool:
        """Post to a group chat (groups read the subdistrict's default language)."""
        return await self._outbox.put(address, reply, dedup_key=dedup_key)

    def group_text(self, key: str, **params: object) -> str:
        return text(self._default, key, **params)
