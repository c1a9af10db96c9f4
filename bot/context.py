"""What a handler or a flow step sees: the message, the person, the app, and a place for replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.app import App
from bot.i18n import text
from bot.messages import Chat, Incoming, Link, Option, Reply
from bot.roles import Role
from bot.users import User


class MenuEntry(Protocol):
    """One line of /help: a command's name and the catalogue key of its one-line help."""

    @property
    def name(self) -> str: ...
    @property
    def help(self) -> str: ...


class Dispatch(Protocol):
    """The little a handler may ask of the router, without knowing the router.

    Handlers and flows sit below the router; they reach it only through this, so the core
    reads top-down (the way aiogram's FSMContext or NoneBot's Bot are small facades).
    """

    async def start_flow(self, ctx: Context, name: str, args: tuple[str, ...] = ()) -> None:
        """Begin the flow called ``name`` for this person, as if its command had started it."""

    async def run_command(self, ctx: Context, name: str, args: tuple[str, ...] = ()) -> None:
        """Run a command by name, with its role check."""

    def menu(self, role: Role) -> Sequence[MenuEntry]:
        """The commands this role may use, in the order /help shows them."""


@dataclass
class Context:
    app: App
    incoming: Incoming
    user: User
    lang: str
    router: Dispatch
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
