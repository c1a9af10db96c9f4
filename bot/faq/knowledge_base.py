"""The FAQ knowledge base: validated entries loaded from YAML files, one file per topic.

Each file holds ``topic`` and ``entries``. The package's own ``knowledge/`` directory is always
read; extra directories (entries added locally by staff) come after it and may not reuse an id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.i18n import text

log = logging.getLogger(__name__)

PACKAGE_KNOWLEDGE_DIR = Path(__file__).with_name("knowledge")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]

# "2026-11" is how staff think of review dates; it means the first of that month.
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class KnowledgeError(ValueError):
    """A knowledge file cannot be used; the message names the file and the entry."""


class LocalizedText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: Text
    en: Text


class Entry(BaseModel):
    """One question with its reviewed answer. ``refs`` tie it to policy_facts.md items and marks."""

    # YAML reads an unquoted tag such as 119 as a number; staff should not have to quote it.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: Slug
    topic: Slug
    question: Text
    alternatives: tuple[Text, ...] = Field(min_length=1)
    answer: LocalizedText
    tags: tuple[Text, ...] = Field(min_length=1)
    source: Text
    updated: date
    review_by: date
    refs: tuple[Text, ...] = ()

    @field_validator("updated", "review_by", mode="before")
    @classmethod
    def _year_month(cls, value: Any) -> Any:
        if isinstance(value, str) and (m := _YEAR_MONTH.match(value.strip())):
            return date(int(m[1]), int(m[2]), 1)
        return value

    @model_validator(mode="after")
    def _review_after_update(self) -> Entry:
        if self.review_by < self.updated:
            raise ValueError(f"review_by {self.review_by} is before updated {self.updated}")
        return self


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def stale(self, today: date) -> list[Entry]:
        """Entries whose review date has passed: their answers must be checked again."""
        return [e for e in self.entries if e.review_by < today]


def load_knowledge(dirs: Sequence[Path] = (), *, include_package: bool = True) -> KnowledgeBase:
    """Read every ``*.yaml`` in the package's knowledge directory, then in each of ``dirs``.

    A directory in ``dirs`` that does not exist is skipped (the local directory is optional);
    anything malformed raises :class:`KnowledgeError`.
    """
    search = ([PACKAGE_KNOWLEDGE_DIR] if include_package else []) + [Path(d) for d in dirs]
    entries: list[Entry] = []
    origin: dict[str, Path] = {}
    for directory in search:
        if not directory.is_dir():
            if directory.exists():
                raise KnowledgeError(f"{directory}: not a directory")
            log.debug("knowledge directory %s does not exist; skipped", directory)
            continue
        for path in sorted(directory.glob("*.yaml")):
            for entry in _read_file(path):
                if entry.id in origin:
                    raise KnowledgeError(
                        f"{path}: duplicate entry id {entry.id!r} (already in {origin[entry.id]})"
                    )
                origin[entry.id] = path
                entries.append(entry)
    return KnowledgeBase(tuple(entries))


def _read_file(path: Path) -> list[Entry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise KnowledgeError(f"{path}: expected a mapping with 'topic' and a list 'entries'")
    topic = data.get("topic")
    entries: list[Entry] = []
    for index, raw in enumerate(data["entries"], start=1):
        if not isinstance(raw, dict):
            raise KnowledgeError(f"{path}: entry #{index} is not a mapping")
        label = raw.get("id") or f"#{index}"
        try:
            entries.append(Entry.model_validate({"topic": topic, **raw}))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise KnowledgeError(f"{path}: entry {label}: {problems}") from exc
    return entries


def format_answer(entry: Entry, lang: str) -> str:
    """The answer in ``lang`` (zh unless it is English) followed by its source and date."""
    key = "en" if lang.lower().startswith("en") else "zh"
    body = entry.answer.en if key == "en" else entry.answer.zh
    line = text(key, "faq.source", source=entry.source, updated=entry.updated.strftime("%Y-%m"))
    return f"{body.rstrip()}\n\n{line}"
