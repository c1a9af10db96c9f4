"""Every command, flow and button action, in one ordered list: the order /help shows them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.roles import Role
from bot.router import Action, Command, Router
from conversations import join, newevent, signup
from handlers import admin, events, language, start

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
    Command("events", "help.events", flow=signup.FLOW, payload="ev", aliases=("活动报名", "报名")),
    Command("mysignups", "help.mysignups", flow=signup.MINE_FLOW, aliases=("我的报名",)),
    Command("newevent", "help.newevent", flow=newevent.FLOW, aliases=("发布活动",)),
    Command("roster", "help.roster", events.roster, role=Role.STAFF),
    Command("checkin", "help.checkin", events.checkin, role=Role.STAFF),
    Command("announce", "help.announce", events.announce, role=Role.STAFF),
    Command("eventmsg", "help.eventmsg", events.event_message, role=Role.STAFF),
    Command("cancelevent", "help.cancelevent", events.cancel_event, role=Role.STAFF),
]

ACTIONS: list[Action] = [
    Action("lang", language.lang),
    Action("evroster", events.roster_action, role=Role.STAFF),
    Action("evci", events.checkin_action, role=Role.STAFF),
]


def build_router(app: App) -> Router:
    router = Router(app, COMMANDS, ACTIONS)
    app.router = router
    return router
