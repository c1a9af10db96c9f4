"""The baseline: the smallest python-telegram-bot bot that answers every update (an echo).

Run by ``bench/throughput.py`` as ``python bench/echo_bot.py BASE_URL TOKEN`` until SIGTERM.
It polls like juwei does and handles updates concurrently, one chat's updates in the order they
came (what juwei promises too, so the floor keeps the same promise): a text gets one
sendMessage with the same text; a button press is answered (answerCallbackQuery) and gets one
sendMessage with the button's data. Nothing else.

By default it is stock python-telegram-bot (its httpx transport), the floor the issue names.
``--lean`` gives it the HTTP transport juwei uses (``bot.platforms.telegram_request``: plain
calls straight to httpcore's pool), so the ratio then measures what juwei does beyond the
framework and the transport.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, CallbackContext, TypeHandler

from bot.platforms.telegram_request import lean_request

# No limit of python-telegram-bot's own: its semaphore would let a later update of a chat
# overtake an earlier one while both wait for a slot.
UNLIMITED = 1_000_000


class InChatOrder(BaseUpdateProcessor):
    """Updates of different chats run side by side; one chat's run one after another."""

    def __init__(self) -> None:
        super().__init__(UNLIMITED)
        self._tails: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        before = self._tails.get(chat.id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat.id] = mine
        try:
            if before is not None:
                await before
            await coroutine
        finally:
            mine.set_result(None)
            if self._tails.get(chat.id) is mine:
                del self._tails[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


async def echo(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    if update.callback_query is not None:
        query = update.callback_query
        await query.answer()
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, query.data or "?")
    elif update.message is not None:
        await update.message.reply_text(update.message.text or "?")


CONNECTIONS = 64  # as many as juwei's Telegram platform keeps


async def main(base_url: str, token: str, lean: bool = False) -> None:
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(InChatOrder())
        .job_queue(None)
    )
    if lean:
        builder = builder.request(lean_request(CONNECTIONS)).get_updates_request(lean_request(1))
    app = builder.build()
    app.add_handler(TypeHandler(Update, echo))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        await stop.wait()
        await app.updater.stop()
        await app.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], lean="--lean" in sys.argv[3:]))
