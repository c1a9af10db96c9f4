"""Checklists as data: the items to check for each kind of place, from ``checklists.yaml``.

A campaign may override a kind's list; a kind without a list of its own gets the 其他 items.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

DEFAULTS = Path(__file__).with_name("checklists.yaml")
OTHER = "其他"
MAX_ITEMS = 8  # the /inspect form has this many item steps
MAX_ITEM_LENGTH = 40


class ChecklistError(ValueError):
    """A checklist file that cannot be used; the message says why, in Chinese first."""


def parse(source: str) -> dict[str, list[str]]:
    """``{kind: [item, ...]}`` from YAML text, checked: 1–8 short items per kind."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise ChecklistError(f"检查清单不是有效的 YAML (not valid YAML): {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ChecklistError("检查清单应为「类型: [检查项, …]」(expected kind: [items])")
    lists: dict[str, list[str]] = {}
    for kind, items in data.items():
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
            raise ChecklistError(
                f"{kind}：检查项应为 1–{MAX_ITEMS} 条 (1 to {MAX_ITEMS} items per kind)"
            )
        texts = [str(item).strip() for item in items]
        if any(not t or len(t) > MAX_ITEM_LENGTH for t in texts):
            raise ChecklistError(
                f"{kind}：每条检查项 1–{MAX_ITEM_LENGTH} 个字 (1 to {MAX_ITEM_LENGTH} characters)"
            )
        lists[str(kind).strip()] = texts
    return lists


@cache
def defaults() -> Mapping[str, list[str]]:
    return parse(DEFAULTS.read_text(encoding="utf-8"))


def items_for(kind: str, override: Mapping[str, list[str]] | None = None) -> list[str]:
    """What to check at a place of this kind: the campaign's own list, else the default."""
    if override and kind in override:
        return list(override[kind])
    found = defaults().get(kind)
    return list(found if found is not None else defaults()[OTHER])
