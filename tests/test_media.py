"""The media store: named by sha256, images only (by their bytes), 10 MB at most, written once;
and keep_photo, which the adapters call before routing a message with a photo."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.media import MAX_BYTES, MediaRefused, MediaStore, keep_photo
from bot.messages import Chat, FileRef, Incoming, Sender
from bot.platforms.console import tiny_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100
PNG = tiny_png("x")
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_same_bytes_are_one_file_named_by_their_sha256(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    first = store.put(JPEG)
    again = store.put(JPEG)
    digest = hashlib.sha256(JPEG).hexdigest()
    assert first == again
    assert (first.sha256, first.size, first.mime) == (digest, len(JPEG), "image/jpeg")
    assert files(tmp_path / "media") == [tmp_path / "media" / digest[:2] / digest[2:]]
    assert store.read(digest) == JPEG


@pytest.mark.parametrize(
    ("data", "mime"),
    [(JPEG, "image/jpeg"), (PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_the_type_comes_from_the_bytes(tmp_path: Path, data: bytes, mime: str) -> None:
    assert MediaStore(tmp_path).put(data).mime == mime


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 a report.jpg", b"<html><script>", b"RIFF\x00\x00\x00\x00WAVEfmt ", b""],
)
def test_anything_but_an_image_is_refused_and_nothing_is_written(
    tmp_path: Path, data: bytes
) -> None:
    store = MediaStore(tmp_path / "media")
    with pytest.raises(MediaRefused):
        store.put(data)
    assert files(tmp_path) == []


def test_a_file_over_10_mb_is_refused_and_one_at_the_limit_is_kept(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    with pytest.raises(MediaRefused, match="too big"):
        store.put(JPEG + b"\x00" * (MAX_BYTES - len(JPEG) + 1))
    assert files(tmp_path) == []
    kept = store.put(JPEG + b"\x00" * (MAX_BYTES - len(JPEG)))
    assert kept.size == MAX_BYTES


def test_a_path_is_only_ever_made_from_a_sha256(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    for bad in ("../../etc/passwd", "ab/../cd", "A" * 64, ""):
        with pytest.raises(ValueError):
            store.path(bad)
        assert not store.has(bad)


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    store.put(PNG)
    assert [p.name.startswith(".part-") for p in files(tmp_path)] == [False]


# -- keep_photo ----------------------------------------------------------------------------


def photo_message(file_id: str = "F1") -> Incoming:
    return Incoming(
        Chat("telegram", "5"), Sender("telegram", "5"), photo=FileRef("telegram", file_id)
    )


async def test_a_photo_is_handed_on_naming_our_copy(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)

    async def fetch(ref: FileRef) -> bytes:
        return JPEG

    kept = await keep_photo(store, photo_message(), fetch)
    assert kept.photo is not None
    assert kept.photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (kept.photo.size, kept.photo.mime_type, kept.photo.unsaved) == (
        len(JPEG),
        "image/jpeg",
        False,
    )
    assert kept.photo.file_id == "F1"  # kept as a cache for sending it again
    assert store.read(kept.photo.sha256) == JPEG


async def test_a_failing_fetch_is_tried_again_with_back_off(tmp_path: Path) -> None:
    answers: list[bytes | Exception] = [ConnectionError("down"), TimeoutError(), JPEG]
    sleeps: list[float] = []

    async def fetch(ref: FileRef) -> bytes:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    kept = await keep_photo(MediaStore(tmp_path), photo_message(), fetch, sleep=sleep)
    assert kept.photo is not None and kept.photo.sha256 and not kept.photo.unsaved
    assert sleeps == [1.0, 2.0]


async def test_a_fetch_that_never_works_marks_the_photo_unsaved(tmp_path: Path) -> None:
    tries: list[str] = []
    sleeps: list[float] = []

    async def fetch(ref: FileRef) -> bytes:
        tries.append(ref.file_id)
        raise RuntimeError("expired")

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    kept = await keep_photo(MediaStore(tmp_path), photo_message(), fetch, sleep=sleep)
    assert kept.photo is not None and kept.photo.unsaved and not kept.photo.sha256
    assert tries == ["F1"] * 3 and sleeps == [1.0, 2.0]
    assert files(tmp_path) == []


async def test_bytes_the_store_refuses_are_not_fetched_again(tmp_path: Path) -> None:
    tries: list[str] = []

    async def fetch(ref: FileRef) -> bytes:
        tries.append(ref.file_id)
        return b"%PDF-1.4"

    kept = await keep_photo(MediaStore(tmp_path), photo_message(), fetch)
    assert kept.photo is not None and kept.photo.unsaved
    assert tries == ["F1"]


async def test_a_message_without_a_photo_is_handed_on_untouched(tmp_path: Path) -> None:
    async def fetch(ref: FileRef) -> bytes:
        raise AssertionError("nothing to fetch")

    text = Incoming(Chat("console", "a"), Sender("console", "a"), text="你好")
    assert await keep_photo(MediaStore(tmp_path), text, fetch) is text
