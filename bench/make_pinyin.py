"""Write bot/faq/pinyin.txt: the toneless pinyin of the GB2312 characters, for the FAQ's
homophone-typo repair (bot/faq/typos.py).

Run from the repository root after ``pip install pypinyin``: ``python bench/make_pinyin.py``.
pypinyin itself is not a runtime dependency: importing its table takes seconds and ~50 MB.
GB2312's 6,763 characters are the ones a pinyin keyboard offers first, so they are where a
wrong pick comes from. Each line is a syllable and the characters whose main reading it is.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from pathlib import Path

from pypinyin.pinyin_dict import pinyin_dict

TARGET = Path(__file__).resolve().parent.parent / "bot" / "faq" / "pinyin.txt"
HEADER = "# syllable, then the GB2312 characters whose main reading it is (bench/make_pinyin.py)\n"


def toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main() -> None:
    by_syllable: dict[str, list[str]] = defaultdict(list)
    for code in range(0x4E00, 0xA000):
        char = chr(code)
        readings = pinyin_dict.get(code)
        if not readings:
            continue
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        by_syllable[toneless(readings.split(",")[0])].append(char)
    lines = [f"{s} {''.join(chars)}\n" for s, chars in sorted(by_syllable.items())]
    TARGET.write_text(HEADER + "".join(lines), encoding="utf-8")
    print(f"{TARGET}: {sum(map(len, by_syllable.values()))} characters")


if __name__ == "__main__":
    main()
