"""Parse WeCom callback XML: the encrypted envelope and the decrypted message inside it.

Bodies come from the network before anything is authenticated, so parsing is defensive: a size
cap, no DOCTYPE (and with it no entity declarations), and every failure surfaces as
``MalformedXml`` rather than whatever the parser happened to raise.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

MAX_BODY_BYTES = 64 * 1024

_ROOT_TAG = "xml"
_UNSIGNED_INT = re.compile(r"[0-9]{1,19}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,4}(?:\.[0-9]{1,20})?")


class MalformedXml(ValueError):
    """The body is not a WeCom callback document this module can read."""


@dataclass(frozen=True, slots=True)
class Envelope:
    to_user_name: str
    encrypt: str
    agent_id: str | None


@dataclass(frozen=True, slots=True)
class WeComMessage:
    """A decrypted callback: a user message or an event. Absent or empty fields are None."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    msg_id: str | None = None
    agent_id: str | None = None
    content: str | None = None
    pic_url: str | None = None
    media_id: str | None = None
    location_x: float | None = None
    location_y: float | None = None
    scale: str | None = None
    label: str | None = None
    event: str | None = None
    event_key: str | None = None
    task_id: str | None = None
    card_type: str | None = None
    response_code: str | None = None

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"


class _NoDoctypeBuilder(ET.TreeBuilder):
    # Called at the start of a DOCTYPE, before any internal subset (and its entity
    # declarations) is read.
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise MalformedXml("DOCTYPE is not allowed")


def _parse_root(body: bytes) -> ET.Element:
    if len(body) > MAX_BODY_BYTES:
        raise MalformedXml(f"body exceeds {MAX_BODY_BYTES} bytes")
    # WeCom always sends UTF-8; overriding the declared encoding keeps a forged declaration
    # from selecting an unknown or exotic codec.
    parser = ET.XMLParser(target=_NoDoctypeBuilder(), encoding="utf-8")
    try:
        parser.feed(body)
        root = parser.close()
    except MalformedXml:
        raise
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise MalformedXml(f"not well-formed XML: {exc}") from exc
    if not isinstance(root, ET.Element) or root.tag != _ROOT_TAG:
        raise MalformedXml(f"root element must be <{_ROOT_TAG}>")
    return root


def _optional(root: ET.Element, tag: str, *, strip: bool = True) -> str | None:
    child = root.find(tag)
    if child is None or child.text is None:
        return None
    text = child.text.strip() if strip else child.text
    return text or None


def _required(root: ET.Element, tag: str) -> str:
    value = _optional(root, tag)
    if value is None:
        raise MalformedXml(f"missing <{tag}>")
    return value


def _coordinate(root: ET.Element, tag: str) -> float | None:
    raw = _optional(root, tag)
    if raw is None:
        return None
    if not _DECIMAL.fullmatch(raw):
        raise MalformedXml(f"<{tag}> is not a decimal number")
    value = float(raw)
    if not math.isfinite(value):
        raise MalformedXml(f"<{tag}> is not finite")
    return value


def parse_envelope(body: bytes) -> Envelope:
    """The POST body WeCom sends: ToUserName, Encrypt and (for app callbacks) AgentID."""
    root = _parse_root(body)
    return Envelope(
        to_user_name=_required(root, "ToUserName"),
        encrypt=_required(root, "Encrypt"),
        agent_id=_optional(root, "AgentID"),
    )


def parse_message(xml_text: str) -> WeComMessage:
    """The decrypted Encrypt payload: a text/image/location message or an event."""
    try:
        body = xml_text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedXml("message is not encodable as UTF-8") from exc
    root = _parse_root(body)
    create_time = _required(root, "CreateTime")
    if not _UNSIGNED_INT.fullmatch(create_time):
        raise MalformedXml("<CreateTime> is not an integer")
    return WeComMessage(
        to_user=_required(root, "ToUserName"),
        from_user=_required(root, "FromUserName"),
        create_time=int(create_time),
        msg_type=_required(root, "MsgType"),
        msg_id=_optional(root, "MsgId"),
        agent_id=_optional(root, "AgentID"),
        # What a resident typed is kept exactly, surrounding whitespace included.
        content=_optional(root, "Content", strip=False),
        pic_url=_optional(root, "PicUrl"),
        media_id=_optional(root, "MediaId"),
        location_x=_coordinate(root, "Location_X"),
        location_y=_coordinate(root, "Location_Y"),
        scale=_optional(root, "Scale"),
        label=_optional(root, "Label"),
        event=_optional(root, "Event"),
        event_key=_optional(root, "EventKey"),
        task_id=_optional(root, "TaskId"),
        card_type=_optional(root, "CardType"),
        response_code=_optional(root, "ResponseCode"),
    )


def dedup_key(msg: WeComMessage) -> str:
    """Identity of a callback across WeCom's retries: MsgId; for a card button, the card
    (it answers one question, so a second tap before it greys out is no second answer);
    for other events, sender+time+event."""
    if msg.msg_id is not None:
        return f"msg:{msg.msg_id}"
    if msg.event == "template_card_event" and msg.task_id is not None:
        return f"card:{msg.from_user}:{msg.task_id}"
    return f"evt:{msg.from_user}:{msg.create_time}:{msg.event or ''}:{msg.event_key or ''}"
