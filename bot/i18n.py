"""Texts people read: one catalogue per language, keyed; zh-CN first, English second."""

from __future__ import annotations

from collections.abc import Mapping

from bot.locales import en, zh

LANGUAGES: dict[str, Mapping[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


class _Blank(dict[str, object]):
    """Leaves an unknown placeholder visible rather than crashing on a catalogue typo."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(lang: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``lang``; a parameter ``x_key`` is itself translated, as ``x``."""
    catalogue = LANGUAGES.get(lang, zh.TEXTS)
    template = catalogue.get(key) or zh.TEXTS.get(key)
    if template is None:
        raise KeyError(f"no text {key!r}")
    values = _Blank(params)
    for name, value in params.items():
        if name.endswith("_key") and isinstance(value, str):
            values[name.removesuffix("_key")] = text(lang, value)
    return template.format_map(values)


def pick_language(stored: str | None, hint: str | None, default: str) -> str:
    """The person's own choice, else their platform's language, else the configured default."""
    if stored in LANGUAGES:
        return stored
    if hint:
        short = hint.lower()[:2]
        if short in LANGUAGES:
            return short
    return default
