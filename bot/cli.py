"""What every ``juwei`` subcommand shares: the parser, usage errors, the app, reading names."""

from __future__ import annotations

import argparse
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NoReturn

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


# argparse's own messages, Chinese first; the English original follows in the same line.
_ARGPARSE_ZH: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.+)", r"缺少参数 \1"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数 \1"),
    (r"one of the arguments (.+) is required", r"\1 必须选一个"),
    (r"ambiguous option: (\S+) could match (.+)", r"选项 \1 有歧义，可能是 \2"),
    (r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)", r"\1 不能是 \2，可选：\3"),
    (r"argument (\S+): invalid int value: (.+)", r"\1 应为整数，不能是 \2"),
    (r"argument (\S+): invalid \S+ value: (.+)", r"\1 的值 \2 无效"),
    (r"argument (\S+): expected one argument", r"\1 后面要跟一个值"),
    (r"argument (\S+): expected at least one argument", r"\1 后面至少要跟一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"\1 不能与 \2 同时使用"),
    (r"argument (\S+): (.+)", r"\1：\2"),
)


def usage_message(english: str) -> str:
    """One line for a usage error that argparse found: Chinese, then argparse's English."""
    for pattern, chinese in _ARGPARSE_ZH:
        if re.fullmatch(pattern, english):
            return f"{re.sub(pattern, chinese, english)} ({english})"
    return english


class Parser(argparse.ArgumentParser):
    """``juwei``'s argument parser: help headings and usage errors in Chinese first.

    A usage error is one line on stderr, ``juwei: 参数有误 (usage error) …``, and exit code 2,
    like every other mistake the commands report.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数 (arguments)"
        self._optionals.title = "选项 (options)"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示帮助 (show this help)"

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"juwei: 参数有误 (usage error) {usage_message(message)}；见 {self.prog} -h\n")


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法 (usage): " if prefix is None else prefix)
