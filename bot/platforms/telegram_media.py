"""Fetching what a person sent to the Telegram bot, for our media store (bot.media)."""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

from bot.media import MAX_BYTES, MediaRefused
from bot.messages import FileRef


async def fetch(bot: ExtBot[Any], ref: FileRef) -> bytes:
    """getFile, then the download from the file address (a file_id only this bot can use)."""
    file = await bot.get_file(ref.file_id)
    if file.file_size is not None and file.file_size > MAX_BYTES:
        raise MediaRefused(f"too big: {file.file_size} bytes, at most {MAX_BYTES}")
    return bytes(await file.download_as_bytearray())
