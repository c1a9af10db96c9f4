"""Answers residents' questions (加装电梯 first), asks 有帮助吗?, and hands over to staff."""

from __future__ import annotations

import re

from bot.chats import Tag
from bot.context import Context
from bot.faq.desk import FaqDesk
from bot.faq.knowledge_base import Entry, format_answer
from bot.messages import Option, Reply
from bot.parsing import parse_id
from bot.roles import Role

MAX_QUESTION = 500
LOW_SCORE = 0.08  # below this nothing in the knowledge base is even close: offer staff only
HANDOVER_REF = re.compile(r"#Q(\d+)")


def desk_of(ctx: Context) -> FaqDesk:
    return FaqDesk(ctx.app.db, ctx.app.clock, ctx.app.settings.faq_dir)


async def faq(ctx: Context) -> None:
    """``/faq 问题``."""
    question = ctx.incoming.arg_text.strip()
    if not question:
        ctx.say("faq.usage")
        return
    await answer(ctx, question)


async def fallback(ctx: Context) -> None:
    """Free text in a private chat, or a group message that mentions the bot."""
    question = (ctx.incoming.text or "").strip()
    if not question:
        ctx.say("router.not_understood")
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
    ctx.reply(Reply(format_answer(entry, ctx.lang)))
    ctx.say(
        "faq.helpful",
        options=[
            Option(ctx.t("faq.yes"), f"faq:yes:{qid}"),
            Option(ctx.t("faq.no"), f"faq:no:{qid}"),
        ],
    )


async def on_button(ctx: Context) -> None:
    """``faq:pick:<qid>:<entry>``, ``faq:yes|no:<qid>``, ``faq:human:<qid>``."""
    _, what, qid_text, entry_id = [*(ctx.incoming.choice or "").split(":", 3), "", "", ""][:4]
    desk = desk_of(ctx)
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
    desk = desk_of(ctx)
    handover = await desk.handover(handover_id)
    if handover is None:
        ctx.say("faq.no_such_handover", id=handover_id)
        return
    if not await desk.answer_handover(handover_id, ctx.user, text):
        ctx.say("faq.already_answered", id=handover_id)
        return
    resident = await ctx.app.users.by_id(handover.user_id)
    if resident is not None:
        await ctx.app.notifier.user(
            resident,
            "faq.staff_answer",
            question=handover.question,
            answer=text,
            dedup_key=f"faq:answer:{handover_id}",
        )
    ctx.say("faq.answer_sent", id=handover_id)
