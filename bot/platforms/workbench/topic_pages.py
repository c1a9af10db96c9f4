"""议题: topics by committee (专委会) and status, a topic's review actions (accept with a
meeting date, merge, decline, done: the same ``TopicReviews.move`` as /review) and the agenda.

Merging picks the surviving topic from a list of the same committee's open topics; a
reference that is not on that list is refused before anything moves."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.clock import from_db, local
from bot.i18n import text
from bot.platforms.workbench.render import page
from bot.topics.agenda import Agenda, as_markdown
from bot.topics.reviews import TopicReviews
from bot.topics.service import (
    OPEN,
    REVIEWER,
    TRANSITIONS,
    Status,
    Topic,
    TopicError,
    TopicService,
)
from bot.workbench.signin import WebSession


def _lang(app: App, session: WebSession) -> str:
    return app.notifier.language_of(session.user)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def topic_list(app: App, request: Request, session: WebSession) -> Response:
    committees = await app.committees.topic()
    chosen = request.query_params.get("committee", "")
    committee = next((c for c in committees if c.name == chosen), None)
    status = request.query_params.get("status", "")
    statuses = (Status(status),) if status in set(Status) else ()
    topics = await TopicService.of(app).find(
        committee_id=committee.id if committee else None, statuses=statuses
    )
    agenda = None
    if committee is not None:
        meeting, accepted = await TopicService.of(app).agenda(
            committee.id, _day(request.query_params.get("meeting", ""))
        )
        lang = _lang(app, session)
        agenda = as_markdown(Agenda(committee.name, meeting, accepted, lang, app.tz))
    return page(
        "topics.html",
        _lang(app, session),
        session=session,
        topics=[(t, local(t.created_at, app.tz)) for t in topics],
        committees=committees,
        statuses=list(Status),
        chosen=chosen,
        status=status,
        agenda=agenda,
    )


async def merge_candidates(app: App, topic: Topic) -> list[Topic]:
    """Where a topic may be merged: the same committee's open topics but itself."""
    found = await TopicService.of(app).find(committee_id=topic.committee_id, statuses=OPEN)
    return [t for t in found if t.id != topic.id]


async def topic_page(
    app: App, session: WebSession, ref: str, *, error: str = "", status: int = 200
) -> Response:
    lang = _lang(app, session)
    topic = await TopicService.of(app).get(ref)
    if topic is None:
        return page("message.html", lang, 404, session=session, message_key="workbench.not_found")
    reviewer = session.user.role >= REVIEWER
    rows = await TopicReviews.of(app).history(topic) if reviewer else []
    history = [
        (
            local(from_db(r["at"]), app.tz),
            Status(r["to_status"]).label_key,
            r["note"] or "",
            r["channel"] == "workbench",
        )
        for r in rows
    ]
    return page(
        "topic.html",
        lang,
        status,
        session=session,
        topic=topic,
        submitter=topic.submitter_for(lang, session.user.role),
        filed=local(topic.created_at, app.tz),
        targets=TRANSITIONS[topic.status] if reviewer else (),
        candidates=await merge_candidates(app, topic) if reviewer else [],
        history=history,
        error=error,
    )


async def topic_review(app: App, session: WebSession, ref: str, form: dict[str, str]) -> Response:
    lang = _lang(app, session)
    try:
        target = Status(form.get("status", ""))
    except ValueError:
        return await topic_page(
            app, session, ref, error=text(lang, "workbench.bad_choice"), status=400
        )
    meeting_text = form.get("meeting", "").strip()
    meeting = _day(meeting_text)
    if meeting_text and meeting is None:
        return await topic_page(
            app, session, ref, error=text(lang, "workbench.topics.bad_date"), status=400
        )
    into = form.get("into") or None
    if target is Status.MERGED and session.user.role >= REVIEWER:
        topic = await TopicService.of(app).get(ref)
        offered = {t.ref for t in await merge_candidates(app, topic)} if topic else set()
        if into is None or into not in offered:
            return await topic_page(
                app, session, ref, error=text(lang, "workbench.topics.pick_into"), status=400
            )
    try:
        moved = await TopicReviews.of(app).move(
            ref,
            target,
            session.user,
            note=form.get("note"),
            meeting=meeting,
            into=into,
            channel="workbench",
        )
    except TopicError as exc:
        status = 403 if exc.key == "topics.review.staff_only" else 400
        return await topic_page(
            app, session, ref, error=text(lang, exc.key, **exc.params), status=status
        )
    return RedirectResponse(f"/topics/{moved.topic.ref}", status_code=303)
