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
