"""Everyday phrases (你好, 谢谢, 好的, 我要报名 …), answered before free text goes to the FAQ.

They are not questions about lifts: a greeting or thanks gets a short answer and a menu, an
intent starts its form, and none of them is recorded as a question the FAQ could not answer.
The phrases are data below; a message counts only when it is one of them as a whole (after
punctuation and a trailing 啊/呀), so 我想加装电梯 still reaches the FAQ.
"""

from __future__ import annotations

import re

from bot.context import Context
from bot.menus import command_button
from bot.messages import Option
from bot.parsing import normalise

GREETINGS = frozenset(
    {
        "你好", "您好", "你们好", "大家好", "哈喽", "嗨", "在吗", "在不在", "有人吗", "在么",
        "早", "早上好", "上午好", "中午好", "下午好", "晚上好", "侬好",
        "hello", "hi", "hey", "good morning", "good afternoon", "good evening",
    }
)  # fmt: skip
THANKS = frozenset(
    {
        "谢谢", "多谢", "谢谢你", "谢谢您", "谢谢啦", "谢啦", "感谢", "非常感谢", "太感谢了",
        "辛苦了", "辛苦", "麻烦了", "好的谢谢", "谢谢侬",
        "thanks", "thank you", "thx", "many thanks",
    }
)  # fmt: skip
OKAY = frozenset(
    {
        "好的", "好", "好滴", "好嘞", "嗯", "嗯嗯", "哦", "哦哦", "行", "可以", "知道了", "明白了",
        "明白", "了解", "ok", "okay", "好的好的",
    }
)  # fmt: skip

# "我要 / 我想 / 想 …" before what people want to do; the rest names the form.
WANTING = (
    "我想要", "我要", "我想", "想要", "想", "要", "我来", "请问怎么", "怎么", "如何",
    "i want to ", "i would like to ", "how do i ", "how to ", "can i ",
)  # fmt: skip
INTENTS: dict[str, str] = {
    "报名": "events", "报名活动": "events", "活动报名": "events", "参加活动": "events",
    "报个名": "events",
    "上报": "report", "上报隐患": "report", "报隐患": "report", "反映隐患": "report",
    "举报隐患": "report", "报个隐患": "report", "反映安全隐患": "report",
    "提建议": "topic", "提个建议": "topic", "提一个建议": "topic", "提点建议": "topic",
    "建议": "topic", "提议题": "topic", "提个议题": "topic", "提交议题": "topic",
    "sign up": "events", "report a hazard": "report", "make a suggestion": "topic",
}  # fmt: skip
# A problem to raise could be a hazard or a topic for the committees: the person picks.
EITHER = frozenset(
    {"反映问题", "反映个问题", "反映一个问题", "反映情况", "反映个情况", "反映一下问题", "提意见"}
)
_LONGEST_FIRST = sorted(GREETINGS, key=len, reverse=True)  # 早上好 before 早
MENU = ("events", "report", "topic", "help")  # the commands the menu's buttons run

_NOISE = re.compile(r"[\s,.!?~，。！？、…～:：;；'\"“”‘’()（）]+")
_PARTICLES = re.compile(r"[啊呀哈哦呢吧嘛啦]+$")


def _clean(text: str) -> str:
    """Without punctuation and a trailing 啊/呀 (unless that is all there is: 哦)."""
    said = _NOISE.sub(" ", normalise(text)).strip()
    if not said.isascii():  # spacing in Chinese is incidental
        said = said.replace(" ", "")
    return _PARTICLES.sub("", said) or said


def _wish(said: str) -> str | None:
    """The command a wish names (我要报名 → events), ``either`` for 反映个问题, else None."""
    for prefix in ("", *WANTING):
        if said.startswith(prefix):
            rest = said[len(prefix) :]
            if rest in INTENTS:
                return INTENTS[rest]
            if rest in EITHER:
                return "either"
    return None


def kind_of(text: str) -> str | None:
    """``greeting``, ``thanks``, ``okay``, a command name, ``either``, or None (a question)."""
    said = _clean(text)
    greeted = False
    while not said.isascii():  # 您好，在吗，我要报名: the greetings go, the wish counts
        word = next((w for w in _LONGEST_FIRST if said.startswith(w) and len(said) > len(w)), None)
        if word is None:
            break
        said, greeted = _clean(said[len(word) :]), True
    if said in GREETINGS:
        return "greeting"
    if said in THANKS:
        return "thanks"
    if said in OKAY:
        return "greeting" if greeted else "okay"
    return _wish(said)


def menu(ctx: Context) -> list[Option]:
    return [command_button(ctx.t(f"small_talk.menu.{name}"), name) for name in MENU]


async def answer(ctx: Context, text: str) -> bool:
    """Answers an everyday phrase; False when the text is something else (a question)."""
    kind = kind_of(text)
    if kind is None:
        return False
    if kind in ("greeting", "thanks", "okay"):
        ctx.say(f"small_talk.{kind}", options=menu(ctx))
    elif kind == "either":
        ctx.say(
            "small_talk.which",
            options=[
                command_button(ctx.t("small_talk.menu.report"), "report"),
                command_button(ctx.t("small_talk.menu.topic"), "topic"),
            ],
        )
    else:
        await ctx.router.run_command(ctx, kind)
    return True
