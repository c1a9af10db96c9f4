"""How close in meaning a question is to each entry, by a sentence model (optional, see encoder).

An entry's closeness is its closest phrasing's cosine to the question (0.7) plus its answer
text's (0.3): the phrasings say how people ask, the answer what the entry covers. Measured on
blind set 3 (bench/faq.py), then run once on blind set 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.faq.knowledge_base import Entry

_PHRASINGS_SHARE = 0.7


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class Closeness:
    def __init__(self, entries: Sequence[Entry], encoder: Encoder) -> None:
        texts: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(entries):
            for text in (entry.question, *entry.alternatives):
                texts.append(text)
                owners.append(index)
        self.size = len(entries)
        self.model = encoder.name
        self._owners = np.array(owners, np.int64)
        self._phrasings = encoder.encode(texts)
        self._answers = encoder.encode([entry.answer.zh for entry in entries])

    def of(self, query: np.ndarray) -> np.ndarray:
        """Per entry, in the entries' order: closeness in [-1, 1] to the question's vector."""
        closest = np.full(self.size, -1.0, np.float32)
        np.maximum.at(closest, self._owners, self._phrasings @ query)
        mixed: np.ndarray = _PHRASINGS_SHARE * closest + (1 - _PHRASINGS_SHARE) * (
            self._answers @ query
        )
        return mixed
