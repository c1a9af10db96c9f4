"""/join (加入居委会): a resident picks their residents' committee, a name and maybe a phone.

It is what lets later notices and events reach the right people.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from bot.context import Context
from bot.messages import Option
from bot.parsing import ChinesePhone
from conversations.steps import Answers, Choice, Flow, Phone, Step, Text


class JoinAnswers(BaseModel):
    committee: int
    name: str
    phone: ChinesePhone | None = None


async def committee_options(ctx: Context, answers: Answers) -> Sequence[Option]:
    committees = await ctx.app.committees.residents()
    return [Option(ctx.t("committee.label", name=c.name), str(c.id)) for c in committees]


def suggested_name(ctx: Context, answers: Answers) -> str | None:
    return ctx.user.display_name or ctx.incoming.user.name or None


async def finish(ctx: Context, answers: JoinAnswers, instance: str) -> None:
    """Saves the membership and says what it means."""
    user = await ctx.app.users.join(ctx.user, answers.committee, answers.name, answers.phone)
    ctx.say("join.done", name=user.display_name, committee=user.committee_name or "")


FLOW = Flow(
    name="join",
    title="join.title",
    steps=(
        Step("committee", Choice(committee_options), "join.ask_committee", "join.committee"),
        Step("name", Text(1, 20, suggest=suggested_name), "join.ask_name", "join.name"),
        Step("phone", Phone(), "join.ask_phone", "join.phone", optional=True),
    ),
    model=JoinAnswers,
    finish=finish,
    private=True,
)
