"""Admin and staff tools in chat: /grant a role, /bind a group to a committee and tag it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.chats import TAG_WORDS, Tag
from bot.committees import Committee
from bot.context import Context
from bot.roles import Role

DIRECTORS_MAY_NOT_SET = frozenset({Tag.STAFF, Tag.DIRECTORS})


async def committees_and_tags(
    ctx: Context, words: Sequence[str]
) -> tuple[list[Committee], set[Tag]] | None:
    """Residents' committee names and group types (居民群, staff…) as typed; None after saying
    which word was not understood."""
    committees: list[Committee] = []
    tags: set[Tag] = set()
    for word in words:
        tag = TAG_WORDS.get(word.lower())
        if tag is not None:
            tags.add(tag)
            continue
        committee = await ctx.app.committees.resident_by_name(word)
        if committee is None:
            ctx.say("bind.unknown_word", word=word)
            return None
        committees.append(committee)
    return committees, tags


async def grant(ctx: Context) -> None:
    """``/grant [platform:]id role [committee]``: give someone a role (admins only)."""
    args = ctx.incoming.args
    if len(args) < 2:
        ctx.say("grant.usage")
        return
    target, role_word, *rest = args
    platform, sep, external_id = target.partition(":")
    if not sep:
        platform, external_id = ctx.incoming.user.platform, target
    try:
        role = Role.parse(role_word)
    except ValueError:
        ctx.say("grant.bad_role", role=role_word)
        return
    committee_id = None
    if rest:
        committee = await ctx.app.committees.resident_by_name(rest[0])
        if committee is None:
            ctx.say("committee.unknown", name=rest[0])
            return
        committee_id = committee.id
    if role is Role.DIRECTOR and committee_id is None:
        ctx.say("grant.director_needs_committee")
        return
    user = await ctx.app.users.grant(platform, external_id, role, committee_id, by=ctx.user.ref)
    ctx.say(
        "grant.done",
        who=user.display_name or user.ref,
        role=ctx.t(f"role.{role.name.lower()}"),
        committee=user.committee_name or "—",
    )
    await ctx.app.notifier.user(user, "grant.told", role_key=f"role.{role.name.lower()}")


async def bind(ctx: Context) -> None:
    """``/bind [committee] tag…`` in a group: its residents' committee and its tags."""
    if not ctx.chat.is_group:
        ctx.say("bind.groups_only")
        return
    read = await committees_and_tags(ctx, ctx.incoming.args)
    if read is None:
        return
    committees, tags = read
    committee_id, committee_name = (
        (committees[-1].id, committees[-1].name) if committees else (None, "—")
    )
    if not tags:
        ctx.say("bind.usage")
        return
    if ctx.user.role is Role.DIRECTOR:
        # A director sets up their own committee's groups only: not another committee's group,
        # and not a staff or directors' group, which get every committee's reports and notices.
        bound = await ctx.app.chats.find(ctx.chat.address)
        theirs = (None, ctx.user.committee_id)
        if committee_id not in theirs or (bound is not None and bound.committee_id not in theirs):
            ctx.say("bind.own_committee_only")
            return
        if tags & DIRECTORS_MAY_NOT_SET or (
            bound is not None and bound.tags & DIRECTORS_MAY_NOT_SET
        ):
            ctx.say("bind.staff_only_tags")
            return
        committee_id, committee_name = ctx.user.committee_id, ctx.user.committee_name or "—"
    await ctx.app.chats.bind(ctx.chat, committee_id, tags)
    names = "、".join(ctx.t(f"tag.{tag.value}") for tag in sorted(tags))
    ctx.say("bind.done", committee=committee_name, tags=names)
