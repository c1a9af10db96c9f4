"""Every command, flow and button action, in one ordered list: the order /help shows them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.roles import Role
from bot.router import Action, Command, Router
from conversations import broadcast, join, meeting
from handlers import admin, language, start
from handlers import notices as notice_tools

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
    Command("broadcast", "help.broadcast", flow=broadcast.FLOW, aliases=("群发", "群发通知")),
    Command("meeting", "help.meeting", flow=meeting.FLOW, aliases=("会议通知", "开会通知")),
    Command("meetings", "help.meetings", notice_tools.meetings, role=Role.STAFF),
    Command("reschedule", "help.reschedule", flow=meeting.RESCHEDULE, in_menu=False),
    Command(
        "cancelmeeting",
        "help.cancelmeeting",
        notice_tools.cancel_meeting,
        role=Role.STAFF,
        in_menu=False,
    ),
    Command("notices", "help.notices", notice_tools.notices, role=Role.STAFF),
    Command("campaign", "help.campaign", notice_tools.campaign_cmd, role=Role.STAFF),
    Command("ack", "help.ack", notice_tools.ack_text, aliases=("收到",), in_menu=False),
]

ACTIONS: list[Action] = [
    Action("lang", language.lang),
    Action("ack", notice_tools.ack_button),
    Action("meeting", notice_tools.meeting_action, role=Role.STAFF),
]


def build_router(app: App) -> Router:
    router = Router(app, COMMANDS, ACTIONS)
    app.router = router
    return router
