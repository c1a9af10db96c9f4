"""The terminal console: a platform with no account, for trying the bot and scripting stories.

Interactive on a TTY, scripted otherwise: each input line is one message from this user and
is answered before the next line is read, so another program can talk to it through pipes.
Messages this process sends to other chats are printed too (marked with their chat), and
messages other processes left for this chat in the outbox are shown first. Files the bot
sends (calendar files, charts, exports) are saved under a folder and their path is shown.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
import shlex
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.i18n import text as catalogue
from bot.media import keep_photo
from bot.messages import (
    Address,
    Attachment,
    Chat,
    ChatKind,
    FileRef,
    Incoming,
    Location,
    Reply,
    Sender,
)
from bot.router import Router

PLATFORM = "console"
BOT_MENTION = "@juwei"
FILES_DIR = Path("console-files")


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
        # No title: a console has none to give, and the chat's id must not overwrite the name
        # a group was registered with (三门居民区居民群), which reports and lists show.
        return Chat(PLATFORM, self.chat_id or self.user_id, kind, "")

    @property
    def sender(self) -> Sender:
        return Sender(PLATFORM, self.user_id, self.name, self.language)

    @property
    def mailboxes(self) -> tuple[Address, ...]:
        """The chats whose mail this console shows: its own, and for a private console also
        the user's private chat, where every notification to this person is addressed."""
        own = Address(PLATFORM, self.chat.id)
        private = Address(PLATFORM, self.user_id)
        return (own,) if self.group or private == own else (own, private)


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


@dataclass(frozen=True)
class SavedFile:
    """A photo or document of a reply: where it was saved (None when it has no bytes here)."""

    kind: str  # "photo" or "document"
    name: str
    path: Path | None
    mime: str


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


def save_attachment(folder: Path, attachment: Attachment) -> Path | None:
    """Writes the attachment's bytes under ``folder`` without overwriting; None if it has none."""
    if attachment.data is None:
        return None
    name = Path(attachment.name).name or "file"  # a name, never a path out of the folder
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    path, n = folder / name, 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    path.write_bytes(attachment.data)
    return path


def save_files(folder: Path, reply: Reply) -> list[SavedFile]:
    found = [("photo", reply.photo), ("document", reply.document)]
    return [
        SavedFile(kind, a.name, save_attachment(folder, a), a.mime_type)
        for kind, a in found
        if a is not None
    ]


def render_json(chat: str, reply: Reply, files: list[SavedFile] | None = None) -> str:
    data: dict[str, Any] = {
        "chat": chat,
        "text": reply.text,
        "options": [{"label": o.label, "value": o.value} for o in reply.options],
        "links": [{"label": k.label, "url": k.url} for k in reply.links],
    }
    if files:
        data["files"] = [
            {"name": f.name, "path": str(f.path) if f.path else None, "mime": f.mime} for f in files
        ]
    return json.dumps(data, ensure_ascii=False)


def render_text(
    chat: str | None, reply: Reply, files: list[SavedFile] | None = None, lang: str = "zh"
) -> str:
    lines = [f"→ [{chat}]"] if chat else []
    lines.append(("🚨 " if reply.urgent else "") + reply.text)  # as on Telegram
    lines += [f"  {n}. {o.label}" for n, o in enumerate(reply.options, 1)]
    lines += [f"  🔗 {k.label}: {k.url}" for k in reply.links]
    for f in files or ():
        key = f"console.{f.kind}" + ("_saved" if f.path else "")
        lines.append("  " + catalogue(lang, key, name=f.name, path=f.path))
    return "\n".join(lines)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class TerminalLines:
    """Lines typed at a terminal, read on the event loop itself.

    A thread blocked in ``input()`` keeps the process alive after Ctrl-C until Enter is
    pressed; waiting for the descriptor to become readable lets Ctrl-C end it at once.
    """

    def __init__(self, stream: TextIO) -> None:
        self.fd = stream.fileno()
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.ended = False

    async def readline(self) -> str | None:
        while "\n" not in self.pending and not self.ended:
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_reader(self.fd, _settle, ready)
            try:
                await ready
            finally:
                loop.remove_reader(self.fd)
            chunk = os.read(self.fd, 4096)
            self.ended = not chunk  # Ctrl-D on an empty line
            self.pending += self.decoder.decode(chunk, final=self.ended)
        if not self.pending:
            return None
        line, newline, self.pending = self.pending.partition("\n")
        return line + newline


class Console:
    def __init__(
        self,
        router: Router,
        who: ConsoleIdentity,
        *,
        json_mode: bool,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        files_dir: Path = FILES_DIR,
    ) -> None:
        self.app = router.app
        self.router = router
        self.who = who
        self.json_mode = json_mode
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir
        self.interactive = self.stdin.isatty() and not json_mode
        self.own = Address(PLATFORM, who.chat.id)
        self.mine = who.mailboxes
        self.lang = who.language or self.app.settings.default_language
        self.app.outbox.listen(self._on_queued)

    def _label(self, address: Address) -> str:
        return address.chat_id if address.platform == PLATFORM else str(address)

    def _write(self, address: Address, reply: Reply) -> None:
        other = address not in self.mine
        files = save_files(self.files_dir, reply)
        if self.json_mode:
            self.stdout.write(render_json(self._label(address), reply, files) + "\n")
        else:
            label = self._label(address) if other else None
            self.stdout.write(render_text(label, reply, files, self.lang) + "\n")
        self.stdout.flush()

    def _on_queued(self, address: Address, reply: Reply) -> None:
        """Show what this process sends to other chats; our own chat's mail is drained below."""
        if address not in self.mine:
            self._write(address, reply)

    async def deliver_own_mail(self) -> None:
        for box in self.mine:
            while parcels := await self.app.outbox.claim(PLATFORM, "console", chat_id=box.chat_id):
                for parcel in parcels:
                    self._write(box, parcel.reply)
                    await self.app.outbox.mark_sent(parcel.id)
                    await self.router.delivered(self.own, parcel.reply)

    async def _read_line(self, terminal: TerminalLines | None) -> str | None:
        if terminal is not None:
            self.stdout.write("> ")
            self.stdout.flush()
            line = await terminal.readline()
            if line is None:
                self.stdout.write("\n")  # Ctrl-D: leave the shell's prompt on a line of its own
                self.stdout.flush()
            return line
        line = await asyncio.to_thread(self.stdin.readline)
        return line if line else None

    async def run(self) -> int:
        await self.deliver_own_mail()
        ctx = await self.router.context(Incoming(self.who.chat, self.who.sender))
        if await self.router.engine.resume_prompt(ctx):
            for reply in ctx.replies:
                self._write(self.own, reply)
        elif self.interactive:
            banner = ctx.t("console.banner", user=self.who.user_id, files=self.files_dir)
            self.stdout.write(banner + "\n")
        terminal = TerminalLines(self.stdin) if self.interactive else None
        try:
            while (line := await self._read_line(terminal)) is not None:
                incoming = parse_line(line, self.who)
                if incoming is None:
                    continue
                # A photo goes into our store before the router (and its transactions) sees it.
                incoming = await keep_photo(self.app.media, incoming, fetch)
                for reply in await self.router.handle(incoming):
                    self._write(self.own, reply)
                await self.deliver_own_mail()
        except asyncio.CancelledError:
            if self.interactive:  # Ctrl-C: end the line the prompt was on
                self.stdout.write("\n")
                self.stdout.flush()
            raise
        return 0
