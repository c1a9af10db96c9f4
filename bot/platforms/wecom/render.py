"""A Reply as WeCom message bodies: text, markdown, or a template card with buttons.

Options become card buttons where WeCom's button_interaction card can carry them (at most six
short, distinct buttons), else a numbered list, which the engine reads by number or label.
Long texts are cut at line ends into pieces WeCom accepts.

A reply's text carries what residents wrote (a report's description, a name), and the bot's
own texts use no markup: the only markup sent is what this module adds (links, the urgent
colour). So the text's markup characters are replaced by their full-width look-alikes, which
read the same to people and are no markup to WeCom (it has no escape for them in markdown).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from bot.i18n import text as catalogue
from bot.messages import Link, Option, Reply

TEXT_BYTES = 2048  # app text and markdown, robot text
ROBOT_MARKDOWN_BYTES = 4096
CARD_BUTTONS = 6
CARD_BUTTON_CHARS = 10
CARD_KEY_BYTES = 1024
CARD_TEXT_CHARS = 160  # sub_title_text


# App text messages render <a href> tags; markdown also has [label](url), **bold**, `code`,
# <font color>, and # headings and > quotes at a line's start.
_TAGS = str.maketrans({"<": "＜", ">": "＞"})
_MARKDOWN = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀"})
_LINE_START = re.compile(r"^(\s*)#", re.MULTILINE)


def plain_text(text: str) -> str:
    """Text for an app text message: no tag in it can become a link."""
    return text.translate(_TAGS)


def plain_markdown(text: str) -> str:
    """Text for a markdown message: no link, colour, emphasis, heading or quote."""
    return _LINE_START.sub(r"\1＃", text.translate(_MARKDOWN))


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` UTF-8 bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def split_text(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """Pieces of at most ``limit`` bytes, cut at line ends where a line fits."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if _size(current + line) <= limit:
            current += line
            continue
        if current:
            pieces.append(current)
        while _size(line) > limit:
            head = _prefix(line, limit)
            pieces.append(head)
            line = line[len(head) :]
        current = line
    if current:
        pieces.append(current)
    return [piece.rstrip("\n") for piece in pieces if piece.strip()]


def numbered(options: Sequence[Option]) -> list[str]:
    return [f"{n}. {option.label}" for n, option in enumerate(options, 1)]


def fits_card(options: Sequence[Option]) -> bool:
    values = [option.value for option in options]
    return (
        0 < len(options) <= CARD_BUTTONS
        and len(set(values)) == len(values)
        and all(0 < len(o.label) <= CARD_BUTTON_CHARS for o in options)
        and all(0 < _size(o.value) <= CARD_KEY_BYTES for o in options)
    )


def card(body: str, options: Sequence[Option], task_id: str) -> dict[str, Any]:
    return {
        "card_type": "button_interaction",
        "task_id": task_id,
        "sub_title_text": body,
        "button_list": [{"text": o.label, "style": 1, "key": o.value} for o in options],
    }


def _text_links(links: Sequence[Link]) -> list[str]:
    # App text messages render <a> tags; robots' text does not, so a bare URL is linked instead.
    return [f'<a href="{escape(k.url, quote=True)}">{escape(k.label)}</a>' for k in links]


def _markdown_links(links: Sequence[Link]) -> list[str]:
    return [f"[{plain_markdown(k.label)}]({k.url.replace(')', '%29')})" for k in links]


def _urgent_markdown(lang: str) -> str:
    return f'<font color="warning">**{catalogue(lang, "wecom.urgent")}**</font>'


def app_messages(
    reply: Reply, lang: str, *, rich: bool, task_id: str, notes: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """message/send bodies (msgtype and content) for one reply to a person.

    ``notes`` are lines standing in for attachments that could not be sent as media.
    """
    body = "\n".join([reply.text, *notes]).strip()
    as_card = rich and fits_card(reply.options)
    markdown = rich and reply.urgent
    if as_card and not markdown and not reply.links and 0 < len(body) <= CARD_TEXT_CHARS:
        return [{"msgtype": "template_card", "template_card": card(body, reply.options, task_id)}]
    listed = [] if as_card else numbered(reply.options)
    messages: list[dict[str, Any]]
    if markdown:
        shown = [plain_markdown(line) for line in (body, *listed)]
        lines = [_urgent_markdown(lang), *shown, *_markdown_links(reply.links)]
        messages = [
            {"msgtype": "markdown", "markdown": {"content": piece}}
            for piece in split_text("\n".join(lines))
        ]
    else:
        urgent = [catalogue(lang, "wecom.urgent") + body] if reply.urgent else [body]
        shown = [plain_text(line) for line in (*urgent, *listed)]
        lines = [*shown, *_text_links(reply.links)]
        messages = [
            {"msgtype": "text", "text": {"content": piece}}
            for piece in split_text("\n".join(lines))
        ]
    if as_card:
        prompt = catalogue(lang, "wecom.choose")
        messages.append(
            {"msgtype": "template_card", "template_card": card(prompt, reply.options, task_id)}
        )
    return messages


def robot_messages(
    reply: Reply, lang: str, *, mentions: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Webhook bodies for one post to a robot's group.

    Markdown carries links and the urgent colour; an urgent post to a robot configured with
    mobiles to notify goes as text, the only kind that can @ people by mobile.
    """
    body = "\n".join([reply.text, *numbered(reply.options)]).strip()
    if reply.urgent and mentions:
        lines = [
            plain_text(catalogue(lang, "wecom.urgent") + body),
            *(f"{k.label}: {k.url}" for k in reply.links),
        ]
        pieces = split_text("\n".join(lines))
        return [
            {
                "msgtype": "text",
                "text": {"content": piece}
                | ({"mentioned_mobile_list": list(mentions)} if n == 0 else {}),
            }
            for n, piece in enumerate(pieces)
        ]
    if reply.links or reply.urgent:
        lines = [_urgent_markdown(lang)] if reply.urgent else []
        lines += [plain_markdown(body), *_markdown_links(reply.links)]
        return [
            {"msgtype": "markdown", "markdown": {"content": piece}}
            for piece in split_text("\n".join(lines), ROBOT_MARKDOWN_BYTES)
        ]
    # Robots' text shows tags as written today; kept inert should WeCom ever render them.
    return [
        {"msgtype": "text", "text": {"content": piece}} for piece in split_text(plain_text(body))
    ]
