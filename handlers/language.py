"""/lang: switch between 中文 and English."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import LANGUAGE_NAMES
from bot.messages import Option


async def lang(ctx: Context) -> None:
    """With an argument (zh/en/中文/English) switches; without, offers the choice."""
    wanted = (ctx.incoming.args[0] if ctx.incoming.args else ctx.incoming.choice or "").lower()
    wanted = wanted.removeprefix("lang:")
    aliases = {"zh": "zh", "中文": "zh", "cn": "zh", "en": "en", "english": "en", "英文": "en"}
    code = aliases.get(wanted)
    if code is None:
        ctx.say(
            "lang.choose",
            options=[Option(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()],
        )
        return
    await ctx.app.users.set_language(ctx.user, code)
    ctx.lang = code
    ctx.say("lang.set", language=LANGUAGE_NAMES[code])
