"""What the FAQ tests share: the shipped knowledge base and its index, built once a module."""

from __future__ import annotations

import pytest

from bot.faq.knowledge_base import KnowledgeBase, load_knowledge
from bot.faq.search import FaqIndex


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def index(kb: KnowledgeBase) -> FaqIndex:
    return FaqIndex.build(kb)


def outright(index: FaqIndex, question: str) -> str | None:
    """The entry the question is answered with outright; None when it gets choices instead."""
    answer = index.answer(question)
    return answer.best.id if answer.confident and answer.best is not None else None


def first(index: FaqIndex, question: str) -> str:
    """The entry ranked first (answered outright or offered first among the choices)."""
    return index.search(question, k=1)[0].entry.id
