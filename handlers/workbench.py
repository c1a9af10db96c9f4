"""``/web`` (工作台): a one-time link to the workbench for staff, admins and directors."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Link
from bot.workbench.signin import issue_link, may_sign_in


async def web(ctx: Context) -> None:
    """Only in a private chat (the router points a group to it): the link opens a session."""
    if not may_sign_in(ctx.user):
        ctx.say("workbench.web.resident")
        return
    url = await issue_link(ctx.app, ctx.user)
    ctx.say("workbench.web.link", links=[Link(ctx.t("workbench.web.open"), url)])
