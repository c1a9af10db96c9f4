"""What every ``juwei`` subcommand shares: the usage error, opening the app, reading names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.app import App
from bot.settings import Settings


class UsageError(Exception):
    """A mistake in what was typed on the command line; exit code 2."""


async def with_app(
    settings: Settings, work: Callable[[App], Awaitable[int]], *, demo: bool = False
) -> int:
    app = await App.open(settings, demo=demo)
    try:
        return await work(app)
    finally:
        await app.close()


async def committee_ids(app: App, names: Sequence[str]) -> list[int]:
    """The residents' committees named with --committee; a usage error names an unknown one."""
    found = []
    for name in names:
        committee = await app.committees.resident_by_name(name)
        if committee is None:
            raise UsageError(f"没有居委会 {name!r} (unknown committee)")
        found.append(committee.id)
    return found
