"""Every command, flow and button action, in one ordered list: the order /help shows them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.roles import Role
from bot.router import Action, Command, Router
from conversations import join, topic, topic_review
from handlers import admin, language, start, topics

if TYPE_CHECKING:
    from bot.app import App

COMMANDS: list[Command] = [
    Command("start", "help.start", start.start, in_menu=False),
    Command("help", "help.help", start.help_, aliases=("帮助", "菜单", "help")),
    Command("join", "help.join", flow=join.FLOW, aliases=("加入居委会", "加入")),
    Command("lang", "help.lang", language.lang, aliases=("语言", "language")),
    Command("cancel", "help.cancel", start.cancel, aliases=("取消", "退出")),
    Command("bind", "help.bind", admin.bind, role=Role.DIRECTOR),
    Command("grant", "help.grant", admin.grant, role=Role.ADMIN),
    Command("topic", "topics.help.topic", flow=topic.FLOW, aliases=("提交议题", "议题征集")),
    Command("topics", "topics.help.topics", topics.topics, aliases=("议题列表", "查看议题")),
    Command("support", "topics.help.support", topics.support),
    Command("unsupport", "topics.help.unsupport", topics.unsupport),
    Command("review", "topics.help.review", flow=topic_review.FLOW, aliases=("审议议题",)),
]

ACTIONS: list[Action] = [
    Action("lang", language.lang),
    Action("tp", topics.action),
    Action("tpr", topics.review, role=Role.STAFF),
]


def build_router(app: App) -> Router:
    router = Router(app, COMMANDS, ACTIONS)
    app.router = router
    return router
