"""Answers residents' questions (加装电梯 first), asks 有帮助吗?, and hands over to staff."""

from __future__ import annotations

import re

from bot.chats import Tag
from bot.context import Context
from bot.faq.desk import FaqDesk, relay_answer
from bot.faq.knowledge_base import Entry, format_answer
from bot.messages import Option, Reply
from bot.parsing import parse_id
from bot.roles import Role
from handlers import small_talk

MAX_QUESTION = 500
MENU_PER_TOPIC = 5  # WeCom cards take at most 6 buttons
# Headings for the knowledge files' topics; a staff-added topic shows as 其他问题.
TOPIC_KEYS = {"elevator": "faq.topic.elevator", "fire-safety": "faq.topic.fire_safety"}
LOW_SCORE = 0.08  # below this nothing in the knowledge base is even close: offer staff only
HANDOVER_REF = re.compile(r"#Q(\d+)")


def desk_of(ctx: Context) -> FaqDesk:
    return FaqDesk.of(ctx.app)


async def faq(ctx: Context) -> None:
    """``/faq 问题``; without a question (or as 常见问题) the most-asked questions by topic."""
    question = ctx.incoming.arg_text.strip()
    if not question:
        await menu(ctx)
        return
    await answer(ctx, question)


async def menu(ctx: Context) -> None:
    """One message per topic, its most-asked questions as buttons (``faq:show:<entry>``)."""
    groups = await desk_of(ctx).most_asked(MENU_PER_TOPIC)
    for n, (topic, entries) in enumerate(groups):
        heading = ctx.t("faq.menu_topic", topic=ctx.t(TOPIC_KEYS.get(topic, "faq.topic.other")))
        intro = ctx.t("faq.menu_intro") + "\n\n" if n == 0 else ""
        options = tuple(Option(e.question, f"faq:show:{e.id}") for e in entries)
        ctx.reply(Reply(intro + heading, options=options))


async def fallback(ctx: Context) -> None:
    """Free text in a private chat, or a group message that mentions the bot.

    Greetings, thanks and wishes (我要报名) are answered first and never become FAQ gaps.
    """
    question = (ctx.incoming.text or "").strip()
    if not question:
        ctx.say("router.not_understood")
        return
    if await small_talk.answer(ctx, question):
        return
    await answer(ctx, question)


async def answer(ctx: Context, question: str) -> None:
    asked = await desk_of(ctx).ask(
        ctx.user, ctx.chat.platform, ctx.chat.id, question[:MAX_QUESTION]
    )
    result, qid = asked.answer, asked.question_id
    if result.confident and result.best is not None:
        _show(ctx, result.best, qid)
        return
    human = Option(ctx.t("faq.human"), f"faq:human:{qid}")
    if result.best is None or result.score < LOW_SCORE:
        ctx.say("faq.not_found", options=[human])
        return
    candidates = [result.best, *(m.entry for m in result.alternatives)][:3]
    options = [Option(e.question, f"faq:pick:{qid}:{e.id}") for e in candidates]
    ctx.say("faq.unsure", options=[*options, human])


def _show(ctx: Context, entry: Entry, qid: int) -> None:
    """The answer with 有帮助吗? under it: one message, so one request to the platform."""
    ctx.reply(
        Reply(
            format_answer(entry, ctx.lang) + "\n\n" + ctx.t("faq.helpful"),
            options=(
                Option(ctx.t("faq.yes"), f"faq:yes:{qid}"),
                Option(ctx.t("faq.no"), f"faq:no:{qid}"),
            ),
        )
    )


async def on_button(ctx: Context) -> None:
    """``faq:show:<entry>`` (from the list), ``faq:pick:<qid>:<entry>``, ``faq:yes|no:<qid>``,
    ``faq:human:<qid>``."""
    _, what, qid_text, entry_id = [*(ctx.incoming.choice or "").split(":", 3), "", "", ""][:4]
    desk = desk_of(ctx)
    if what == "show":
        await _show_chosen(ctx, desk, qid_text)
        return
    qid = parse_id(qid_text)
    asked = await desk.question(qid) if qid is not None else None
    if qid is None or asked is None or asked[1] != ctx.user.id:
        ctx.say("router.stale_button")
        return
    if what == "pick" and (entry := await desk.entry(entry_id)) is not None:
        await desk.picked(qid, entry.id)
        _show(ctx, entry, qid)
    elif what in ("yes", "no"):
        await desk.feedback(qid, helpful=what == "yes")
        if what == "yes":
            ctx.say("faq.thanks")
        else:
            ctx.say("faq.sorry", options=[Option(ctx.t("faq.human"), f"faq:human:{qid}")])
    elif what == "human":
        await _hand_over(ctx, desk, qid, asked[0])
    else:
        ctx.say("router.stale_button")


async def _show_chosen(ctx: Context, desk: FaqDesk, entry_id: str) -> None:
    entry = await desk.entry(entry_id)
    if entry is None:  # removed from the knowledge base since the list was sent
        ctx.say("router.stale_button")
        return
    qid = await desk.chose(ctx.user, ctx.chat.platform, ctx.chat.id, entry)
    _show(ctx, entry, qid)


async def _hand_over(ctx: Context, desk: FaqDesk, qid: int, question: str) -> None:
    handover_id = await desk.hand_over(qid)
    if handover_id is None:
        ctx.say("faq.already_handed_over")
        return
    notice = ctx.app.notifier.group_text(
        "faq.to_staff",
        ref=f"#Q{handover_id}",
        id=handover_id,
        question=question,
        committee=ctx.user.committee_name or "—",
    )
    groups = await ctx.app.chats.groups(tags=[Tag.STAFF])
    for group in groups:
        await ctx.app.notifier.group(
            group.address, Reply(notice), dedup_key=f"faq:handover:{handover_id}:{group.address}"
        )
    if not groups:  # no staff group yet: each staff member privately
        for staff in await ctx.app.users.with_role(Role.STAFF):
            await ctx.app.notifier.user(
                staff,
                "faq.to_staff",
                ref=f"#Q{handover_id}",
                id=handover_id,
                question=question,
                committee=ctx.user.committee_name or "—",
                dedup_key=f"faq:handover:{handover_id}:{staff.ref}",
            )
    ctx.say("faq.handed_over")


async def answer_handover(ctx: Context) -> None:
    """``/answer <id> 答复`` (or as a reply to the hand-over message): relayed to the resident."""
    args = list(ctx.incoming.args)
    handover_id: int | None = None
    if args and args[0].lstrip("#Qq").isdecimal():
        handover_id = parse_id(args.pop(0).lstrip("#Qq"))  # None past SQLite's integers
    elif ctx.incoming.reply_to_text and (found := HANDOVER_REF.search(ctx.incoming.reply_to_text)):
        handover_id = parse_id(found.group(1))
    text = " ".join(args).strip()
    if handover_id is None or not text:
        ctx.say("faq.answer_usage")
        return
    key = await relay_answer(ctx.app, desk_of(ctx), handover_id, ctx.user, text)
    ctx.say(key, id=handover_id)
