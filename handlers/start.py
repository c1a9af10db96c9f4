"""/start, /help and /cancel: greeting people and telling them what they can do here."""

from __future__ import annotations

from bot.context import Context


async def start(ctx: Context) -> None:
    """Greets the person and lists what they can do."""
    ctx.say("start.welcome", name=ctx.user.display_name or ctx.incoming.user.name)
    await help_(ctx)


async def help_(ctx: Context) -> None:
    """Lists only the commands this person's role may use."""
    lines = [ctx.t("help.title")]
    for command in ctx.router.menu(ctx.user.role):
        lines.append(f"/{command.name} — {ctx.t(command.help)}")
    lines.append(ctx.t("help.controls"))
    ctx.say("help.body", body="\n".join(lines))


async def go(ctx: Context) -> None:
    """A button made by ``command_button`` (``go:join``): runs that command for this person."""
    name = (ctx.incoming.choice or "").partition(":")[2]
    if name not in {command.name for command in ctx.router.menu(ctx.user.role)}:
        ctx.say("router.stale_button")
        return
    await ctx.router.run_command(ctx, name)


async def cancel(ctx: Context) -> None:
    """Reached only when no flow is open (an open one is cancelled by the engine)."""
    ctx.say("flow.none_open")
