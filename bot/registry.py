"""Every command, flow and button action, in one ordered list: the order /help shows them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.roles import Role
from bot.router import Action, Command, Router
from conversations import join
from handlers import admin, faq, language, start

if TYPE_CHECKING:
    from bot.app import App

COMMANDS: list[Command] = [
    Command("start", "help.start", start.start, in_menu=False),
    Command("help", "help.help", start.help_, aliases=("帮助", "菜单", "help")),
    Command("join", "help.join", flow=join.FLOW, aliases=("加入居委会", "加入")),
    Command("faq", "help.faq", faq.faq, aliases=("问答", "常见问题")),
    Command("answer", "help.answer", faq.answer_handover, role=Role.STAFF),
    Command("lang", "help.lang", language.lang, aliases=("语言", "language")),
    Command("cancel", "help.cancel", start.cancel, aliases=("取消", "退出")),
    Command("bind", "help.bind", admin.bind, role=Role.DIRECTOR),
    Command("grant", "help.grant", admin.grant, role=Role.ADMIN),
]

ACTIONS: list[Action] = [
    Action("lang", language.lang),
    Action("faq", faq.on_button),
]


def build_router(app: App) -> Router:
    router = Router(app, COMMANDS, ACTIONS, fallback=faq.fallback)
    app.router = router
    return router
