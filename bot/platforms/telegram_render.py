"""A Reply as Telegram messages: escaped HTML, long texts split at line ends, inline keyboards.

Pure functions only; the platform sends what ``plan`` returns. Telegram counts lengths in
UTF-16 code units of the text people see (after HTML parsing), so splitting happens before
escaping and every piece is escaped on its own.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Attachment, Link, Option, Reply

PLATFORM = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
URGENT_MARK = "🚨 "
CHOSEN_MARK = "✅ "


class Kind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Piece:
    """One Telegram message: a text, or a photo/document with an optional caption (HTML)."""

    kind: Kind
    html: str
    attachment: Attachment | None = None
    keyboard: bool = False  # carries the reply's buttons (the last piece does)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(line: str, limit: int) -> tuple[str, str]:
    """The longest head of ``line`` within ``limit`` UTF-16 units, and the rest."""
    used = 0
    for index, char in enumerate(line):
        used += utf16_len(char)
        if used > limit:
            return line[:index], line[index:]
    return line, ""


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` units, broken at line ends (a longer line is cut hard)."""
    if utf16_len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf16_len(line) > limit:
            head, line = _cut(line, limit)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if utf16_len(current) + utf16_len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current += line
    pieces.append(current)
    return [piece.rstrip("\n") for piece in pieces if piece.strip()]


def sendable(attachment: Attachment | None) -> bool:
    """Bytes made by the bot, or a file Telegram already has; other platforms' files are not."""
    if attachment is None:
        return False
    if attachment.data is not None:
        return True
    return attachment.ref is not None and attachment.ref.platform == PLATFORM


def plan(reply: Reply) -> list[Piece]:
    """The messages one reply becomes; the buttons go on the last one."""
    body = (URGENT_MARK if reply.urgent else "") + reply.text
    media = [
        (kind, item)
        for kind, item in ((Kind.PHOTO, reply.photo), (Kind.DOCUMENT, reply.document))
        if item is not None and sendable(item)
    ]
    pieces: list[Piece] = []
    caption = ""
    if media and body.strip() and utf16_len(body) <= CAPTION_LIMIT:
        caption = body
    else:
        pieces = [Piece(Kind.TEXT, escape(part)) for part in split_text(body)]
    for index, (kind, item) in enumerate(media):
        pieces.append(Piece(kind, escape(caption) if index == 0 else "", item))
    if pieces and (reply.options or reply.links):
        last = pieces[-1]
        pieces[-1] = Piece(last.kind, last.html, last.attachment, keyboard=True)
    return pieces


def _width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def per_row(labels: Sequence[str]) -> int:
    """Short labels share a row; long ones get a row each, so nothing is cut off on a phone."""
    widest = max((_width(label) for label in labels), default=0)
    return 3 if widest <= 10 else 2 if widest <= 16 else 1


def keyboard(
    options: Sequence[Option], callback_data: Sequence[str], links: Sequence[Link]
) -> InlineKeyboardMarkup | None:
    """Option buttons (``callback_data`` already encoded, one per option), then link buttons."""
    rows: list[list[InlineKeyboardButton]] = []
    size = per_row([o.label for o in options])
    buttons = [
        InlineKeyboardButton(option.label, callback_data=data)
        for option, data in zip(options, callback_data, strict=True)
    ]
    rows += [buttons[i : i + size] for i in range(0, len(buttons), size)]
    rows += [[InlineKeyboardButton(link.label, url=link.url)] for link in links]
    return InlineKeyboardMarkup(rows) if rows else None


def after_press(
    markup: InlineKeyboardMarkup | None, data: str
) -> tuple[str | None, InlineKeyboardMarkup | None]:
    """The label of the pressed button, and the keyboard left once the choice is made:
    only link buttons stay, so the same choice cannot be made twice."""
    if markup is None:
        return None, None
    label = None
    kept: list[list[InlineKeyboardButton]] = []
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                label = button.text
        links = [button for button in row if button.url]
        if links:
            kept.append(links)
    return label, InlineKeyboardMarkup(kept) if kept else None


def with_choice(html_text: str, label: str) -> str:
    return f"{html_text}\n\n{CHOSEN_MARK}{escape(label)}"
