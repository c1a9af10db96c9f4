"""What a handler or a flow step sees: the message, the person, the app, and a place for replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.i18n import text
from bot.messages import Chat, Incoming, Link, Option, Reply
from bot.users import User

if TYPE_CHECKING:
    from bot.app import App


@dataclass
class Context:
    app: App
    incoming: Incoming
    user: User
    lang: str
    replies: list[Reply] = field(default_factory=list)

    @property
    def chat(self) -> Chat:
        return self.incoming.chat

    def t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def say(
        self,
        key: str,
        /,
        *,
        options: Sequence[Option] = (),
        links: Sequence[Link] = (),
        **params: object,
    ) -> None:
        """Reply with a catalogue text in this person's language."""
        self.replies.append(Reply(self.t(key, **params), tuple(options), tuple(links)))

    def reply(self, reply: Reply) -> None:
        self.replies.append(reply)
