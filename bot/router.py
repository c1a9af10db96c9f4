"""Where one incoming message goes: an open flow, a command, a button action, or the fallback.

The role check lives here and only here: every command, flow and action declares the role
it needs, and the router refuses before any handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.app import App
from bot.chats import Tag
from bot.context import Context
from bot.conversation_store import Key
from bot.db import DatabaseBusy
from bot.i18n import pick_language, text
from bot.inbox import AlreadyHandled
from bot.menus import MenuMemory
from bot.messages import Address, ChatKind, Incoming, Link, Reply
from bot.parsing import clean_incoming, normalise
from bot.roles import Role, allows
from conversations.engine import Engine
from conversations.steps import Flow

log = logging.getLogger(__name__)

Handler = Callable[[Context], Awaitable[None]]
# Reads a plain message as the answer to a question the person still owes (好了 for a
# report's 已整改到位?); True when it was one and has been answered.
Answerer = Callable[[Context], Awaitable[bool]]

# How long an answer waits for a database another process holds before saying 系统忙.
BUSY_WAIT_SECONDS = 2.5

FLOW_CONTROLS = frozenset({"cancel", "back", "skip", "done"})
USABLE_MID_FLOW = frozenset({"start", "help", "lang"})  # answered without leaving an open flow


def _error_key(exc: Exception) -> str:
    return "error.busy" if isinstance(exc, DatabaseBusy) else "error.generic"


@dataclass(frozen=True)
class Command:
    """A slash command; it either runs a handler or starts a flow."""

    name: str
    help: str  # catalogue key of the one-line help
    handler: Handler | None = None
    flow: Flow[Any] | None = None
    role: Role = Role.RESIDENT
    aliases: tuple[str, ...] = ()  # words that start it when typed as plain text (加入居委会)
    heard_in_groups: bool = False  # its aliases count in groups unaddressed (收到 under a notice)
    payload: str | None = None  # deep-link name: /start <payload>_<arg>
    in_menu: bool = True
    private: bool = False  # shows residents' names, phones or reports: answered only in private

    @property
    def needs(self) -> Role:
        return self.flow.role if self.flow is not None else self.role


@dataclass(frozen=True)
class Action:
    """A button press outside any flow, with a value ``prefix:rest`` (e.g. a report card's 受理)."""

    prefix: str
    handler: Handler
    role: Role = Role.RESIDENT
    # A staff tool's button: pressed in a group other than a staff group (where the reports
    # are announced, without names), it only points to this command in the private chat.
    private: str | None = None


class Router:
    def __init__(
        self,
        app: App,
        commands: Sequence[Command],
        actions: Sequence[Action] = (),
        fallback: Handler | None = None,
        answerers: Sequence[Answerer] = (),
    ) -> None:
        self.app = app
        self.answerers = list(answerers)
        self.commands = {c.name: c for c in commands}
        self.ordered = list(commands)
        self.aliases = {normalise(a): c for c in commands for a in c.aliases}
        self.payloads = {c.payload: c for c in commands if c.payload}
        self.actions = {a.prefix: a for a in actions}
        self.fallback = fallback
        flows = [c.flow for c in commands if c.flow is not None]
        self.menus = MenuMemory(app.db)
        self.engine = Engine(flows, app.conversations, app.settings.conversation_timeout)

    async def context(self, incoming: Incoming) -> Context:
        await self.app.chats.seen(incoming.chat)
        user = await self.app.users.seen(incoming.user)
        lang = pick_language(
            user.language, incoming.user.language, self.app.settings.default_language
        )
        return Context(self.app, incoming, user, lang, router=self)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one message. Its changes are one transaction (a savepoint of the caller's,
        inside ``answer``): a failure undoes them all and the person hears the error instead."""
        incoming = clean_incoming(incoming)
        db = self.app.db
        wait = None if db.in_transaction else BUSY_WAIT_SECONDS
        try:
            async with db.transaction(wait_at_most=wait):
                ctx = await self.context(incoming)
        except Exception as exc:
            # Recording who wrote failed (a locked database): nothing was read or changed yet.
            self._log_failure("recording the sender of", incoming, exc)
            lang = pick_language(None, incoming.user.language, self.app.settings.default_language)
            return [Reply(text(lang, _error_key(exc)))]
        try:
            async with db.transaction(wait_at_most=wait):
                await self._route(ctx)
                await self._remember_menu(ctx)
        except Exception as exc:
            # Rolled back: the open form is where it was, so the person keeps their answers;
            # replies written before the failure described changes that did not happen.
            self._log_failure("handling", incoming, exc)
            ctx.replies = [Reply(ctx.t(_error_key(exc)))]
        return ctx.replies

    async def answer(self, incoming: Incoming, received: int) -> None:
        """Answer an update from the inbox in ONE transaction: the change it makes, its
        replies (queued in the outbox for this chat, keyed by the update) and the row's
        "handled" mark commit together or not at all."""
        async with self.app.db.transaction(wait_at_most=BUSY_WAIT_SECONDS) as tx:
            replies = await self.handle(incoming)
            for index, reply in enumerate(replies):
                first_in_group = index == 0 and incoming.chat.is_group
                quote = (incoming.message_id or "") if first_in_group else ""
                mine = incoming.user.id if incoming.chat.is_group and reply.options else None
                # Straight into this transaction: ``put`` would open a savepoint for each.
                await self.app.outbox.insert(
                    tx,
                    incoming.chat.address,
                    replace(reply, answers=quote, for_user=mine),
                    dedup_key=f"answer:{incoming.chat.platform}:{received}:{index}",
                )
            if not await self.app.inbox.mark_handled(received):
                raise AlreadyHandled(received)  # another worker answered it: roll back

    @staticmethod
    def _log_failure(what: str, incoming: Incoming, exc: Exception) -> None:
        if isinstance(exc, DatabaseBusy):
            log.warning(
                "%s an update from %s:%s: %s", what, incoming.user.platform, incoming.user.id, exc
            )
            return
        log.exception(
            "%s %s from %s:%s in %s failed",
            what,
            incoming.command or ("choice" if incoming.choice else "message"),
            incoming.user.platform,
            incoming.user.id,
            incoming.chat.id,
        )

    async def _route(self, ctx: Context) -> None:
        msg = ctx.incoming
        action = self.actions.get(msg.choice.partition(":")[0]) if msg.choice else None
        if action is not None:  # a card's button works whether or not a form is open
            await self._press(ctx, action)
            return
        if (msg.command is None or msg.command in FLOW_CONTROLS) and await self.engine.handle(ctx):
            return
        # In a group only words addressed to the bot count: a neighbour's "1" or "报名" is not.
        addressed = not msg.chat.is_group or msg.mentions_bot
        if addressed and msg.text is not None and (pressed := await self._typed_button(ctx)):
            ctx.incoming = msg = replace(msg, text=None, choice=pressed)
            action = self.actions.get(pressed.partition(":")[0])
            if action is not None:
                await self._press(ctx, action)
            return
        if msg.command is not None:
            await self._command(ctx, msg.command, msg.args)
            return
        if msg.choice is not None:
            ctx.say("router.stale_button")
            return
        command = self.aliases.get(normalise(msg.text)) if msg.text is not None else None
        if command is not None and (addressed or command.heard_in_groups):
            await self.run(ctx, command, ())
            return
        if not addressed:
            return  # the bot never speaks unprompted in groups
        if not msg.chat.is_group and msg.text is not None:
            for answerer in self.answerers:
                if await answerer(ctx):
                    return
        if self.fallback is not None:
            await self.fallback(ctx)
        else:
            ctx.say("router.not_understood")

    async def _press(self, ctx: Context, action: Action) -> None:
        if not self.permitted(ctx, action.role):
            return
        if action.private is not None and ctx.chat.is_group and not await self._staff_only(ctx):
            self._private_tool(ctx, self.commands[action.private], ())
            return
        # Pressed is answered: the question stops waiting, whatever the handler says.
        await self.menus.settle(Engine.key(ctx), (ctx.incoming.choice or "",))
        await action.handler(ctx)

    async def _staff_only(self, ctx: Context) -> bool:
        """A group tagged for staff and not for residents."""
        record = await self.app.chats.find(ctx.chat.address)
        return record is not None and Tag.STAFF in record.tags and Tag.RESIDENTS not in record.tags

    async def _command(self, ctx: Context, name: str, args: tuple[str, ...]) -> None:
        if name == "start" and args:
            command, args = self._deep_link(args[0])
        else:
            command = self.commands.get(name)
        if command is None:
            ctx.say("router.unknown_command", command=name)
            return
        if command.name in USABLE_MID_FLOW:
            await self.run(ctx, command, args)
            await self.engine.resume_prompt(ctx)
        elif not await self.engine.handle(ctx):  # an open flow asks to be finished first
            # No flow open, or it had timed out (the engine said so): the command runs.
            await self.run(ctx, command, args)

    async def _typed_button(self, ctx: Context) -> str | None:
        """Where buttons are numbered lines, a number typed outside a form presses one."""
        return await self.menus.pick(Engine.key(ctx), ctx.incoming.text or "", self.app.clock.now())

    async def _remember_menu(self, ctx: Context) -> None:
        """Keep the last buttons shown; a form's own options replace them with nothing."""
        shown = [reply.options for reply in ctx.replies if reply.options]
        if not shown:
            return
        last = shown[-1]
        is_menu = any(o.value.partition(":")[0] in self.actions for o in last)
        await self.menus.remember(Engine.key(ctx), last if is_menu else (), self.app.clock.now())

    async def delivered(self, address: Address, reply: Reply) -> None:
        """A queued message reached a private chat: its card buttons answer to typed numbers."""
        if any(o.value.partition(":")[0] in self.actions for o in reply.options):
            chat = await self.app.chats.find(address)
            if chat is not None and chat.kind is ChatKind.PRIVATE:
                key = Key(address.platform, address.chat_id, address.chat_id)
                now = self.app.clock.now()
                await self.menus.remember(key, reply.options, now)
                await self.menus.keep_pending(key, reply.options, now)

    def permitted(self, ctx: Context, need: Role) -> bool:
        """The one role check: refuses politely when the person's role is not enough."""
        if allows(ctx.user.role, need):
            return True
        ctx.say("router.not_allowed", role=ctx.t(f"role.{need.name.lower()}"))
        return False

    async def run(self, ctx: Context, command: Command, args: tuple[str, ...]) -> None:
        if not self.permitted(ctx, command.needs):
            return
        if command.flow is not None:
            flow = command.flow
            if flow.private and ctx.chat.is_group:
                self._move_to_private(ctx, command, args)
                return
            await self.engine.start(ctx, flow, args)
        elif command.private and ctx.chat.is_group:
            self._private_tool(ctx, command, args)
        elif command.handler is not None:
            # A deep link (/start reports_YH-…) hands the command its own arguments.
            if args != ctx.incoming.args:
                ctx.incoming = replace(ctx.incoming, args=args)
            await command.handler(ctx)

    def _link(self, ctx: Context, command: Command, args: tuple[str, ...]) -> str | None:
        """A deep link into the private chat at this command: with its arguments where the
        platform's links can carry them, else the command alone."""
        name = command.payload or command.name
        url = self.app.deep_link(ctx.chat.platform, "_".join((name, *args))) if args else None
        return url or self.app.deep_link(ctx.chat.platform, name)

    def _private_tool(self, ctx: Context, command: Command, args: tuple[str, ...]) -> None:
        """A staff tool showing personal data, used in a group (where people join and leave):
        nothing of it is shown there, only the way into the private chat."""
        url = self._link(ctx, command, args)
        typed = " ".join((f"/{command.name}", *args))
        if url:
            ctx.say(
                "router.private_tool",
                command=typed,
                links=[Link(ctx.t("router.open_private"), url)],
            )
        else:
            ctx.say("router.private_tool_manual", command=typed)

    def _move_to_private(self, ctx: Context, command: Command, args: tuple[str, ...]) -> None:
        """Personal data is never asked for in a group: point to the private chat instead."""
        url = self._link(ctx, command, args)
        title = ctx.t(command.flow.title) if command.flow else command.name
        if url:
            ctx.say(
                "router.go_private", title=title, links=[Link(ctx.t("router.open_private"), url)]
            )
        else:
            ctx.say("router.go_private_manual", title=title, command=command.name)

    def _deep_link(self, payload: str) -> tuple[Command | None, tuple[str, ...]]:
        """``/start join`` or ``/start ev_12``: the command the link names, and its arguments."""
        name, _, rest = payload.partition("_")
        command = self.payloads.get(name) or self.commands.get(name)
        if command is None:
            return self.commands.get("start"), ()
        return command, tuple(part for part in rest.split("_") if part)

    # -- what handlers may ask for (bot.context.Dispatch) ------------------------------------

    async def start_flow(self, ctx: Context, name: str, args: tuple[str, ...] = ()) -> None:
        await self.engine.start(ctx, self.engine.flows[name], args)

    async def run_command(self, ctx: Context, name: str, args: tuple[str, ...] = ()) -> None:
        await self.run(ctx, self.commands[name], args)

    def menu(self, role: Role) -> list[Command]:
        return self.visible_commands(role)

    def visible_commands(self, role: Role) -> list[Command]:
        """The commands this role may use, in menu order (what /help lists)."""
        return [c for c in self.ordered if c.in_menu and allows(role, c.needs)]
