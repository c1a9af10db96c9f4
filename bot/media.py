"""Our own copy of the photos people send: a content-addressed store on disk.

Platform references do not last (a WeCom media_id expires after 3 days, a Telegram file_id
belongs to one bot), while a hazard report may stay open for weeks. Each photo is therefore
downloaded once, as it arrives, and kept under ``JUWEI_MEDIA_DIR`` named by its sha256
(``ab/cdef…``): the same bytes are one file, and a file never changes once written, which
makes copying the folder while the bot runs safe.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.messages import Attachment, FileRef, Incoming, Reply

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
FETCH_ATTEMPTS = 3
FETCH_BACKOFF_SECONDS = 1.0  # then 2 s: a photo arrives late rather than never
SHA256 = re.compile(r"[0-9a-f]{64}")

# Decided by the first bytes, never by a file name or a platform's say-so.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class MediaRefused(Exception):
    """Bytes the store will not keep: too big, or not an image it knows."""


@dataclass(frozen=True, slots=True)
class StoredMedia:
    sha256: str
    size: int
    mime: str


def image_type(data: bytes) -> str | None:
    """jpeg, png, gif or webp by magic bytes; None for anything else."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self, data: bytes) -> str:
        """The image's type, or MediaRefused saying why it is not kept."""
        if len(data) > MAX_BYTES:
            raise MediaRefused(f"too big: {len(data)} bytes, at most {MAX_BYTES}")
        if not data:
            raise MediaRefused("empty file")
        mime = image_type(data)
        if mime is None:
            raise MediaRefused("not a jpeg, png, gif or webp image")
        return mime

    def path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError("not a sha256 hex digest")  # never a path out of the store
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return SHA256.fullmatch(sha256) is not None and self.path(sha256).is_file()

    def put(self, data: bytes) -> StoredMedia:
        """Keep the bytes (once: the same bytes are the same file); written to a temporary
        file in the same folder and renamed, so a reader never sees half a photo."""
        mime = self.check(data)
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return StoredMedia(digest, len(data), mime)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    async def load(self, sha256: str) -> bytes | None:
        """The bytes, read off the event loop; None when the file is gone."""
        try:
            return await asyncio.to_thread(self.read, sha256)
        except (OSError, ValueError):
            log.warning("media %s missing from the store", sha256[:12])
            return None

    def copy_to(self, target: Path) -> int:
        """Copy every stored file into ``target`` (for a backup); returns how many."""
        target.mkdir(parents=True, exist_ok=False)
        copied = 0
        if not self.root.is_dir():
            return copied
        for source in self.root.glob("??/*"):
            if source.name.startswith(".part-") or not source.is_file():
                continue
            dest = target / source.parent.name / source.name
            dest.parent.mkdir(exist_ok=True)
            shutil.copy2(source, dest)
            copied += 1
        return copied


Fetch = Callable[[FileRef], Awaitable[bytes]]
Sleep = Callable[[float], Awaitable[None]]


async def keep_photo(
    store: MediaStore, incoming: Incoming, fetch: Fetch, *, sleep: Sleep = asyncio.sleep
) -> Incoming:
    """The message with its photo in our store; adapters call this before the router.

    The photo then names our copy (sha256, size, type); the platform reference stays only as
    a cache for sending it again. A fetch that fails is tried again with back-off; bytes the
    store refuses are not (the same bytes would come back). If no copy can be made, the photo
    is marked ``unsaved`` and the message still goes on, so the person's form is not stuck.
    """
    photo = incoming.photo
    if photo is None or photo.sha256:
        return incoming
    for attempt in range(1, FETCH_ATTEMPTS + 1):
        try:
            data = await fetch(photo)
            stored = await asyncio.to_thread(store.put, data)
        except MediaRefused as exc:
            log.warning("%s photo not kept: %s", photo.platform, exc)
            break
        except Exception as exc:  # a platform error, an expired reference, the network
            log.warning(
                "%s photo fetch failed (attempt %d of %d): %s",
                photo.platform,
                attempt,
                FETCH_ATTEMPTS,
                type(exc).__name__,
            )
            if attempt < FETCH_ATTEMPTS:
                await sleep(FETCH_BACKOFF_SECONDS * 2 ** (attempt - 1))
            continue
        kept = dataclasses.replace(
            photo, sha256=stored.sha256, size=stored.size, mime_type=stored.mime
        )
        return dataclasses.replace(incoming, photo=kept)
    return dataclasses.replace(incoming, photo=dataclasses.replace(photo, unsaved=True))


async def with_stored_bytes(store: MediaStore, reply: Reply) -> Reply:
    """The reply with our stored bytes in each attachment that names a copy (``ref.sha256``)
    but carries none: a platform then sends its own reference first and, when that is foreign
    or expired, uploads the bytes. Outbox rows thus hold the reference, never the photo."""

    async def filled(item: Attachment | None) -> Attachment | None:
        if item is None or item.data is not None or item.ref is None or not item.ref.sha256:
            return item
        data = await store.load(item.ref.sha256)
        return item if data is None else dataclasses.replace(item, data=data)

    photo, document = await filled(reply.photo), await filled(reply.document)
    if photo is reply.photo and document is reply.document:
        return reply
    return dataclasses.replace(reply, photo=photo, document=document)
