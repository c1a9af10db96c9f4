"""通知: the broadcast composer (群发), staff only, the /broadcast flow on a page.

Text, groups by committee and tag, 收到 and urgent → a preview that is the very message the
groups get (``render``), with the quiet-hours warning (``send_time``) → confirm. Confirming
saves the same ``Draft`` the flow's finish saves and fans it out once: the form carries a
random ``instance``, so a second press of 发送 sends nothing more. Then the browser goes to
that broadcast's delivery report.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.chats import ChatRecord, Tag
from bot.i18n import text
from bot.messages import Reply
from bot.notices.delivery import fan_out, render, send_time
from bot.notices.repo import Draft, Kind, NoticeRepo, Targets
from bot.notices.schedule import Now
from bot.parsing import InputError
from bot.platforms.workbench.render import page
from bot.roles import Role
from bot.workbench.signin import WebSession

TEXT = (2, 1000)  # the /broadcast flow's Text(2, 1000)
INSTANCE_PREFIX = "web:"


@dataclass(frozen=True)
class Composed:
    """What the composer's form says, as typed."""

    body: str = ""
    everyone: bool = False
    tags: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    ack: bool = False
    urgent: bool = False
    instance: str = ""


def composed(values: dict[str, str], tags: Sequence[str], committees: Sequence[str]) -> Composed:
    return Composed(
        body=values.get("text", "").strip(),
        everyone=values.get("everyone") == "yes",
        tags=tuple(tags),
        committees=tuple(committees),
        ack=values.get("ack") == "yes",
        urgent=values.get("urgent") == "yes",
        instance=values.get("instance", ""),
    )


def _lang(app: App, session: WebSession) -> str:
    return app.notifier.language_of(session.user)


def _refused(app: App, session: WebSession) -> Response:
    return page(
        "message.html",
        _lang(app, session),
        403,
        session=session,
        message_key="workbench.staff_only",
    )


async def _targets(app: App, form: Composed) -> Targets:
    if form.everyone:
        return Targets(everyone=True)
    try:
        tags = tuple(Tag(t) for t in form.tags)
        committees = tuple(int(c) for c in form.committees)
    except ValueError:
        raise InputError("workbench.bad_choice") from None
    known = {c.id for c in await app.committees.residents()}
    if not set(committees) <= known:
        raise InputError("workbench.bad_choice")
    return Targets(tags=tags, committees=committees)


async def _draft(app: App, session: WebSession, form: Composed) -> tuple[Draft, list[ChatRecord]]:
    """The notice this form makes and the chats it reaches; ``InputError`` when it cannot."""
    low, high = TEXT
    if len(form.body) < low:
        raise InputError("input.text.too_short", min=low, length=len(form.body))
    if len(form.body) > high:
        raise InputError("input.text.too_long", max=high, length=len(form.body))
    targets = await _targets(app, form)
    chats = [c for c in await targets.chats(app.chats, app.platforms) if c.active]
    if not chats:
        raise InputError("notices.broadcast.no_chats")
    draft = Draft(
        kind=Kind.BROADCAST,
        body=form.body,
        targets=targets,
        schedule=Now(),
        created_by=session.user.ref,
        urgent=form.urgent,
        ack=form.ack,
        ack_remind_minutes=app.settings.ack_remind_minutes if form.ack else None,
        instance=INSTANCE_PREFIX + form.instance if form.instance else None,
    )
    return draft, chats


async def _compose_page(
    app: App,
    session: WebSession,
    form: Composed,
    *,
    error: str = "",
    status: int = 200,
    preview: Reply | None = None,
    count: int = 0,
    held: str = "",
) -> Response:
    return page(
        "compose.html",
        _lang(app, session),
        status,
        session=session,
        form=form,
        tags=list(Tag),
        committees=await app.committees.residents(),
        error=error,
        preview=preview,
        count=count,
        held=held,
    )


async def compose_page(app: App, session: WebSession) -> Response:
    if session.user.role < Role.STAFF:
        return _refused(app, session)
    return await _compose_page(app, session, Composed())


async def preview(app: App, session: WebSession, form: Composed) -> Response:
    """The message exactly as sent, how many groups get it, and who waits for the morning."""
    if session.user.role < Role.STAFF:
        return _refused(app, session)
    lang = _lang(app, session)
    try:
        draft, chats = await _draft(app, session, form)
    except InputError as exc:
        error = text(lang, exc.key, **exc.params)
        return await _compose_page(app, session, form, error=error, status=400)
    now = app.clock.now()
    waiting = sum(send_time(app, c, urgent=draft.urgent, now=now) > now for c in chats)
    held = ""
    if waiting:
        held = text(
            lang,
            "notices.broadcast.held",
            count=waiting,
            start=app.settings.quiet_start.strftime("%H:%M"),
            end=app.settings.quiet_end.strftime("%H:%M"),
        )
    fresh = replace(form, instance=form.instance or secrets.token_hex(16))
    return await _compose_page(
        app,
        session,
        fresh,
        preview=render(app, draft.as_notice(now), None),
        count=len(chats),
        held=held,
    )


async def send(app: App, session: WebSession, form: Composed) -> Response:
    """Confirmed: saved and fanned out once (as the flow's finish), then its report."""
    if session.user.role < Role.STAFF:
        return _refused(app, session)
    if not form.instance:  # only a previewed form is sent
        return await preview(app, session, form)
    try:
        draft, _ = await _draft(app, session, form)
    except InputError as exc:
        error = text(_lang(app, session), exc.key, **exc.params)
        return await _compose_page(app, session, form, error=error, status=400)
    notice = await NoticeRepo(app.db, app.clock).add(draft)
    await fan_out(app, notice, notice.since)  # None when this instance was already sent
    return RedirectResponse(f"/notices/{notice.id}", status_code=303)
