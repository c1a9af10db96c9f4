"""Every command, flow and button action, in one ordered list: the order /help shows them in."""

from __future__ import annotations

from bot.app import App
from bot.menus import GO
from bot.roles import Role
from bot.router import Action, Command, Router
from conversations import events as event_flows
from conversations import hazards as hazard_flows
from conversations import inspections as inspection_flows
from conversations import join
from conversations import notices as notice_flows
from conversations import polls as poll_flows
from conversations import topics as topic_flows
from handlers import (
    admin,
    events,
    faq,
    hazards,
    inspections,
    language,
    polls,
    start,
    topics,
    workbench,
)
from handlers import notices as notice_tools

COMMANDS: list[Command] = [
    # -- everyone: what residents and directors come for --------------------------------------
    Command("start", "help.start", start.start, in_menu=False),
    Command(
        "report",
        "hazard.help.report",
        flow=hazard_flows.REPORT_FLOW,
        aliases=("上报隐患", "隐患上报", "报隐患"),
        payload="report",
    ),
    Command(
        "myreports", "hazard.help.myreports", hazards.myreports, aliases=("我的上报", "我的隐患")
    ),
    Command(
        "events",
        "help.events",
        flow=event_flows.SIGNUP_FLOW,
        payload="ev",
        aliases=("活动报名", "报名"),
    ),
    Command("mysignups", "help.mysignups", flow=event_flows.MINE_FLOW, aliases=("我的报名",)),
    Command(
        "topic", "topics.help.topic", flow=topic_flows.TOPIC_FLOW, aliases=("提交议题", "议题征集")
    ),
    Command("topics", "topics.help.topics", topics.topics, aliases=("议题列表", "查看议题")),
    Command("support", "topics.help.support", topics.support),
    Command("unsupport", "topics.help.unsupport", topics.unsupport),
    Command("poll", "polls.help.poll", polls.poll, aliases=("意见征询", "征询意见")),
    Command(
        "poll_answer", "polls.help.poll", flow=poll_flows.POLL_FLOW, payload="poll", in_menu=False
    ),
    Command("faq", "help.faq", faq.faq, aliases=("问答", "常见问题")),
    Command("join", "help.join", flow=join.FLOW, aliases=("加入居委会", "加入")),
    Command("lang", "help.lang", language.lang, aliases=("语言", "language")),
    Command("cancel", "help.cancel", start.cancel, aliases=("取消", "退出")),
    Command("help", "help.help", start.help_, aliases=("帮助", "菜单", "help")),
    # -- directors and staff ------------------------------------------------------------------
    Command(
        "reports",
        "hazard.help.reports",
        hazards.reports,
        role=Role.DIRECTOR,
        aliases=("隐患列表",),
        private=True,
    ),
    Command("report_update", "hazard.help.reports", flow=hazard_flows.MOVE_FLOW, in_menu=False),
    Command("report_reopen", "hazard.help.report", flow=hazard_flows.REOPEN_FLOW, in_menu=False),
    Command(
        "inspect",
        "inspections.help.inspect",
        flow=inspection_flows.INSPECT_FLOW,
        aliases=("排摸", "排摸检查"),
    ),
    Command("bind", "help.bind", admin.bind, role=Role.DIRECTOR),
    Command("review", "topics.help.review", flow=topic_flows.REVIEW_FLOW, aliases=("审议议题",)),
    Command(
        "inspection",
        "inspections.help.inspection",
        flow=inspection_flows.NEW_CAMPAIGN_FLOW,
        aliases=("发起专项行动",),
    ),
    Command(
        "progress",
        "inspections.help.progress",
        inspections.progress,
        role=Role.STAFF,
        aliases=("排摸进度", "专项行动进度"),
    ),
    Command("answer", "help.answer", faq.answer_handover, role=Role.STAFF),
    # Not in the menus: residents would find a tool they cannot use; staff learn it from the README.
    Command("web", "help.web", workbench.web, aliases=("工作台",), private=True, in_menu=False),
    Command("newevent", "help.newevent", flow=event_flows.NEW_EVENT_FLOW, aliases=("发布活动",)),
    Command("roster", "help.roster", events.roster, role=Role.STAFF, private=True),
    Command("checkin", "help.checkin", events.checkin, role=Role.STAFF),
    Command("announce", "help.announce", events.announce, role=Role.STAFF),
    Command("eventmsg", "help.eventmsg", events.event_message, role=Role.STAFF),
    Command("cancelevent", "help.cancelevent", events.cancel_event, role=Role.STAFF),
    # -- admins -------------------------------------------------------------------------------
    Command("grant", "help.grant", admin.grant, role=Role.ADMIN),
    Command(
        "broadcast",
        "help.broadcast",
        flow=notice_flows.BROADCAST_FLOW,
        aliases=("群发", "群发通知"),
    ),
    Command(
        "meeting", "help.meeting", flow=notice_flows.MEETING_FLOW, aliases=("会议通知", "开会通知")
    ),
    Command("meetings", "help.meetings", notice_tools.meetings, role=Role.STAFF),
    Command("reschedule", "help.reschedule", flow=notice_flows.RESCHEDULE, in_menu=False),
    Command(
        "cancelmeeting",
        "help.cancelmeeting",
        notice_tools.cancel_meeting,
        role=Role.STAFF,
        in_menu=False,
    ),
    Command("notices", "help.notices", notice_tools.notices, role=Role.STAFF, private=True),
    Command("campaign", "help.campaign", notice_tools.campaign_cmd, role=Role.STAFF),
    Command(
        "ack",
        "help.ack",
        notice_tools.ack_text,
        aliases=("收到",),
        in_menu=False,
        heard_in_groups=True,
    ),
]

ACTIONS: list[Action] = [
    Action("lang", language.lang),
    Action("faq", faq.on_button),
    Action("hz", hazards.on_button, Role.DIRECTOR, private="reports"),
    Action("hzok", hazards.on_verify),
    Action("insp", inspections.on_button, Role.DIRECTOR),
    Action("tp", topics.action),
    Action("tpr", topics.review, role=Role.STAFF),
    Action("evroster", events.roster_action, role=Role.STAFF, private="roster"),
    Action("evci", events.checkin_action, role=Role.STAFF, private="roster"),
    Action("ack", notice_tools.ack_button),
    Action("meeting", notice_tools.meeting_action, role=Role.STAFF),
    Action(GO, start.go),
]


def build_router(app: App) -> Router:
    return Router(
        app, COMMANDS, ACTIONS, fallback=faq.fallback, answerers=(hazards.answer_in_words,)
    )
