"""The baseline: the smallest python-telegram-bot bot that answers every update (an echo).

Run by ``bench/throughput.py`` as ``python bench/echo_bot.py BASE_URL TOKEN`` until SIGTERM;
it polls like juwei does and handles updates concurrently, so the difference is our code.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackContext, TypeHandler


async def echo(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    if update.callback_query is not None:
        query = update.callback_query
        await query.answer()
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, query.data or "?")
    elif update.message is not None:
        await update.message.reply_text(update.message.text or "?")


async def main(base_url: str, token: str) -> None:
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(True)
        .job_queue(None)
        .build()
    )
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
    asyncio.run(main(sys.argv[1], sys.argv[2]))
