"""Telegram texts."""

TEXTS: dict[str, str] = {
    "telegram.added": "Hello everyone, I am the committee assistant. A director or subdistrict staff member can send /bind with the committee name and the kind of group (e.g. /bind 三门 residents) to link this group to its residents' committee, so notices reach it. Send /help to see what I can do.",
    "telegram.not_yours": "This button is for someone else; send /help to see what you can do.",
}
