"""The catalogues: same keys in every language, placeholders that match, no empty texts."""

from __future__ import annotations

import re
import string

from bot.i18n import LANGUAGES, pick_language, text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    zh, en = LANGUAGES["zh"], LANGUAGES["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _fields(zh[key]) == _fields(en[key]), key


def test_chinese_texts_are_chinese() -> None:
    """A zh text with words in it has Chinese in it (placeholders and punctuation aside)."""
    han, words = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{3,}")
    untranslated = [
        key
        for key, value in LANGUAGES["zh"].items()
        if words.search(re.sub(r"\{\w+\}", "", value)) and not han.search(value)
    ]
    assert untranslated == []


def test_translated_parameters_and_language_choice() -> None:
    assert text("en", "grant.told", role_key="role.staff").startswith(
        'You are now "subdistrict staff"'
    )
    assert pick_language(None, "en-GB", "zh") == "en"
    assert pick_language("zh", "en", "zh") == "zh"
    assert pick_language(None, None, "zh") == "zh"
