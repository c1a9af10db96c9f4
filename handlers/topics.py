"""/topics (议题列表): a committee's open topics with their supports, and 附议 / 取消附议.

Button values are ``tp:c:<committee>`` (list), ``tp:v:<topic>`` (show one), ``tp:s:<topic>``
(support) and ``tp:u:<topic>`` (take it back); staff also get ``tpr:<ref>`` to review.
Where buttons don't exist, ``/topics NAME``, ``/support REF`` and ``/unsupport REF`` do the same.
"""

from __future__ import annotations

from bot.context import Context
from bot.messages import Option, Reply
from bot.parsing import match_option, parse_id
from bot.roles import allows
from bot.topics.committees import TopicCommittee, TopicCommittees
from bot.topics.service import OPEN, REVIEWER, TRANSITIONS, Status, Topic, TopicError, TopicService

LIST_LIMIT = 10  # topics shown per committee, most supported first


def card(ctx: Context, topic: Topic, supported: bool) -> Reply:
    """One topic as people see it: an anonymous name only for staff, and never in a group."""
    viewer = None if ctx.chat.is_group else ctx.user.role
    lines = [
        ctx.t("topics.card.head", ref=topic.ref, title=topic.title),
        ctx.t(
            "topics.card.state",
            committee=topic.committee,
            status_key=topic.status.label_key,
            supports=topic.supports,
        ),
        ctx.t("topics.card.by", submitter=topic.submitter_for(ctx.lang, viewer)),
    ]
    if topic.status is Status.ACCEPTED:
        if topic.meeting:
            lines.append(ctx.t("topics.card.meeting", meeting=topic.meeting.isoformat()))
        else:
            lines.append(ctx.t("topics.card.meeting_tbd"))
    if topic.merged_into:
        lines.append(ctx.t("topics.card.merged", into=topic.merged_into))
    lines.append(topic.summary(120))
    options = []
    if topic.status in OPEN and topic.submitter_id != ctx.user.id:
        if supported:
            options.append(Option(ctx.t("topics.unsupport_button"), f"tp:u:{topic.id}"))
        else:
            options.append(Option(ctx.t("topics.support_button"), f"tp:s:{topic.id}"))
    if allows(ctx.user.role, REVIEWER) and TRANSITIONS[topic.status]:
        options.append(Option(ctx.t("topics.review_button"), f"tpr:{topic.ref}"))
    return Reply("\n".join(lines), tuple(options))


async def _pick(ctx: Context, committees: list[TopicCommittee], said: str) -> TopicCommittee | None:
    number = parse_id(said)
    if number is not None and number <= len(committees):
        return committees[number - 1]
    found = await TopicCommittees(ctx.app.db, ctx.app.clock).by_name(said)
    if found is not None:
        return found
    chosen = match_option(said, [Option(c.name, str(c.id)) for c in committees])
    return next((c for c in committees if chosen and str(c.id) == chosen.value), None)


async def topics(ctx: Context) -> None:
    """``/topics [committee]``: the committee's open topics, or a choice of committee first."""
    committees = await TopicCommittees(ctx.app.db, ctx.app.clock).all()
    if not committees:
        ctx.say("topics.no_committees")
        return
    said = ctx.incoming.arg_text.strip()
    if said:
        committee = await _pick(ctx, committees, said)
        if committee is None:
            ctx.say("topics.committee.unknown", name=said)
            return
    elif len(committees) == 1:
        committee = committees[0]
    else:
        options = [Option(c.name, f"tp:c:{c.id}") for c in committees]
        ctx.say("topics.pick_committee", options=options)
        return
    await _show_committee(ctx, committee)


async def _show_committee(ctx: Context, committee: TopicCommittee) -> None:
    service = TopicService.of(ctx.app)
    found = await service.find(
        committee_id=committee.id, statuses=OPEN, most_supported=True, limit=LIST_LIMIT
    )
    if not found:
        ctx.say("topics.none", committee=committee.name)
        return
    supported = await service.supported_by(ctx.user, [t.id for t in found])
    ctx.say("topics.list_head", committee=committee.name, count=len(found))
    for topic in found:
        ctx.reply(card(ctx, topic, topic.id in supported))


async def action(ctx: Context) -> None:
    """The ``tp:`` buttons."""
    _, kind, value = [*(ctx.incoming.choice or "").split(":", 2), "", ""][:3]
    number = parse_id(value)
    if number is None:
        ctx.say("router.stale_button")
        return
    if kind == "c":
        committee = await TopicCommittees(ctx.app.db, ctx.app.clock).by_id(number)
        if committee is None or not committee.active:
            ctx.say("router.stale_button")
            return
        await _show_committee(ctx, committee)
    elif kind == "v":
        await _show_one(ctx, number)
    elif kind in ("s", "u"):
        await _support(ctx, number, back=kind == "u")
    else:
        ctx.say("router.stale_button")


async def _show_one(ctx: Context, topic_id: int) -> None:
    service = TopicService.of(ctx.app)
    topic = await service.by_id(topic_id)
    if topic is None:
        ctx.say("router.stale_button")
        return
    supported = topic.id in await service.supported_by(ctx.user, [topic.id])
    ctx.reply(card(ctx, topic, supported))


async def _support(ctx: Context, topic_id: int, *, back: bool) -> None:
    service = TopicService.of(ctx.app)
    try:
        if back:
            topic, changed = await service.withdraw(topic_id, ctx.user)
        else:
            topic, changed = await service.support(topic_id, ctx.user)
    except TopicError as exc:
        ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
        return
    if back:
        key = "topics.support.withdrawn" if changed else "topics.support.not_supported"
        option = Option(ctx.t("topics.support_button"), f"tp:s:{topic.id}")
    else:
        key = "topics.support.added" if changed else "topics.support.already"
        option = Option(ctx.t("topics.unsupport_button"), f"tp:u:{topic.id}")
    ctx.say(key, ref=topic.ref, title=topic.title, supports=topic.supports, options=[option])


async def _by_ref(ctx: Context, back: bool) -> None:
    args = ctx.incoming.args
    if not args:
        ctx.say("topics.support.usage", command="unsupport" if back else "support")
        return
    topic = await TopicService.of(ctx.app).get(args[0])
    if topic is None:
        ctx.say("topics.unknown_ref", ref=args[0])
        return
    await _support(ctx, topic.id, back=back)


async def support(ctx: Context) -> None:
    """``/support REF`` (附议)."""
    await _by_ref(ctx, back=False)


async def unsupport(ctx: Context) -> None:
    """``/unsupport REF`` (取消附议)."""
    await _by_ref(ctx, back=True)


async def review(ctx: Context) -> None:
    """The 审议 button (``tpr:<ref>``, staff only): opens /review on that topic."""
    ref = (ctx.incoming.choice or "").partition(":")[2]
    await ctx.router.run_command(ctx, "review", (ref,) if ref else ())
