"""Platform-neutral messages: what adapters hand to the core and what the core hands back.

Ids are strings on every platform; an adapter translates its own types at the edge and the
core never branches on which platform a message came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Address:
    """Where a message goes: a platform and a chat id on it. Serialisable as ``platform:id``."""

    platform: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, text: str) -> Address:
        platform, sep, chat_id = text.partition(":")
        if not sep or not platform or not chat_id:
            raise ValueError(f"expected platform:id, got {text!r}")
        return cls(platform, chat_id)


@dataclass(frozen=True, slots=True)
class Chat:
    platform: str
    id: str
    kind: ChatKind = ChatKind.PRIVATE
    title: str = ""

    @property
    def address(self) -> Address:
        return Address(self.platform, self.id)

    @property
    def is_group(self) -> bool:
        return self.kind is ChatKind.GROUP


@dataclass(frozen=True, slots=True)
class Sender:
    platform: str
    id: str
    name: str = ""
    language: str | None = None  # the platform's hint, e.g. Telegram's language_code


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file the adapter can fetch later (Telegram file_id, WeCom media_id, a console path).

    Once a photo is in our media store (bot.media) ``sha256`` and ``size`` name our copy and
    the platform reference is only a cache for sending it again; ``unsaved`` says a copy was
    tried for and could not be made.
    """

    platform: str
    file_id: str
    name: str = ""
    mime_type: str = ""
    sha256: str = ""
    size: int = 0
    unsaved: bool = False


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did: exactly one of text, command, choice, location, photo, document."""

    chat: Chat
    user: Sender
    text: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    choice: str | None = None
    location: Location | None = None
    photo: FileRef | None = None
    document: FileRef | None = None
    mentions_bot: bool = False  # group message that names or replies to the bot
    reply_to_text: str | None = None  # text of the message this one replies to, when known
    message_id: str | None = None

    @property
    def arg_text(self) -> str:
        return " ".join(self.args)


@dataclass(frozen=True, slots=True)
class Option:
    """A choice offered to the person: a button where buttons exist, else a numbered line."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo or document to send: a platform file reference, or bytes made by the bot."""

    name: str
    data: bytes | None = None
    ref: FileRef | None = None
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    links: tuple[Link, ...] = ()
    photo: Attachment | None = None
    document: Attachment | None = None
    urgent: bool = False  # shown marked as urgent (e.g. an urgent hazard report to staff)
    # Set on a direct answer to someone who just wrote: the message it answers (quoted in a
    # group; "" when there is none to quote) and, in a group, whose buttons these are. An
    # answer is never held back for quiet hours.
    answers: str | None = None
    for_user: str | None = None
