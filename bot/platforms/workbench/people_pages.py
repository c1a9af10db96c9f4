"""人员 for admins: who has which role, the groups bound to committees, and granting a role
(the same ``users.grant`` and notice as ``/grant`` and ``juwei admin grant``)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.i18n import text
from bot.platforms.workbench.render import page
from bot.roles import Role
from bot.workbench.signin import WebSession

SHOWN_ROLES = (Role.ADMIN, Role.STAFF, Role.DIRECTOR)


def _forbidden(app: App, session: WebSession) -> Response:
    lang = app.notifier.language_of(session.user)
    return page("message.html", lang, 403, session=session, message_key="workbench.admin_only")


async def people_page(
    app: App, session: WebSession, *, error: str = "", done: str = "", status: int = 200
) -> Response:
    if session.user.role < Role.ADMIN:
        return _forbidden(app, session)
    people = [(role, await app.users.with_role(role)) for role in SHOWN_ROLES]
    return page(
        "people.html",
        app.notifier.language_of(session.user),
        status,
        session=session,
        people=people,
        groups=await app.chats.groups(),
        committees=await app.committees.residents(),
        roles=list(Role),
        error=error,
        done=done,
    )


async def people_grant(app: App, session: WebSession, form: dict[str, str]) -> Response:
    if session.user.role < Role.ADMIN:
        return _forbidden(app, session)
    lang = app.notifier.language_of(session.user)
    who = form.get("who", "").strip()
    platform, sep, external_id = who.partition(":")
    try:
        role = Role.parse(form.get("role", ""))
    except ValueError:
        role = None
    committee = None
    if form.get("committee"):
        committee = await app.committees.resident_by_name(form["committee"])
    if not sep or not platform or not external_id or role is None:
        return await people_page(app, session, error=text(lang, "workbench.people.bad"), status=400)
    if role is Role.DIRECTOR and committee is None:
        return await people_page(
            app, session, error=text(lang, "workbench.people.need_committee"), status=400
        )
    async with app.db.transaction():
        user = await app.users.grant(
            platform, external_id, role, committee.id if committee else None, by=session.user.ref
        )
        await app.notifier.user(user, "grant.told", role_key=f"role.{role.name.lower()}")
    return RedirectResponse(f"/people?done={user.ref}", status_code=303)
