"""Runs declared flows for every platform alike: ask, re-ask, back, skip, cancel, edit, confirm."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import uuid4

from pydantic import ValidationError

from bot.clock import Clock
from bot.context import Context
from bot.conversation_store import ConversationStore, Key, State
from bot.i18n import text
from bot.messages import Address, Option, Reply
from bot.outbox import Outbox
from bot.parsing import InputError, match_option, normalise, parse_id
from conversations.steps import CANCEL, CONFIRM, DONE, EDIT, SKIP, Answers, Flow, Step

log = logging.getLogger(__name__)

SUMMARY = "__summary__"  # the step name of the final review
NOTES = "__notes__"  # step name → catalogue key of what was assumed in reading its answer
PICK_EDIT = "__pick_edit__"  # choosing which answer to change

CONTROL_WORDS = {
    "cancel": {"取消", "退出", "cancel", "quit"},
    "back": {"上一步", "返回", "back"},
    "skip": {"跳过", "skip", "不填"},
    "done": {"完成", "好了", "done"},
}
BUTTON_INTENTS = {CANCEL: "cancel", SKIP: "skip", DONE: "done"}


def _intent(ctx: Context) -> str | None:
    msg = ctx.incoming
    if msg.command in CONTROL_WORDS:
        return msg.command
    if msg.choice in BUTTON_INTENTS:
        return BUTTON_INTENTS[msg.choice]
    if msg.text is not None:
        said = normalise(msg.text)
        for intent, words in CONTROL_WORDS.items():
            if said in words:
                return intent
    return None


class _Reads(dict[str, Any]):
    """Answers that note which missing names a step's ``when`` looked up."""

    def __init__(self, answers: Answers) -> None:
        super().__init__(answers)
        self.missing: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.missing.add(key)
        return super().get(key, default)

    def __missing__(self, key: str) -> Any:
        self.missing.add(key)
        raise KeyError(key)


def _total_known(flow: Flow[Any], answers: Answers) -> bool:
    """False while a step's ``when`` waits on a step not yet answered (/review's 处理结果):
    the count of steps still to come is not known then."""
    names = {step.name for step in flow.steps}
    for step in flow.steps:
        if step.when is None:
            continue
        reads = _Reads(answers)
        with suppress(KeyError):  # answers["move"] before it is answered
            step.when(reads)
        if reads.missing & names:
            return False
    return True


def _set_note(state: State, step: Step, note: str | None) -> None:
    notes = dict(state.answers.get(NOTES) or {})
    if note:
        notes[step.name] = note
    else:
        notes.pop(step.name, None)
    if notes:
        state.answers[NOTES] = notes
    else:
        state.answers.pop(NOTES, None)


class Engine:
    def __init__(
        self, flows: Sequence[Flow[Any]], store: ConversationStore, idle_timeout: timedelta
    ) -> None:
        self.flows = {flow.name: flow for flow in flows}
        self._store = store
        self._timeout = idle_timeout

    @staticmethod
    def key(ctx: Context) -> Key:
        msg = ctx.incoming
        return Key(msg.chat.platform, msg.chat.id, msg.user.id)

    async def active(self, ctx: Context) -> State | None:
        return await self._store.load(self.key(ctx))

    # -- starting ---------------------------------------------------------------------------

    async def start(self, ctx: Context, flow: Flow[Any], args: tuple[str, ...] = ()) -> None:
        """Begin a flow (replacing any other for this person in this chat)."""
        answers: dict[str, Any] = {}
        if flow.begin is not None:
            prefilled = await flow.begin(ctx, args)
            if prefilled is None:  # begin explained why it cannot start
                return
            answers = prefilled
        if flow.derive is not None:
            await flow.derive(ctx, answers)
        state = State(flow=flow.name, step="", instance=uuid4().hex, answers=answers)
        # Steps that begin already answered (from a deep link or a button) are not asked again.
        unanswered = [s for s in self._applicable(flow, answers) if s.name not in answers]
        state.step = unanswered[0].name if unanswered else SUMMARY
        await self._save(ctx, state)
        await self._prompt(ctx, flow, state, first=True)

    async def resume_prompt(self, ctx: Context) -> bool:
        """Show the question a person left open (after a restart); False when none is open."""
        state = await self.active(ctx)
        flow = self.flows.get(state.flow) if state else None
        if state is None or flow is None:
            return False
        ctx.say("flow.resumed", title=ctx.t(flow.title))
        await self._prompt(ctx, flow, state)
        return True

    async def cancel(self, ctx: Context) -> bool:
        state = await self.active(ctx)
        if state is None:
            return False
        await self._store.delete(self.key(ctx))
        flow = self.flows.get(state.flow)
        ctx.say("flow.cancelled", title=ctx.t(flow.title) if flow else state.flow)
        return True

    # -- answering --------------------------------------------------------------------------

    async def handle(self, ctx: Context) -> bool:
        """Feed a message to this person's open flow; False when there is none."""
        key = self.key(ctx)
        state = await self._store.load(key)
        if state is None:
            return False
        flow = self.flows.get(state.flow)
        if flow is None:  # a flow that no longer exists in this version
            await self._store.delete(key)
            return False
        now = ctx.app.clock.now()
        if state.updated_at is not None and now - state.updated_at > self._timeout:
            await self._store.delete(key)
            ctx.say("flow.timed_out", title=ctx.t(flow.title), minutes=self.timeout_minutes)
            return False

        intent = _intent(ctx)
        if intent == "cancel":
            await self._store.delete(key)
            ctx.say("flow.cancelled", title=ctx.t(flow.title))
            return True
        if intent == "back":
            await self._back(ctx, flow, state)
            return True
        if state.step == SUMMARY:
            await self._on_summary(ctx, flow, state)
            return True
        if state.step == PICK_EDIT:
            await self._on_pick_edit(ctx, flow, state)
            return True
        if ctx.incoming.command is not None and intent is None:
            ctx.say("flow.busy", title=ctx.t(flow.title))
            await self._prompt(ctx, flow, state)
            return True

        step = flow.step(state.step)
        if intent is None and ctx.incoming.text is not None:
            intent = await self._numbered_control(ctx, step, state)
        if intent == "skip":
            if not step.optional:
                ctx.say("flow.cannot_skip")
                await self._prompt(ctx, flow, state)
                return True
            current = state.answers.get(step.name)
            state.answers[step.name] = current if current else step.kind.skipped()
            if not current:
                _set_note(state, step, None)
            await self._advance(ctx, flow, state, step)
            return True
        if intent == "done" and step.kind.collects:
            if not state.answers.get(step.name) and not step.optional:
                ctx.say("flow.cannot_skip")
                await self._prompt(ctx, flow, state, repeat=True)
                return True
            state.answers.setdefault(step.name, step.kind.skipped())
            await self._advance(ctx, flow, state, step)
            return True

        try:
            answer = await step.kind.parse(
                ctx, state.answers, state.answers.get(step.name), ctx.incoming
            )
            if step.check is not None:
                await step.check(ctx, state.answers, answer.value)
        except InputError as exc:
            ctx.reply(Reply(ctx.t(exc.key, **exc.params)))
            await self._prompt(ctx, flow, state, repeat=True)
            return True
        state.answers[step.name] = answer.value
        _set_note(state, step, answer.note)
        if ctx.incoming.photo is not None and ctx.incoming.photo.unsaved:
            ctx.say("input.photo.unsaved")  # accepted all the same: the form is not stuck
        if answer.done:
            await self._advance(ctx, flow, state, step)
        else:
            await self._save(ctx, state)
            ctx.say(
                "input.photos.received",
                count=len(answer.value),
                options=[Option(ctx.t("flow.done"), DONE)],
            )
        return True

    async def _numbered_control(self, ctx: Context, step: Step, state: State) -> str | None:
        """A number typed for a button the engine added (跳过, 完成, a suggested answer).

        Buttons are counted as shown; a count step takes a typed number as its answer.
        """
        if step.kind.reads_numbers:
            return None
        said = normalise(ctx.incoming.text or "")
        own = list(await step.kind.options(ctx, state.answers))
        shown = self._with_controls(ctx, step, own)
        number = parse_id(said)
        if number is None or number > len(shown):
            return None
        picked = shown[number - 1]
        if picked.value in BUTTON_INTENTS:
            return BUTTON_INTENTS[picked.value]
        ctx.incoming = replace(ctx.incoming, text=None, choice=picked.value)
        return None

    def _with_controls(self, ctx: Context, step: Step, options: list[Option]) -> list[Option]:
        if step.optional and not any(o.value == DONE for o in options):
            return [*options, Option(ctx.t("flow.skip"), SKIP)]
        return options

    @property
    def timeout_minutes(self) -> int:
        return int(self._timeout.total_seconds() // 60)

    async def sweep_idle(self, outbox: Outbox, clock: Clock, default_lang: str) -> int:
        """End flows nobody answered within the idle timeout, telling each person."""
        ended = 0
        for key, state in await self._store.idle_since(clock.now() - self._timeout):
            await self._store.delete(key)
            flow = self.flows.get(state.flow)
            lang = state.answers.get("__lang__", default_lang)
            title = text(lang, flow.title) if flow else state.flow
            await outbox.put(
                Address(key.platform, key.chat_id),
                Reply(text(lang, "flow.timed_out", title=title, minutes=self.timeout_minutes)),
                dedup_key=f"flow-timeout:{state.instance}",
            )
            ended += 1
        return ended

    # -- moving between steps ---------------------------------------------------------------

    def _applicable(self, flow: Flow[Any], answers: Answers) -> list[Step]:
        return [step for step in flow.steps if step.applies(answers)]

    def _after(self, flow: Flow[Any], answers: Answers, current: Step | None) -> str:
        steps = self._applicable(flow, answers)
        index = 0 if current is None else steps.index(current) + 1 if current in steps else 0
        return steps[index].name if index < len(steps) else SUMMARY

    async def _advance(self, ctx: Context, flow: Flow[Any], state: State, step: Step) -> None:
        if flow.derive is not None:
            await flow.derive(ctx, state.answers)
        if state.editing:
            state.editing = False
            # An edit can make a later step newly needed (e.g. a phone now required).
            missing = [
                s for s in self._applicable(flow, state.answers) if s.name not in state.answers
            ]
            state.step = missing[0].name if missing else SUMMARY
            state.editing = bool(missing)
        else:
            state.step = self._after(flow, state.answers, step)
        await self._save(ctx, state)
        await self._prompt(ctx, flow, state)

    async def _back(self, ctx: Context, flow: Flow[Any], state: State) -> None:
        steps = self._applicable(flow, state.answers)
        if state.step in (SUMMARY, PICK_EDIT):
            target = steps[-1] if state.step == SUMMARY and steps else None
            state.step = target.name if target else SUMMARY
        else:
            names = [s.name for s in steps]
            index = names.index(state.step) if state.step in names else 0
            if index == 0:
                ctx.say("flow.at_first")
            else:
                state.step = names[index - 1]
        state.editing = False
        await self._save(ctx, state)
        await self._prompt(ctx, flow, state)

    async def _on_summary(self, ctx: Context, flow: Flow[Any], state: State) -> None:
        options = self._summary_options(ctx)
        msg = ctx.incoming
        chosen = msg.choice if msg.choice is not None else None
        if chosen is None and msg.text is not None:
            match = match_option(msg.text, options)
            chosen = match.value if match else None
        if chosen == CONFIRM:
            await self._finish(ctx, flow, state)
        elif chosen == EDIT:
            state.step = PICK_EDIT
            await self._save(ctx, state)
            await self._prompt(ctx, flow, state)
        else:
            ctx.say("input.choice.invalid", count=len(options))
            await self._prompt(ctx, flow, state, repeat=True)

    async def _on_pick_edit(self, ctx: Context, flow: Flow[Any], state: State) -> None:
        options = self._edit_options(ctx, flow, state)
        msg = ctx.incoming
        chosen = next((o for o in options if o.value == msg.choice), None)
        if chosen is None and msg.text is not None:
            chosen = match_option(msg.text, options)
        if chosen is None:
            ctx.say("input.choice.invalid", count=len(options))
            await self._prompt(ctx, flow, state, repeat=True)
            return
        state.step, state.editing = chosen.value, True
        await self._save(ctx, state)
        await self._prompt(ctx, flow, state)

    async def _finish(self, ctx: Context, flow: Flow[Any], state: State) -> None:
        answers = {k: v for k, v in state.answers.items() if not k.startswith("__")}
        try:
            model = flow.model.model_validate(answers)
        except ValidationError:
            log.exception("flow %s produced answers its model refuses", flow.name)
            ctx.say("error.generic")
            return
        # The state stays until finish has succeeded, so a failure loses nothing entered.
        await flow.finish(ctx, model, state.instance)
        after = await self._store.load(self.key(ctx))
        if after is not None and after.instance == state.instance:
            await self._store.delete(self.key(ctx))

    # -- asking -----------------------------------------------------------------------------

    def _summary_options(self, ctx: Context) -> list[Option]:
        return [
            Option(ctx.t("flow.confirm"), CONFIRM),
            Option(ctx.t("flow.edit"), EDIT),
            Option(ctx.t("flow.cancel"), CANCEL),
        ]

    def _edit_options(self, ctx: Context, flow: Flow[Any], state: State) -> list[Option]:
        return [
            Option(ctx.t(step.label), step.name)
            for step in self._applicable(flow, state.answers)
            if step.name in state.answers
        ]

    async def _save(self, ctx: Context, state: State) -> None:
        state.answers["__lang__"] = ctx.lang
        await self._store.save(self.key(ctx), state, ctx.app.clock.now())

    async def _prompt(
        self,
        ctx: Context,
        flow: Flow[Any],
        state: State,
        *,
        first: bool = False,
        repeat: bool = False,
    ) -> None:
        title = ctx.t(flow.title)
        if state.step == SUMMARY:
            lines = [ctx.t("flow.summary", title=title)]
            notes = state.answers.get(NOTES) or {}
            for step in self._applicable(flow, state.answers):
                value = state.answers.get(step.name)
                shown = (
                    ctx.t("flow.empty")
                    if value in (None, [], "")
                    else step.kind.show(ctx, value, await step.kind.options(ctx, state.answers))
                )
                note = notes.get(step.name) if value not in (None, [], "") else None
                lines.append(f"{ctx.t(step.label)}：{shown}{ctx.t(note) if note else ''}")
            ctx.reply(Reply("\n".join(lines), tuple(self._summary_options(ctx))))
            return
        if state.step == PICK_EDIT:
            options = self._edit_options(ctx, flow, state)
            ctx.reply(Reply(ctx.t("flow.pick_edit"), tuple(options)))
            return

        step = flow.step(state.step)
        steps = self._applicable(flow, state.answers)
        position = steps.index(step) + 1 if step in steps else 1
        options = self._with_controls(ctx, step, list(await step.kind.options(ctx, state.answers)))
        lines = []
        if not repeat and _total_known(flow, state.answers):
            lines.append(ctx.t("flow.progress", title=title, n=position, total=len(steps)))
        elif not repeat:  # a later answer decides which steps follow: no total to promise
            lines.append(ctx.t("flow.progress_open", title=title, n=position))
        params = {k: v for k, v in state.answers.items() if isinstance(v, str | int)}
        lines.append(ctx.t(step.prompt, **params))
        if step.kind.hint and not repeat:
            lines.append(ctx.t(step.kind.hint, **step.kind.hint_params()))
        if step.optional and not repeat:
            lines.append(ctx.t("flow.optional"))
        current = state.answers.get(step.name)
        if current not in (None, [], "") and not repeat:
            shown = step.kind.show(ctx, current, options)
            lines.append(ctx.t("flow.current", value=shown))
        if first:
            lines.append(ctx.t("flow.controls"))
        ctx.reply(Reply("\n".join(lines), tuple(options)))
