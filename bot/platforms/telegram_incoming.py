"""Telegram updates as platform-neutral messages: chats, senders, and what a message holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Chat as TgChat
from telegram import Message, MessageEntity
from telegram import User as TgUser
from telegram.constants import ChatType

from bot.messages import Chat, ChatKind, FileRef, Incoming, Location, Sender

PLATFORM = "telegram"


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is, as getMe says: to recognise commands and mentions addressed to it."""

    id: int
    username: str


def chat_of(chat: TgChat) -> Chat | None:
    """A private chat or a group; channels are not conversations and give None."""
    if chat.type == ChatType.PRIVATE:
        return Chat(PLATFORM, str(chat.id), ChatKind.PRIVATE, chat.full_name or "")
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        return Chat(PLATFORM, str(chat.id), ChatKind.GROUP, chat.title or "")
    return None


def sender_of(user: TgUser) -> Sender:
    return Sender(PLATFORM, str(user.id), user.full_name, user.language_code)


@dataclass(frozen=True)
class _Command:
    name: str
    args: tuple[str, ...]
    for_us: bool  # False: ``/name@other_bot``, addressed to another bot in the group


def _command(message: Message, me: BotIdentity) -> _Command | None:
    """``/name@bot args`` at the start of the message, or None."""
    text = message.text or ""
    first = message.entities[0] if message.entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    word = message.parse_entity(first)
    name, _, addressee = word[1:].partition("@")
    for_us = not addressee or addressee.lower() == me.username.lower()
    return _Command(name.lower(), tuple(text[len(word) :].split()), for_us)


def _mentions(message: Message, me: BotIdentity) -> tuple[bool, str]:
    """Whether the message names or answers the bot, and its text without the @mention."""
    text = message.text or ""
    handle = re.compile(rf"@{re.escape(me.username)}\b", re.IGNORECASE)
    named = bool(handle.search(text)) or any(
        entity.user is not None and entity.user.id == me.id
        for entity in message.entities
        if entity.type == MessageEntity.TEXT_MENTION
    )
    answered = message.reply_to_message
    if answered is not None and answered.from_user is not None and answered.from_user.id == me.id:
        named = True
    return named, " ".join(handle.sub(" ", text).split()) if named else text


def to_incoming(message: Message, me: BotIdentity) -> Incoming | None:
    """One message from a person; None for what the bot does not take (stickers, channels,
    commands for another bot)."""
    if message.from_user is None or message.from_user.is_bot:
        return None
    chat = chat_of(message.chat)
    if chat is None:
        return None
    user = sender_of(message.from_user)
    mid = str(message.message_id)
    if message.location is not None:
        venue = message.venue
        label = " ".join(p for p in (venue.title, venue.address) if p) if venue else ""
        where = Location(message.location.latitude, message.location.longitude, label)
        return Incoming(chat, user, location=where, message_id=mid)
    if message.photo:
        largest = max(message.photo, key=lambda s: (s.width * s.height, s.file_size or 0))
        photo = FileRef(PLATFORM, largest.file_id, "", "image/jpeg")
        return Incoming(chat, user, photo=photo, message_id=mid)
    if message.document is not None:
        doc = message.document
        ref = FileRef(PLATFORM, doc.file_id, doc.file_name or "", doc.mime_type or "")
        return Incoming(chat, user, document=ref, message_id=mid)
    if message.text is None:
        return None
    command = _command(message, me)
    if command is not None:
        if not command.for_us:
            return None
        return Incoming(
            chat, user, command=command.name, args=command.args, mentions_bot=True, message_id=mid
        )
    named, text = _mentions(message, me)
    answered = message.reply_to_message
    return Incoming(
        chat,
        user,
        text=text,
        mentions_bot=named,
        reply_to_text=answered.text if answered is not None else None,
        message_id=mid,
    )
