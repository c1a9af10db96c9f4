"""问答 for staff: the 转人工 queue with an answer box (relayed once to the resident, as
/answer), the questions the knowledge base did not answer, and its entries."""

from __future__ import annotations

from starlette.responses import Response

from bot.app import App
from bot.faq.desk import FaqDesk, relay_answer
from bot.i18n import text
from bot.platforms.workbench.render import page
from bot.roles import Role
from bot.workbench.signin import WebSession

ANSWER_LIMIT = 2000


def desk_of(app: App) -> FaqDesk:
    return FaqDesk.of(app)


async def faq_page(app: App, session: WebSession, *, said: str = "", ok: bool = True) -> Response:
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    desk = desk_of(app)
    kb, _ = await desk.index()
    return page(
        "faq.html",
        lang,
        200 if ok else 400,
        session=session,
        handovers=await desk.open_handovers(),
        gaps=await desk.gaps(30),
        entries=sorted(kb, key=lambda e: (e.topic, e.id)),
        said=said,
        said_ok=ok,
        limit=ANSWER_LIMIT,
    )


async def faq_answer(
    app: App, session: WebSession, handover_id: int, form: dict[str, str]
) -> Response:
    lang = app.notifier.language_of(session.user)
    if session.user.role < Role.STAFF:
        return page("message.html", lang, 403, session=session, message_key="workbench.staff_only")
    answer = form.get("answer", "").strip()
    if not answer or len(answer) > ANSWER_LIMIT:
        return await faq_page(app, session, said=text(lang, "workbench.faq.empty"), ok=False)
    key = await relay_answer(app, desk_of(app), handover_id, session.user, answer)
    return await faq_page(
        app, session, said=text(lang, key, id=handover_id), ok=key == "faq.answer_sent"
    )
