"""Repair homophone typos from pinyin keyboards: 加状电梯 -> 加装电梯, 公机金 -> 公积金.

Residents type pinyin and pick the wrong character of the same sound; the character bigrams in
search only rescue half of such a word. A run of characters that sounds exactly like a
vocabulary word (tones ignored, as a keyboard ignores them) is replaced by that word, unless
the run is a real word itself. Two-character runs are riskier (家装 is not 加装), so they are
replaced only when one of their characters never occurs in the vocabulary's text at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

PINYIN_TABLE = Path(__file__).with_name("pinyin.txt")
_LONGEST = 6


def _load_syllables() -> dict[str, str]:
    syllable_of: dict[str, str] = {}
    for line in PINYIN_TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        syllable, chars = line.split()
        for char in chars:
            syllable_of[char] = syllable
    return syllable_of


class HomophoneFixer:
    def __init__(
        self, vocabulary: Iterable[str], known_chars: frozenset[str], is_word: Callable[[str], bool]
    ) -> None:
        self._syllable_of = _load_syllables()
        self._known_chars = known_chars
        self._is_word = is_word
        self._words: dict[tuple[str, ...], str] = {}
        ambiguous: set[tuple[str, ...]] = set()
        self._vocabulary = frozenset(w for w in vocabulary if 2 <= len(w) <= _LONGEST)
        for word in self._vocabulary:
            sound = self._sound(word)
            if sound is None:
                continue
            if self._words.get(sound, word) != word:
                ambiguous.add(sound)  # two words sound alike: no way to tell which was meant
            self._words[sound] = word
        for sound in ambiguous:
            del self._words[sound]
        # Where a run may start: at a vocabulary word's first character, or at a character
        # sounding like one. Most characters of a question start nothing, and are passed over
        # without trying the five run lengths there.
        self._first_chars = frozenset(word[0] for word in self._vocabulary)
        self._first_sounds = frozenset(sound[0] for sound in self._words)

    def _sound(self, text: str) -> tuple[str, ...] | None:
        sound = tuple(self._syllable_of.get(c, "") for c in text)
        return None if "" in sound else sound

    def _replacement(self, run: str) -> str | None:
        if run in self._vocabulary or self._is_word(run):
            return None
        sound = self._sound(run)
        word = self._words.get(sound) if sound else None
        if word is None:
            return None
        if len(run) == 2 and all(c in self._known_chars for c in run):
            return None
        return word

    def fix(self, text: str) -> str:
        """``text`` with every homophone of a vocabulary word replaced, longest first."""
        out: list[str] = []
        i = 0
        while i < len(text):
            first = text[i]
            if first not in self._first_chars and (
                self._syllable_of.get(first) not in self._first_sounds
            ):
                out.append(first)
                i += 1
                continue
            for n in range(min(_LONGEST, len(text) - i), 1, -1):
                run = text[i : i + n]
                if run in self._vocabulary:
                    out.append(run)
                    i += n
                    break
                word = self._replacement(run)
                if word is not None:
                    out.append(word)
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)
