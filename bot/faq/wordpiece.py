"""BERT's tokenizer (basic split, then WordPiece), as Chinese BERT models were trained with it.

Chinese characters become one token each; other text is split on spaces and punctuation and cut
into the longest vocabulary pieces (``##`` marks a piece that continues a word). A word no
pieces can spell is ``[UNK]``. This follows the reference BertTokenizer step by step, so a model's
vectors come out as its authors computed them.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
_MAX_WORD = 100  # longer "words" are [UNK], as in the reference


def _is_cjk(cp: int) -> bool:
    return any(low <= cp <= high for low, high in _CJK_RANGES)


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    # ASCII symbols count as punctuation for BERT even where Unicode says otherwise ($, ^, `).
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _clean(text: str) -> str:
    """Control characters dropped, every kind of white space a plain space, CJK set apart."""
    out: list[str] = []
    for char in text:
        cp = ord(char)
        if cp in (0, 0xFFFD):
            continue
        if char in "\t\n\r" or unicodedata.category(char) == "Zs":
            out.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue
        elif _is_cjk(cp):
            out.append(f" {char} ")
        else:
            out.append(char)
    return "".join(out)


def _split_punctuation(word: str) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if _is_punctuation(char):
            if current:
                pieces.append(current)
            pieces.append(char)
            current = ""
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


@dataclass(frozen=True)
class WordPiece:
    vocab: dict[str, int]
    lowercase: bool
    strip_accents: bool

    @classmethod
    def load(cls, folder: Path) -> WordPiece:
        """From ``vocab.txt`` (one token a line) or ``tokenizer.json``. Lower-casing and accent
        stripping as ``tokenizer_config.json`` says, as the reference reads them: lower-casing
        on unless it says otherwise, accents stripped when lower-casing unless it says."""
        config = folder / "tokenizer_config.json"
        settings = json.loads(config.read_text("utf-8")) if config.exists() else {}
        lowercase = bool(settings.get("do_lower_case", True))
        strip = settings.get("strip_accents")
        strip_accents = lowercase if strip is None else bool(strip)
        vocab_file = folder / "vocab.txt"
        if vocab_file.exists():
            tokens = vocab_file.read_text("utf-8").split("\n")
            if tokens and tokens[-1] == "":
                tokens.pop()
            vocab = {token: n for n, token in enumerate(tokens)}
        else:
            spec = json.loads((folder / "tokenizer.json").read_text("utf-8"))
            vocab = {str(k): int(v) for k, v in spec["model"]["vocab"].items()}
        return cls(vocab, lowercase, strip_accents)

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for word in _clean(text).split():
            if self.lowercase:
                word = word.lower()
            if self.strip_accents:
                word = "".join(
                    c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
                )
            words.extend(_split_punctuation(word))
        return words

    def _pieces(self, word: str) -> list[str]:
        if len(word) > _MAX_WORD:
            return ["[UNK]"]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:
                return ["[UNK]"]
            pieces.append(piece)
            start = end
        return pieces

    def ids(self, text: str, max_length: int) -> list[int]:
        """``[CLS]`` text ``[SEP]``, cut to ``max_length`` ids in all."""
        unknown = self.vocab["[UNK]"]
        pieces = [piece for word in self._words(text) for piece in self._pieces(word)]
        body = [self.vocab.get(piece, unknown) for piece in pieces]
        return [self.vocab["[CLS]"], *body[: max_length - 2], self.vocab["[SEP]"]]
