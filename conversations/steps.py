"""Declared flows: a list of steps, each a field with a prompt and an input kind.

A flow's step list is the single source of truth: the engine asks the steps in order,
re-asks on invalid input, handles back/skip/cancel, shows a summary and hands a typed
model of the answers to the flow's ``finish``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from bot.clock import from_db, local, to_db
from bot.context import Context
from bot.messages import FileRef, Incoming, Option
from bot.parsing import (
    InputError,
    normalise,
    option_matches,
    parse_int,
    parse_phone,
    parse_yes_no,
    read_datetime,
)
from bot.roles import Role

Answers = Mapping[str, Any]
M = TypeVar("M", bound=BaseModel)
OptionSource = Callable[[Context, Answers], Awaitable[Sequence[Option]]]

# Values of the buttons the engine itself offers.
SKIP, DONE, CONFIRM, EDIT, CANCEL = "__skip__", "__done__", "__confirm__", "__edit__", "__cancel__"


@dataclass(frozen=True)
class Answer:
    value: Any
    done: bool = True  # False: stay on this step and collect more (photos)
    note: str | None = None  # catalogue key shown by the answer in the summary (an assumption)


class InputKind:
    """How one step's answer is read from what the person sent."""

    hint: str | None = None  # catalogue key of a short hint shown under the prompt
    collects = False  # True: several messages make one answer, 完成 ends it
    # True: a typed number is this kind's own answer (a count), never a button's position, so
    # 1 at an optional count is one, not 跳过. Choices read numbers as positions of buttons.
    reads_numbers = False

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        return ()

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        raise NotImplementedError

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return str(value)

    def hint_params(self) -> dict[str, object]:
        return {}

    def skipped(self) -> Any:
        return None


def _text_of(msg: Incoming) -> str:
    if msg.text is not None:
        return msg.text
    if msg.choice is not None:
        return msg.choice
    raise InputError("input.text.expected")


def fixed(*items: tuple[str, str]) -> OptionSource:
    """Options with fixed values whose labels are catalogue keys."""

    async def source(ctx: Context, answers: Answers) -> Sequence[Option]:
        return [Option(ctx.t(key), value) for value, key in items]

    return source


@dataclass(frozen=True)
class Choice(InputKind):
    source: OptionSource
    synonyms: Mapping[str, Sequence[str]] | None = None  # other words for an option, by value

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        return await self.source(ctx, answers)

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        options = await self.options(ctx, answers)
        if msg.choice is not None:
            chosen = next((o for o in options if o.value == msg.choice), None)
        elif msg.text is not None and normalise(msg.text).isdigit():
            chosen = None  # a number is a position (the engine matched those), never a value
        elif msg.text is not None:
            found = option_matches(msg.text, options, self.synonyms)
            if len(found) > 1:  # 采纳 fits 已采纳 and 暂不采纳: ask rather than guess
                raise InputError(
                    "input.choice.ambiguous",
                    typed=msg.text.strip(),
                    options=" / ".join(o.label for o in found),
                )
            chosen = found[0] if found else None
        else:
            chosen = None
        if chosen is None:
            raise InputError("input.choice.invalid", count=len(options))
        return Answer(chosen.value)

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return next((o.label for o in options if o.value == value), str(value))


YES_NO = fixed(("yes", "flow.yes"), ("no", "flow.no"))


@dataclass(frozen=True)
class YesNo(Choice):
    """A plain yes/no question: the two buttons, or 是 / 否 / 不是 / 是的 / 没有 typed."""

    source: OptionSource = YES_NO

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        if msg.text is not None and (said := parse_yes_no(msg.text)) is not None:
            return Answer("yes" if said else "no")
        return await super().parse(ctx, answers, current, msg)


@dataclass(frozen=True)
class Text(InputKind):
    min_len: int = 1
    max_len: int = 500
    suggest: Callable[[Context, Answers], str | None] | None = None  # offered as a button

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        suggestion = self.suggest(ctx, answers) if self.suggest else None
        return [Option(suggestion, suggestion)] if suggestion else ()

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        value = _text_of(msg).strip()
        if len(value) < self.min_len:
            raise InputError("input.text.too_short", min=self.min_len, length=len(value))
        if len(value) > self.max_len:
            raise InputError("input.text.too_long", max=self.max_len, length=len(value))
        return Answer(value)


@dataclass(frozen=True)
class Phone(InputKind):
    hint: str | None = "input.phone.hint"

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        return Answer(parse_phone(_text_of(msg)))


@dataclass(frozen=True)
class Number(InputKind):
    low: int = 1
    high: int | Callable[[Answers], int] = 10
    reads_numbers = True

    def bounds(self, answers: Answers) -> tuple[int, int]:
        high = self.high(answers) if callable(self.high) else self.high
        return self.low, high

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        low, high = self.bounds(answers)
        if high - low < 6:  # a handful of numbers reads better as buttons
            return [Option(str(n), str(n)) for n in range(low, high + 1)]
        return ()

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        low, high = self.bounds(answers)
        return Answer(parse_int(_text_of(msg), low, high))


@dataclass(frozen=True)
class When(InputKind):
    """A date and time, as people write them (明天下午3点, 7月18日 14:00); stored in UTC.

    ``afternoon``: a bare 1–6点 is the afternoon (events and meetings), noted in the summary.
    ``same_day_as``: a time alone falls on the day of that earlier answer (an end time).
    """

    future: bool = True
    hint: str | None = "input.datetime.hint"
    afternoon: bool = False
    same_day_as: str | None = None

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        now = ctx.app.clock.now()
        earlier = answers.get(self.same_day_as) if self.same_day_as else None
        on = from_db(earlier).astimezone(ctx.app.tz).date() if isinstance(earlier, str) else None
        reading = read_datetime(
            _text_of(msg),
            now=now.astimezone(ctx.app.tz),
            tz=ctx.app.tz,
            on=on,
            afternoon=self.afternoon,
        )
        moment = reading.moment
        if self.future and moment <= now:
            raise InputError("input.datetime.past", value=local(moment, ctx.app.tz))
        note = "input.datetime.assumed_afternoon" if reading.assumed_afternoon else None
        return Answer(to_db(moment), note=note)

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return local(from_db(value), ctx.app.tz)


@dataclass(frozen=True)
class Place(InputKind):
    """An address typed as text, or a location shared from the phone."""

    min_len: int = 4
    max_len: int = 100
    hint: str | None = "input.place.hint"

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        if msg.location is not None:
            loc = msg.location
            label = loc.label or f"{loc.latitude:.5f}, {loc.longitude:.5f}"
            return Answer({"text": label, "latitude": loc.latitude, "longitude": loc.longitude})
        text = await Text(self.min_len, self.max_len).parse(ctx, answers, current, msg)
        return Answer({"text": text.value, "latitude": None, "longitude": None})

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return str(value["text"])


def photo_answer(photo: FileRef) -> dict[str, str]:
    """A photo as a form keeps it: the platform reference and, when kept, our copy (strings
    only, as forms declare photos ``dict[str, str]``)."""
    answer = {"platform": photo.platform, "file_id": photo.file_id}
    if photo.sha256:
        answer.update(sha256=photo.sha256, size=str(photo.size), mime=photo.mime_type)
    elif photo.unsaved:
        answer["unsaved"] = "true"
    return answer


@dataclass(frozen=True)
class Photos(InputKind):
    """Zero or more photos; each one is kept as it arrives, 完成 moves on."""

    max_count: int = 5
    hint: str | None = "input.photos.hint"
    collects = True

    def __post_init__(self) -> None:
        if self.max_count == 1:  # one photo moves on by itself: no 完成 to press
            object.__setattr__(self, "hint", "input.photo.hint")

    def hint_params(self) -> dict[str, object]:
        return {"max": self.max_count}

    async def options(self, ctx: Context, answers: Answers) -> Sequence[Option]:
        return [Option(ctx.t("flow.done"), DONE)] if self.max_count > 1 else ()

    async def parse(self, ctx: Context, answers: Answers, current: Any, msg: Incoming) -> Answer:
        photos: list[dict[str, str]] = list(current or [])
        if msg.photo is not None:
            photos.append(photo_answer(msg.photo))
            return Answer(photos, done=len(photos) >= self.max_count)
        if self.max_count == 1:
            raise InputError("input.photo.expected")
        raise InputError("input.photos.expected", max=self.max_count)

    def show(self, ctx: Context, value: Any, options: Sequence[Option]) -> str:
        return ctx.t("input.photos.count", count=len(value or []))

    def skipped(self) -> Any:
        return []


@dataclass(frozen=True)
class Step:
    name: str
    kind: InputKind
    prompt: str  # catalogue key
    label: str  # catalogue key used in the summary
    optional: bool = False
    when: Callable[[Answers], bool] | None = None  # asked only when this is true
    check: Callable[[Context, Answers, Any], Awaitable[None]] | None = None  # may raise InputError

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


@dataclass(frozen=True)
class Flow(Generic[M]):
    name: str
    title: str  # catalogue key
    steps: tuple[Step, ...]
    model: type[M]
    finish: Callable[[Context, M, str], Awaitable[None]]  # (ctx, answers, instance id)
    role: Role = Role.RESIDENT
    private: bool = False  # asks for personal data: only in a private chat
    begin: Callable[[Context, tuple[str, ...]], Awaitable[dict[str, Any] | None]] | None = None
    # Works out answers nobody types (a similar report found) after each answer, so a step's
    # ``when`` can depend on what the database says about the answers so far.
    derive: Callable[[Context, dict[str, Any]], Awaitable[None]] | None = None

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)
