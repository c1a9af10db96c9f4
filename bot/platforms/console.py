"""The terminal console: a platform with no account, for trying the bot and scripting stories.

Interactive on a TTY, scripted otherwise: each input line is one message from this user and
is answered before the next line is read, so another program can talk to it through pipes.
Messages this process sends to other chats are printed too (marked with their chat), and
messages other processes left for this chat in the outbox are shown first.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.media import keep_photo
from bot.messages import Address, Chat, ChatKind, FileRef, Incoming, Location, Reply, Sender
from bot.router import Router

PLATFORM = "console"
BOT_MENTION = "@juwei"


@dataclass(frozen=True)
class ConsoleIdentity:
    user_id: str = "demo"
    name: str = "居民"
    chat_id: str | None = None  # defaults to the user's private chat
    group: bool = False
    language: str | None = None

    @property
    def chat(self) -> Chat:
        kind = ChatKind.GROUP if self.group else ChatKind.PRIVATE
        return Chat(PLATFORM, self.chat_id or self.user_id, kind, self.chat_id or "")

    @property
    def sender(self) -> Sender:
        return Sender(PLATFORM, self.user_id, self.name, self.language)


def parse_line(line: str, who: ConsoleIdentity) -> Incoming | None:
    """One typed line as a message; ``/photo NAME`` and ``/location LAT LON`` stand in for media."""
    text = line.strip()
    if not text:
        return None
    chat, user = who.chat, who.sender
    if text.startswith("/"):
        try:
            words = shlex.split(text[1:])
        except ValueError:
            words = text[1:].split()
        if not words:
            return Incoming(chat, user, text=text)
        command = words[0].split("@", 1)[0].lower()
        args = tuple(words[1:])
        if command == "photo":
            name = args[0] if args else "photo.jpg"
            return Incoming(chat, user, photo=FileRef(PLATFORM, name, name, "image/jpeg"))
        if command == "location" and len(args) >= 2:
            try:
                lat, lon = float(args[0]), float(args[1])
            except ValueError:
                return Incoming(chat, user, text=text)
            return Incoming(chat, user, location=Location(lat, lon, " ".join(args[2:])))
        return Incoming(chat, user, command=command, args=args, mentions_bot=True)
    mentions = text.startswith(BOT_MENTION)
    if mentions:
        text = text.removeprefix(BOT_MENTION).strip()
    return Incoming(chat, user, text=text, mentions_bot=mentions)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(name: str) -> bytes:
    """A valid 1×1 PNG carrying ``name`` (so different names are different photos)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"tEXt", b"Title\x00" + name.encode("utf-8"))
        + _chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _chunk(b"IEND", b"")
    )


def _read(name: str) -> bytes:
    """``/photo PATH`` reads that file when it exists; a bare name stands for a tiny PNG."""
    path = Path(name).expanduser()
    return path.read_bytes() if path.is_file() else tiny_png(name)


async def fetch(ref: FileRef) -> bytes:
    return await asyncio.to_thread(_read, ref.file_id)


def render_json(chat: str, reply: Reply) -> str:
    return json.dumps(
        {
            "chat": chat,
            "text": reply.text,
            "options": [{"label": o.label, "value": o.value} for o in reply.options],
            "links": [{"label": k.label, "url": k.url} for k in reply.links],
        },
        ensure_ascii=False,
    )


def render_text(chat: str | None, reply: Reply) -> str:
    lines = [f"→ [{chat}]"] if chat else []
    lines.append(("🚨 " if reply.urgent else "") + reply.text)  # as on Telegram
    lines += [f"  {n}. {o.label}" for n, o in enumerate(reply.options, 1)]
    lines += [f"  🔗 {k.label}: {k.url}" for k in reply.links]
    if reply.photo:
        lines.append(f"  [图片 {reply.photo.name}]")
    if reply.document:
        lines.append(f"  [文件 {reply.document.name}]")
    return "\n".join(lines)


class Console:
    def __init__(
        self,
        router: Router,
        who: ConsoleIdentity,
        *,
        json_mode: bool,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.app = router.app
        self.router = router
        self.who = who
        self.json_mode = json_mode
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() and not json_mode
        self.own = Address(PLATFORM, who.chat.id)
        self.app.outbox.listen(self._on_queued)

    def _label(self, address: Address) -> str:
        return address.chat_id if address.platform == PLATFORM else str(address)

    def _write(self, address: Address, reply: Reply) -> None:
        other = address != self.own
        if self.json_mode:
            self.stdout.write(render_json(self._label(address), reply) + "\n")
        else:
            self.stdout.write(render_text(self._label(address) if other else None, reply) + "\n")
        self.stdout.flush()

    def _on_queued(self, address: Address, reply: Reply) -> None:
        """Show what this process sends to other chats; our own chat's mail is drained below."""
        if address != self.own:
            self._write(address, reply)

    async def deliver_own_mail(self) -> None:
        while parcels := await self.app.outbox.claim(PLATFORM, "console", chat_id=self.own.chat_id):
            for parcel in parcels:
                self._write(self.own, parcel.reply)
                await self.app.outbox.mark_sent(parcel.id)
                await self.router.delivered(self.own, parcel.reply)

    async def _read_line(self) -> str | None:
        if self.interactive:
            try:
                return await asyncio.to_thread(input, "> ")
            except EOFError:
                return None
        line = await asyncio.to_thread(self.stdin.readline)
        return line if line else None

    async def run(self) -> int:
        await self.deliver_own_mail()
        ctx = await self.router.context(Incoming(self.who.chat, self.who.sender))
        if await self.router.engine.resume_prompt(ctx):
            for reply in ctx.replies:
                self._write(self.own, reply)
        elif self.interactive:
            self.stdout.write(ctx.t("console.banner", user=self.who.user_id) + "\n")
        while (line := await self._read_line()) is not None:
            incoming = parse_line(line, self.who)
            if incoming is None:
                continue
            # A photo goes into our store before the router (and its transactions) sees it.
            incoming = await keep_photo(self.app.media, incoming, fetch)
            for reply in await self.router.handle(incoming):
                self._write(self.own, reply)
            await self.deliver_own_mail()
        return 0
